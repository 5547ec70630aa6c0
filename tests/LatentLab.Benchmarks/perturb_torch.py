"""PyTorch peer of `LatentLab.Benchmarks perturb rl`: the same weight-noise sweep computation in PyTorch.

One RL-lab-shaped policy (stacked MLP: input 20 -> 64 -> 64 -> 4, tanh, random weights), K = 64 noise seeds as stacked
copies, 24 noise scales. Per scale: W' = W + s * RMS(W) * eps for every tensor; the three decision steps of every
evaluation context (256 contexts; 1 + 4 + 4 * 3 = 17 decision prefixes each) through the stacked network; masked
log-softmax; the sequence log-probabilities (K, N, 48); then 16 probability-weighted group means (the metrics).
Usage: python3 tests/LatentLab.Benchmarks/perturb_torch.py [--points 24] [--seeds 64] [--threads 1] [--repeat 3]
"""
import argparse
import math
import os
import time

import torch


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--points", type=int, default=24)
    ap.add_argument("--seeds", type=int, default=64)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--contexts", type=int, default=256)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    k1, modes, classes, width, feat = 4, 3, 4, 64, 8
    n, k = a.contexts, a.seeds
    ctx_w = 2 + feat
    sizes = [ctx_w + k1 + modes + 3, width, width, 4]
    clean = []
    for i in range(3):
        clean.append(torch.randn(sizes[i], sizes[i + 1]) / math.sqrt(sizes[i]))
        clean.append(torch.randn(1, sizes[i + 1]) * 0.1)
    valid = [torch.arange(4) < k1, torch.arange(4) < modes, torch.arange(4) < classes]
    context = torch.randn(n, ctx_w)
    groups = (torch.rand(16, n) > 0.5).float()
    events = torch.rand(16, k1 * modes * classes)
    grid = [math.exp(math.log(1e-3) + (math.log(3) - math.log(1e-3)) * i / (a.points - 1)) for i in range(a.points)]
    g = torch.Generator().manual_seed(1)
    eps = [torch.randn((k,) + tuple(t.shape), generator=g) for t in clean]
    k_eye, m_eye = torch.eye(k1), torch.eye(modes)

    def inputs(step):
        lead = {0: (n,), 1: (n, k1), 2: (n, k1, modes)}[step]
        e = context.view(n, *([1] * (len(lead) - 1)), ctx_w).expand(*lead, ctx_w)
        kk = torch.zeros(*lead, k1) if step == 0 else (k_eye.expand(n, k1, k1) if step == 1 else k_eye.unsqueeze(1).expand(n, k1, modes, k1))
        mm = m_eye.expand(n, k1, modes, modes) if step == 2 else torch.zeros(*lead, modes)
        t = torch.zeros(*lead, 3)
        t[..., step] = 1
        return torch.cat([e, kk, mm, t], -1).reshape(1, -1, sizes[0]).expand(k, -1, -1)

    xs = [inputs(s) for s in range(3)]

    def point(s):
        with torch.no_grad():
            p = [c.unsqueeze(0) + e * (c.pow(2).mean().sqrt() * s) for c, e in zip(clean, eps)]
            lps = []
            for step, x in enumerate(xs):
                h = x
                for layer in range(3):
                    h = torch.baddbmm(p[2 * layer + 1], h, p[2 * layer])
                    if layer < 2:
                        h = torch.tanh(h)
                lps.append(h.masked_fill(~valid[step], -1e9).log_softmax(-1))
            lp0 = lps[0][..., :k1]                                               # (K, N, K1)
            lp1 = lps[1].view(k, n, k1, 4)[..., :modes]                          # (K, N, K1, 3)
            lp2 = lps[2].view(k, n, k1, modes, 4)[..., :classes]                 # (K, N, K1, 3, C)
            total = (lp0[..., None, None] + lp1[..., None] + lp2).reshape(k, n, -1)
            prob = total.exp()
            metrics = torch.stack([((prob * events[j]).sum(-1) * groups[j]).sum(-1) / groups[j].sum() for j in range(16)], 1)
            return metrics.double().numpy()

    load = " ".join(open("/proc/loadavg").read().split()[:3]) if os.path.exists("/proc/loadavg") else "n/a"
    print(f"PyTorch {torch.__version__} peer: {a.points} points x {k} seeds, {n} contexts, {a.threads} thread(s); load average {load}")
    times = []
    for r in range(a.repeat):
        c0 = time.process_time()
        t0 = time.perf_counter()
        for s in grid:
            point(s)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        times.append(wall)
        print(f"  run {r + 1}: wall {wall:.2f} s, CPU {cpu:.2f} s, {1000 * wall / a.points:.0f} ms per point")
    load = " ".join(open("/proc/loadavg").read().split()[:3]) if os.path.exists("/proc/loadavg") else "n/a"
    print(f"best wall {min(times):.2f} s, median {sorted(times)[len(times) // 2]:.2f} s; load average {load}")


if __name__ == "__main__":
    main()
