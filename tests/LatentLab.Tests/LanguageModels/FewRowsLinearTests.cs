using LatentLab.LanguageModels.Simd;
using LatentLab.Torch;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace LatentLab.Tests.LanguageModels;

/// <summary>
/// The decoding steps' linear kernel: F.linear's result (to float32 rounding; for bfloat16 to one bfloat16 rounding of the
/// float32 sum) for every row count it takes, odd K and N (tails), with and without a bias; the same bits on 1, 2 and 3
/// threads, and for a row alone as inside a batch; and it declines what it does not take.
/// </summary>
public class FewRowsLinearTests
{
    readonly Device _device = TorchRuntime.ResolveDevice("cpu");

    public static TheoryData<int, int, int, bool> Shapes() => new()
    {
        { 1, 64, 300, true }, { 1, 1024, 3072, false }, { 2, 37, 5, true }, { 3, 8, 1, false }, { 4, 100, 513, true },
        { 5, 7, 9, false }, { 7, 256, 1027, true }, { 8, 1024, 1024, false }, { 8, 13, 2, true },
    };

    [KernelTheory]
    [MemberData(nameof(Shapes))]
    public void Float32_MatchesFLinearInFloat64(int m, int k, int n, bool bias)
    {
        using var scope = NewDisposeScope();
        var g = manual_seed(7);
        var x = randn([m, k], generator: g, device: _device);
        var w = randn([n, k], generator: g, device: _device) * 0.05;
        var b = bias ? randn([n], generator: g, device: _device) : null;
        var y = FewRowsLinear.TryLinear(x, w, b, 2);
        Assert.NotNull(y);
        Assert.Equal(new long[] { m, n }, y.shape);
        Assert.Equal(ScalarType.Float32, y.dtype);
        var exact = F.linear(x.to(float64), w.to(float64), b?.to(float64));
        double scale = (x.abs().to(float64).matmul(w.abs().to(float64).t())).max().item<double>() + 1;
        double error = (y.to(float64) - exact).abs().max().item<double>();
        Assert.True(error < 1e-6 * scale, $"max |kernel - float64| = {error:E2} (scale {scale:F1})");
        double mkl = (F.linear(x, w, b).to(float64) - exact).abs().max().item<double>();
        Assert.True(error <= 4 * mkl + 1e-7 * scale, $"kernel error {error:E2} against F.linear's {mkl:E2}");
    }

    [KernelTheory]
    [MemberData(nameof(Shapes))]
    public void BFloat16_IsTheFloat32SumRoundedOnce(int m, int k, int n, bool bias)
    {
        using var scope = NewDisposeScope();
        var g = manual_seed(8);
        var x = randn([m, k], generator: g, device: _device).to(bfloat16);
        var w = (randn([n, k], generator: g, device: _device) * 0.05).to(bfloat16);
        var b = bias ? randn([n], generator: g, device: _device).to(bfloat16) : null;
        var y = FewRowsLinear.TryLinear(x, w, b, 2);
        Assert.NotNull(y);
        Assert.Equal(ScalarType.BFloat16, y.dtype);
        var reference = F.linear(x.to(float64), w.to(float64), b?.to(float64));      // the exact sum of the bfloat16 values
        var gap = (y.to(float64) - reference).abs();
        var ulp = reference.abs().clamp_min(1e-30) * Math.Pow(2, -8);                // one bfloat16 rounding (8 bits)
        Assert.True(gap.le(ulp * 1.01 + 1e-5).all().item<bool>(),
            $"max |kernel - exact| / |exact| = {(gap / reference.abs().clamp_min(1e-30)).max().item<double>():E2}");
    }

    [KernelFact]
    public void TheNumbersDoNotDependOnThreadsOrOnTheOtherRows()
    {
        using var scope = NewDisposeScope();
        var g = manual_seed(9);
        var x = randn([8, 1, 999], generator: g, device: _device);      // (B, T, K) as a decoding step
        var w = randn([2051, 999], generator: g, device: _device);
        var b = randn([2051], generator: g, device: _device);
        var one = FewRowsLinear.TryLinear(x, w, b, 1)!;
        Assert.Equal(new long[] { 8, 1, 2051 }, one.shape);
        foreach (int threads in new[] { 2, 3 })
            Assert.True(FewRowsLinear.TryLinear(x, w, b, threads)!.equal(one).all().item<bool>(), $"{threads} threads");
        for (int rows = 1; rows < 8; rows++)   // the first rows alone, through the 1-row and 4-row micro-kernels
            Assert.True(FewRowsLinear.TryLinear(x.narrow(0, 0, rows), w, b, 2)!.equal(one.narrow(0, 0, rows)).all().item<bool>(), $"{rows} rows");
        var strided = x.transpose(0, 1).contiguous().transpose(0, 1);   // a non-contiguous input is copied, same numbers
        Assert.True(FewRowsLinear.TryLinear(strided, w, b, 2)!.equal(one).all().item<bool>());
    }

    [Fact]
    public void DeclinesWhatItDoesNotTake()
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(4, CPU);                       // not the global generator, which seeded runs in other tests use
        var w = randn([16, 8], generator: g, device: _device);
        Assert.Null(FewRowsLinear.TryLinear(randn([9, 8], generator: g, device: _device), w, null, 2));                        // more rows than MaxRows
        Assert.Null(FewRowsLinear.TryLinear(randn([2, 8], generator: g, device: _device).to(float64), w.to(float64), null, 2)); // float64
        Assert.Null(FewRowsLinear.TryLinear(randn([2, 7], generator: g, device: _device), w, null, 2));                        // K mismatch: F.linear's message
        Assert.Null(FewRowsLinear.TryLinear(randn([2, 8], generator: g, device: _device), w.t().contiguous().t(), null, 2));  // a strided weight
        Assert.Null(FewRowsLinear.TryLinear(randn([2, 8], generator: g, device: _device, requires_grad: true), w, null, 2));  // gradients wanted
        var mismatch = Assert.ThrowsAny<Exception>(() => FewRowsLinear.Linear(randn([2, 7], generator: g, device: _device), w, null));
        Assert.Contains("7", mismatch.Message);
    }
}

/// <summary>A theory skipped where the kernel does not run (no AVX2+FMA, or LATENTLAB_LLM_TORCH_LINEAR=1: F.linear is used).</summary>
public sealed class KernelTheoryAttribute : TheoryAttribute
{
    public KernelTheoryAttribute()
    {
        if (!FewRowsLinear.Enabled) Skip = "FewRowsLinear is off here (no AVX2+FMA, or LATENTLAB_LLM_TORCH_LINEAR=1): F.linear is used";
    }
}

/// <summary>A fact skipped where the kernel does not run.</summary>
public sealed class KernelFactAttribute : FactAttribute
{
    public KernelFactAttribute()
    {
        if (!FewRowsLinear.Enabled) Skip = "FewRowsLinear is off here (no AVX2+FMA, or LATENTLAB_LLM_TORCH_LINEAR=1): F.linear is used";
    }
}
