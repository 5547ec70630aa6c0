using TorchSharp;
using static TorchSharp.torch;

namespace LatentLab.Bandits;

/// <summary>Pulls an arm uniformly at random every step: the baseline with linear regret.</summary>
public sealed class RandomPolicy : IBanditPolicy
{
    Generator? _generator;
    long _batch;
    int _arms;
    Device _device = CPU;

    public string Name => PolicyNames.Random;

    public void Reset(long batch, int arms, Device device, long seed)
    {
        _generator?.Dispose();
        _generator = new Generator((ulong)seed, device);
        (_batch, _arms, _device) = (batch, arms, device);
    }

    public Tensor Act(int step) =>
        randint(0, _arms, new long[] { _batch }, dtype: int64, device: _device, generator: _generator ?? throw PolicyNames.NotReset(Name));

    public void Observe(Tensor actions, Tensor rewards) { }

    public void Dispose() => _generator?.Dispose();
}
