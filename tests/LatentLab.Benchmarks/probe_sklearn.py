#!/usr/bin/python3
"""scikit-learn reference for the LatentLab probe sweep (not run in CI).

Usage: /usr/bin/python3 tests/LatentLab.Benchmarks/probe_sklearn.py DIR [--jobs 2] [--max-iter 1000]
Reads DIR/acts.npy (N, L, P, D), DIR/labels.npy (N,), DIR/folds.npy (N,) written by
`dotnet run -c Release --project tests/LatentLab.Benchmarks -- probes generate DIR`, fits one
StandardScaler + LogisticRegression(C=1) per (layer, position, fold) on the same folds, prints the wall time,
writes DIR/sklearn.csv and, when DIR/latentlab_nocontrol.csv or DIR/latentlab.csv exists, the per-cell
accuracy differences.
"""
import sys, time, argparse, os
import numpy as np
from joblib import Parallel, delayed
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
import warnings
from sklearn.exceptions import ConvergenceWarning


def cell(x, y, folds, max_iter):
    """x: (N, D) one (layer, position); returns correct predictions over all held-out folds."""
    warnings.simplefilter("ignore", ConvergenceWarning)
    correct = 0
    for f in np.unique(folds):
        tr, te = folds != f, folds == f
        sc = StandardScaler().fit(x[tr])
        clf = LogisticRegression(C=1.0, max_iter=max_iter).fit(sc.transform(x[tr]), y[tr])
        correct += int((clf.predict(sc.transform(x[te])) == y[te]).sum())
    return correct


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--max-iter", type=int, default=100, help="scikit-learn's default is 100")
    a = ap.parse_args()
    acts = np.load(os.path.join(a.dir, "acts.npy"), mmap_mode="r")
    y = np.load(os.path.join(a.dir, "labels.npy"))
    folds = np.load(os.path.join(a.dir, "folds.npy"))
    n, L, P, D = acts.shape
    acts = np.ascontiguousarray(acts)
    t = time.perf_counter()
    c = time.process_time()
    res = Parallel(n_jobs=a.jobs)(delayed(cell)(acts[:, l, p, :], y, folds, a.max_iter) for l in range(L) for p in range(P))
    dt = time.perf_counter() - t
    cpu = time.process_time() - c
    acc = np.array(res, dtype=float).reshape(L, P) / n
    print(f"scikit-learn {__import__('sklearn').__version__}: {L}x{P} cells x {len(np.unique(folds))} folds, n_jobs={a.jobs}, max_iter={a.max_iter}: {dt:.2f} s wall"
          + (f", {cpu:.2f} s CPU" if a.jobs == 1 else "") + f", load average {os.getloadavg()[0]:.2f}")
    cells_file = os.path.join(a.dir, "cells.txt")
    if os.path.exists(cells_file):  # a sample of a bigger sweep (ProbeBenchmark real): project its time
        total = int(open(cells_file).read().split()[0])
        print(f"projected scikit-learn time for all {total} cells: {dt * total / (L * P):.0f} s wall ({dt / (L * P):.2f} s per cell, n_jobs={a.jobs})")
    out = os.path.join(a.dir, f"sklearn_jobs{a.jobs}_iter{a.max_iter}.csv")
    with open(out, "w") as fh:
        fh.write("layer,position,accuracy\n")
        for l in range(L):
            for p in range(P):
                fh.write(f"{l},{p},{acc[l, p]!r}\n")
    print("wrote", out)
    for name in ("latentlab_nocontrol.csv", "latentlab.csv"):
        path = os.path.join(a.dir, name)
        if os.path.exists(path):
            ours = np.genfromtxt(path, delimiter=",", names=True)
            mine = np.zeros((L, P))
            for r in ours:
                mine[int(r["layer"]), int(r["position"])] = r["accuracy"]
            diff = np.abs(mine - acc)
            print(f"vs {name}: max |accuracy difference| {diff.max() * 100:.2f} points, mean {diff.mean() * 100:.3f} points, "
                  f"cells within 1 point: {(diff <= 0.01 + 1e-9).sum()}/{diff.size}")


if __name__ == "__main__":
    main()
