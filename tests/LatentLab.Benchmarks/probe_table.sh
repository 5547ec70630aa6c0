#!/usr/bin/env bash
# Issue 13's probe-sweep table in one command: LatentLab against scikit-learn (n_jobs=2) in the same run, with the load
# average beside every figure. Build first: dotnet build -c Release tests/LatentLab.Benchmarks
#   tests/LatentLab.Benchmarks/probe_table.sh [BENCH_DIR=/tmp/pb] [REAL_DIR=/tmp/pbreal]
# REAL_LAYERS=k sweeps k of the 28 layers of the real-size file and projects the rest (default 0 = all 28);
# REAL_TOL (default 1e-5: at the default 1e-4, 1 of 16 sampled near-chance cells was 1.8-2.2 points off scikit-learn).
# The real-size file (14.7 GB float16) is written on first use (about 8 minutes here); SKIP_REAL=1 leaves it out.
set -euo pipefail
cd "$(dirname "$0")/../.."
B=${B:-tests/LatentLab.Benchmarks/bin/Release/net10.0/linux-x64/LatentLab.Benchmarks}
PY=/usr/bin/python3   # Debian's python3-sklearn
DIR=${1:-/tmp/pb}; REAL=${2:-/tmp/pbreal}; THREADS=${THREADS:-2}
load() { cut -d' ' -f1-3 /proc/loadavg; }
log=$(mktemp -d)
[ -f "$DIR/acts.npy" ] || "$B" probes generate "$DIR" > "$log/gen.txt"
echo "load before: $(load)"
"$B" probes sweep "$DIR" --no-control --threads "$THREADS" --repeat 3 > "$log/task.txt"
"$B" probes sweep "$DIR" --threads "$THREADS" --repeat 3 > "$log/control.txt"
"$PY" tests/LatentLab.Benchmarks/probe_sklearn.py "$DIR" --jobs 2 > "$log/sk.txt"
med() { grep -o 'median [0-9.]* s' "$1" | awk '{print $2}'; }
runs() { grep -o 'load average [0-9.]*' "$1" | awk '{printf "%s ", $3}'; }
sk=$(grep -o '[0-9.]* s wall' "$log/sk.txt" | head -1 | awk '{print $1}')
skload=$(grep -o 'load average [0-9.]*' "$log/sk.txt" | awk '{print $3}')
t1=$(med "$log/task.txt"); t2=$(med "$log/control.txt")
echo
echo "| N=500 L=8 P=32 D=256, 5 folds | wall (median of 3) | vs scikit-learn n_jobs=2 | agreement with scikit-learn | load average |"
echo "|---|---|---|---|---|"
echo "| scikit-learn 1.2.1, n_jobs=2, task only | $sk s | 1x | - | $skload |"
echo "| LatentLab, $THREADS threads, task only | $t1 s | $(awk -v a="$sk" -v b="$t1" 'BEGIN{printf "%.1fx", a/b}') | $(grep 'vs latentlab_nocontrol' "$log/sk.txt" | sed -e 's/^vs [^:]*: //' -e 's/|accuracy difference|/accuracy difference/') | $(runs "$log/task.txt")|"
echo "| LatentLab, $THREADS threads, task + control | $t2 s | $(awk -v a="$sk" -v b="$t2" 'BEGIN{printf "%.1fx", a/b}') (scikit-learn: task only) | $(grep 'vs latentlab.csv' "$log/sk.txt" | sed -e 's/^vs [^:]*: //' -e 's/|accuracy difference|/accuracy difference/') | $(runs "$log/control.txt")|"
if [ "${SKIP_REAL:-0}" != 1 ]; then
  mkdir -p "$REAL"
  "$B" probes real "$REAL" --threads "$THREADS" --sweep-layers "${REAL_LAYERS:-0}" --tol "${REAL_TOL:-1e-5}" > "$log/real.txt"
  "$PY" tests/LatentLab.Benchmarks/probe_sklearn.py "$REAL/sample" --jobs 2 > "$log/realsk.txt"
  echo
  echo "| N=500 L=28 P=256 D=2048 float16 (14.7 GB, memory-mapped), 5 folds + control | figure | load average |"
  echo "|---|---|---|"
  echo "| LatentLab, $THREADS threads | $(grep '^swept' "$log/real.txt" | sed 's/; load average.*//') | $(grep '^swept' "$log/real.txt" | grep -o 'load average [0-9.]*' | awk '{print $3}') |"
  echo "| peak RSS | $(grep '^peak RSS' "$log/real.txt" | sed 's/; ProbeSweepResult.*//') | |"
  echo "| scikit-learn n_jobs=2, task only, on a sample | $(grep '^projected' "$log/realsk.txt") | $(grep -o 'load average [0-9.]*' "$log/realsk.txt" | awk '{print $3}') |"
  echo "| sample agreement | $(grep 'vs latentlab.csv' "$log/realsk.txt" | sed -e 's/^vs [^:]*: //' -e 's/|accuracy difference|/accuracy difference/') | |"
fi
echo
echo "load after: $(load); raw outputs in $log"
