#!/usr/bin/env bash
# Runs one notebook headless through Jupyter's .NET (C#) kernel and writes into artifacts/:
#   artifacts/<name>.ipynb   the executed notebook (machine-specific paths and addresses scrubbed)
#   artifacts/<name>.html    its static HTML export (charts draw offline: plotly.js is inside the page)
#
#   bash tests/run-notebook.sh                      # the main walkthrough
#   bash tests/run-notebook.sh 00-getting-started   # any notebook in notebooks/ (name with or without .ipynb)
#
# Needs: the .NET 10 SDK, and Jupyter's nbconvert (on Debian/Ubuntu tests/install-prerequisites.sh installs
# jupyter-notebook python3-nbconvert jupyter-nbconvert if they are missing, as root or with sudo). Packs a fresh LatentLab into nuget/feed unless
# LATENTLAB_PACKAGE_VERSION names a pack that is already in the feed. A cell tagged `raises-exception` may fail
# (that is how a notebook shows a bad input on purpose); any other failing cell fails this script.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

default=01-lstm-imitates-ucb
[ -f "notebooks/$default.ipynb" ] || default=00-getting-started
name="${1:-$default}"
name="$(basename "${name%.ipynb}")"
notebook="$root/notebooks/$name.ipynb"
if [ ! -f "$notebook" ]; then
  echo "run-notebook.sh: no notebook notebooks/$name.ipynb; there are: $(cd notebooks && ls *.ipynb | tr '\n' ' ')" >&2
  exit 1
fi

bash "$root/tests/install-prerequisites.sh"
jupyter=/usr/bin/jupyter
command -v "$jupyter" >/dev/null 2>&1 || jupyter="$(command -v jupyter || true)"
if [ -z "$jupyter" ] || ! "$jupyter" nbconvert --version >/dev/null 2>&1; then
  echo "run-notebook.sh: Jupyter's nbconvert is missing. On Debian/Ubuntu: sudo apt-get install jupyter-notebook python3-nbconvert jupyter-nbconvert" >&2
  exit 1
fi
python=/usr/bin/python3
[ -x "$python" ] || python=python3

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_INTERACTIVE_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
bash nuget/restore-tools.sh   # dotnet tool restore, with the pinned latentlab tool packed into nuget/feed when missing

# A fresh pack, unless the caller (tests/run-all.sh) already made one.
version="${LATENTLAB_PACKAGE_VERSION:-}"
if [ -z "$version" ] || [ ! -f "nuget/feed/LatentLab.Interactive.$version.nupkg" ] || [ ! -f nuget/feed/use-latentlab.dib ]; then
  version="$(bash nuget/pack.sh | tail -n 1)"
fi
echo "LatentLab.Interactive $version" >&2

# The .NET kernelspec, installed privately (artifacts/jupyter/kernels) and bound to localhost only.
# Its argv runs `dotnet interactive`, the repo's local tool: the kernel starts in notebooks/, inside the repo.
kernels="$root/artifacts/jupyter/kernels"
mkdir -p "$kernels"
dotnet interactive jupyter install --path "$kernels" >/dev/null
"$python" - "$kernels/.net-csharp/kernel.json" <<'PY'
import json, sys
path = sys.argv[1]
spec = json.load(open(path))
if "--http-local-only" not in spec["argv"]:
    spec["argv"].append("--http-local-only")
json.dump(spec, open(path, "w"), indent=2)
PY
export JUPYTER_PATH="$root/artifacts/jupyter${JUPYTER_PATH:+:$JUPYTER_PATH}"

mkdir -p artifacts
start=$(date +%s)
"$jupyter" nbconvert --to notebook --execute "$notebook" \
  --ExecutePreprocessor.kernel_name=.net-csharp \
  --ExecutePreprocessor.timeout=1800 \
  --ExecutePreprocessor.startup_timeout=300 \
  --output-dir "$root/artifacts" --output "$name.ipynb" >&2
echo "Executed $name in $(( $(date +%s) - start )) s" >&2
"$python" tests/scrub_notebook.py "artifacts/$name.ipynb"
"$jupyter" nbconvert --to html "artifacts/$name.ipynb" --output-dir "$root/artifacts" --output "$name.html" >&2
echo "Wrote artifacts/$name.ipynb and artifacts/$name.html" >&2
