"""The arithmetic ceiling of a Qwen3-0.6B prefill of 1 x 128 tokens on this machine, from NumPy's BLAS (Debian's OpenBLAS,
which picks its AVX-512 kernels where the CPU has them, with no cap for reproducibility): the seven projections of one
layer (q 1024->2048, k and v 1024->1024, o 2048->1024, gate and up 1024->3072, down 3072->1024) on 128 rows, best of 20,
and a square 2048 product for the BLAS's best case. A whole forward pass also runs attention, norms, RoPE and the output
head, so it cannot run faster than its projections do here.

usage: /usr/bin/python3 sgemm_ceiling.py [threads ...]   (default: 1 2; each count in its own process)
"""
import os
import subprocess
import sys
import time

if len(sys.argv) > 1 and sys.argv[1] == "--child":
    import numpy as np
    rng = np.random.default_rng(0)
    shapes = [(1024, 2048), (1024, 1024), (1024, 1024), (2048, 1024), (1024, 3072), (1024, 3072), (3072, 1024)]
    x = {k: rng.random((128, k), dtype=np.float32) for k in (1024, 2048, 3072)}
    weights = [rng.random((k, n), dtype=np.float32) for k, n in shapes]
    flop = sum(2 * 128 * k * n for k, n in shapes)

    def best(f, reps=20):
        f()
        out = float("inf")
        for _ in range(reps):
            t0 = time.perf_counter()
            f()
            out = min(out, time.perf_counter() - t0)
        return out

    layer = best(lambda: [x[k] @ w for (k, _), w in zip(shapes, weights)])
    a, b = rng.random((2048, 2048), dtype=np.float32), rng.random((2048, 2048), dtype=np.float32)
    square = best(lambda: a @ b, reps=5)
    print(f"threads {os.environ['OPENBLAS_NUM_THREADS']}: one layer's projections on 128 rows {flop / layer / 1e9:.1f} GFLOP/s; "
          f"2048 x 2048 x 2048 {2 * 2048 ** 3 / square / 1e9:.1f} GFLOP/s (best of 20 / 5)", flush=True)
else:
    for threads in sys.argv[1:] or ["1", "2"]:
        env = dict(os.environ, OPENBLAS_NUM_THREADS=threads, OMP_NUM_THREADS=threads)
        subprocess.run([sys.executable, __file__, "--child"], env=env, check=True)
