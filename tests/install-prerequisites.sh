#!/usr/bin/env bash
# Installs the system packages the notebook hosts need, if any is missing (Debian/Ubuntu, apt-get; as root or with
# passwordless sudo). Called by tests/run-notebook.sh, tests/run-all.sh and .ci/run; harmless to run again.
#
#   bash tests/install-prerequisites.sh            # Jupyter + nbconvert (to run a notebook and export HTML)
#   bash tests/install-prerequisites.sh --browser  # also Chromium (the tests photograph the HTML export)
set -euo pipefail

packages=(python3 jupyter-notebook python3-nbconvert jupyter-nbconvert)
[ "${1:-}" = "--browser" ] && packages+=(chromium fonts-dejavu-core)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-prerequisites.sh: missing ${missing[*]} and no apt-get here. Install Jupyter's nbconvert (and Chromium for the tests) with your package manager." >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if sudo -n true 2>/dev/null; then sudo="sudo -n"; else
    echo "install-prerequisites.sh: missing ${missing[*]}. Install them with: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi
echo "Installing ${missing[*]} (apt-get)" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >&2
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
