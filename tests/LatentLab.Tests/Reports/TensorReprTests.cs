using LatentLab.Reports;
using LatentLab.Torch;
using TorchSharp;

namespace LatentLab.Tests.Reports;

/// <summary>
/// TensorRepr prints what PyTorch 2.x prints (the expected bodies below are PyTorch's own output), followed by
/// shape, dtype and device, which it always shows.
/// </summary>
public class TensorReprTests
{
    public TensorReprTests() => TorchRuntime.EnsureInitialized();

    static void AssertPyTorchBody(string pytorch, string repr)
    {
        // PyTorch's repr minus its closing parenthesis, then ", shape=" (same line or wrapped under the values).
        var body = pytorch[..^1];
        Assert.StartsWith(body, repr);
        var rest = repr[body.Length..];
        Assert.Matches(@"^(, |,\n {7})shape=", rest);
        Assert.EndsWith("')", repr);
    }

    [Fact]
    public void Matrix_OfWholeFloats_UsesIntegerMode()
    {
        using var t = torch.tensor(new float[] { 1, 2, 3, 4 }).reshape(2, 2);
        Assert.Equal("tensor([[1., 2.],\n        [3., 4.]], shape=(2, 2), dtype=torch.float32, device='cpu')", TensorRepr.Format(t));
    }

    [Fact]
    public void Floats_ShowFourDecimals()
    {
        using var t = torch.tensor(new float[] { 0.1f, 2.5f });
        Assert.Equal("tensor([0.1000, 2.5000], shape=(2,), dtype=torch.float32, device='cpu')", TensorRepr.Format(t));
    }

    [Fact]
    public void WideRange_UsesScientificNotation()
    {
        using var t = torch.tensor(new double[] { 1e-5, 1.0 });
        Assert.Equal("tensor([1.0000e-05, 1.0000e+00], shape=(2,), dtype=torch.float64, device='cpu')", TensorRepr.Format(t));
    }

    [Fact]
    public void NegativeNanAndInf_AreAlignedLikePyTorch()
    {
        using var t = torch.tensor(new float[] { -1.5f, float.NaN, float.PositiveInfinity });
        AssertPyTorchBody("tensor([-1.5000,     nan,     inf])", TensorRepr.Format(t));
    }

    [Fact]
    public void LongVector_WrapsAt80Columns()
    {
        using var t = torch.linspace(0, 1, 20);
        AssertPyTorchBody(
            "tensor([0.0000, 0.0526, 0.1053, 0.1579, 0.2105, 0.2632, 0.3158, 0.3684, 0.4211,\n" +
            "        0.4737, 0.5263, 0.5789, 0.6316, 0.6842, 0.7368, 0.7895, 0.8421, 0.8947,\n" +
            "        0.9474, 1.0000])", TensorRepr.Format(t));
    }

    [Fact]
    public void MoreThan1000Elements_ShowsFirstAndLastThree()
    {
        using var t = torch.arange(2000);
        Assert.Equal("tensor([   0,    1,    2,  ..., 1997, 1998, 1999], shape=(2000,),\n       dtype=torch.int64, device='cpu')",
            TensorRepr.Format(t));
    }

    [Fact]
    public void LargeMatrix_ElidesRowsAndColumns()
    {
        using var t = torch.ones(100, 100);
        AssertPyTorchBody(
            "tensor([[1., 1., 1.,  ..., 1., 1., 1.],\n" +
            "        [1., 1., 1.,  ..., 1., 1., 1.],\n" +
            "        [1., 1., 1.,  ..., 1., 1., 1.],\n" +
            "        ...,\n" +
            "        [1., 1., 1.,  ..., 1., 1., 1.],\n" +
            "        [1., 1., 1.,  ..., 1., 1., 1.],\n" +
            "        [1., 1., 1.,  ..., 1., 1., 1.]])", TensorRepr.Format(t));
        Assert.Contains("shape=(100, 100)", TensorRepr.Format(t));
    }

    [Fact]
    public void WideMatrix_ElidesOnlyTheLongDimension()
    {
        using var t = torch.arange(2000).reshape(2, 1000);
        AssertPyTorchBody(
            "tensor([[   0,    1,    2,  ...,  997,  998,  999],\n" +
            "        [1000, 1001, 1002,  ..., 1997, 1998, 1999]])", TensorRepr.Format(t));
    }

    [Fact]
    public void ThreeDimensions_SeparateBlocksWithABlankLine()
    {
        using var t = torch.arange(8).reshape(2, 2, 2);
        AssertPyTorchBody("tensor([[[0, 1],\n         [2, 3]],\n\n        [[4, 5],\n         [6, 7]]])", TensorRepr.Format(t));
    }

    [Fact]
    public void Booleans_Scalars_AndEmptyTensors()
    {
        using var b = torch.tensor(new[] { true, false });
        using var s = torch.tensor(3.5f);
        using var e = torch.zeros(0, 3);
        Assert.Equal("tensor([ True, False], shape=(2,), dtype=torch.bool, device='cpu')", TensorRepr.Format(b));
        Assert.Equal("tensor(3.5000, shape=(), dtype=torch.float32, device='cpu')", TensorRepr.Format(s));
        Assert.Equal("tensor([], shape=(0, 3), dtype=torch.float32, device='cpu')", TensorRepr.Format(e));
    }

    [Fact]
    public void RequiresGrad_IsShown()
    {
        using var t = torch.zeros(2, requires_grad: true);
        Assert.Equal("tensor([0., 0.], shape=(2,), dtype=torch.float32, device='cpu',\n       requires_grad=True)", TensorRepr.Format(t));
    }

    [Fact]
    public void DisposedTensor_SaysSoInsteadOfThrowing()
    {
        var t = torch.zeros(2);
        t.Dispose();
        Assert.Equal("tensor(<disposed>)", TensorRepr.Format(t));
    }

    [Fact]
    public void FormatValues_NeedsNoTorch_ForValuesAlreadyRead()
    {
        var text = TensorRepr.FormatValues([2, 3], [false, false], TensorValues.Integers([1, 2, 3, 4, 5, 6]), "torch.int64", "cuda:0");
        Assert.Equal("tensor([[1, 2, 3],\n        [4, 5, 6]], shape=(2, 3), dtype=torch.int64, device='cuda:0')", text);
    }
}
