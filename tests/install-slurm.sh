#!/usr/bin/env bash
# Installs and starts a one-node Slurm cluster on this machine for the sweep tests (Debian/Ubuntu; root or passwordless sudo).
# Harmless to run again: installs slurm-wlm and munge only when missing, starts only the daemons that are not running,
# then waits until `sinfo` shows the node idle. Config: tests/slurm/slurm.conf.in, written to $LATENTLAB_SLURM_STATE/slurm.conf.
#
#   bash tests/install-slurm.sh          # install + start; prints `export SLURM_CONF=...` as its last line
#   bash tests/install-slurm.sh --stop   # stops the daemons it started (by their pid files)
#
# Tests read SLURM_CONF (or /tmp/latentlab-slurm/slurm.conf); LATENTLAB_SLURM=unavailable makes the Slurm tests skip.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
state="${LATENTLAB_SLURM_STATE:-/tmp/latentlab-slurm}"
conf="$state/slurm.conf"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if sudo -n true 2>/dev/null; then sudo="sudo -n"; else
    echo "install-slurm.sh: needs root or passwordless sudo (the daemons run as root here). Set LATENTLAB_SLURM=unavailable to skip the Slurm tests." >&2
    exit 1
  fi
fi

stop() {
  for pidfile in "$state/slurmd.pid" "$state/slurmctld.pid"; do
    [ -f "$pidfile" ] && $sudo kill "$(cat "$pidfile")" 2>/dev/null || true
  done
  [ -f /run/munge/munged.pid ] && $sudo kill "$(cat /run/munge/munged.pid)" 2>/dev/null || true
  for pidfile in "$state/slurmd.pid" "$state/slurmctld.pid"; do   # wait until they are gone (at most 30 s)
    for _ in $(seq 1 60); do [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null || break; sleep 0.5; done
  done
}
if [ "${1:-}" = "--stop" ]; then stop; exit 0; fi

missing=()
for p in slurm-wlm munge; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  command -v apt-get >/dev/null 2>&1 || { echo "install-slurm.sh: missing ${missing[*]} and no apt-get here" >&2; exit 1; }
  echo "install-slurm.sh: installing ${missing[*]} (apt-get)" >&2
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get -o DPkg::Lock::Timeout=600 update -qq >&2
  $sudo apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

$sudo mkdir -p "$state/slurmd" "$state/slurmctld"
host="$(hostname -s)"
cpus="$(nproc)"
mem=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 * 8 / 10 ))   # 80% of RAM in MB
sed -e "s|@HOST@|$host|g" -e "s|@CPUS@|$cpus|g" -e "s|@MEM@|$mem|g" -e "s|@STATE@|$state|g" "$here/slurm/slurm.conf.in" | $sudo tee "$conf" >/dev/null
export SLURM_CONF="$conf"

# munge: a key (1024 random bytes, owner munge, mode 400) and the daemon, as user munge.
if [ ! -s /etc/munge/munge.key ]; then
  $sudo dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
  $sudo chown munge:munge /etc/munge/munge.key
  $sudo chmod 400 /etc/munge/munge.key
fi
$sudo mkdir -p /run/munge && $sudo chown munge:munge /run/munge
if ! munge -n >/dev/null 2>&1; then
  if [ -z "$sudo" ]; then runuser -u munge -- munged; else $sudo -u munge munged; fi
  for _ in $(seq 1 20); do munge -n >/dev/null 2>&1 && break; sleep 0.5; done
fi
munge -n >/dev/null 2>&1 || { echo "install-slurm.sh: munged did not start" >&2; exit 1; }

running() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
running "$state/slurmctld.pid" || $sudo env SLURM_CONF="$conf" slurmctld -f "$conf"
for _ in $(seq 1 40); do scontrol ping >/dev/null 2>&1 && break; sleep 0.5; done
running "$state/slurmd.pid" || $sudo env SLURM_CONF="$conf" slurmd -f "$conf"

for _ in $(seq 1 60); do
  st="$(sinfo -h -n "$host" -o %t 2>/dev/null | head -n 1 || true)"
  case "$st" in
    idle|mix|alloc) echo "install-slurm.sh: node $host is $st" >&2; echo "export SLURM_CONF=$conf"; exit 0 ;;
    down*|drain*) $sudo env SLURM_CONF="$conf" scontrol update nodename="$host" state=resume 2>/dev/null || true ;;
  esac
  sleep 1
done
echo "install-slurm.sh: the node did not become idle; see $state/slurmctld.log and $state/slurmd.log" >&2
sinfo >&2 || true
exit 1
