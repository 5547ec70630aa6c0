#!/usr/bin/env bash
# Restores the tools pinned in .config/dotnet-tools.json, so that a fresh clone runs `dotnet latentlab --help`:
#
#   bash nuget/restore-tools.sh        (instead of a bare `dotnet tool restore`)
#
# The hosts (dotnet-repl, dotnet-interactive) come from NuGet as usual. The console tool latentlab is pinned at the
# repository's development version (the manifest's "latentlab.cli" entry, e.g. 0.1.0-dev), which is never published:
# it comes from nuget/feed, where this script packs it when it is missing (nuget/pack.sh re-packs it on every run).
# Because that version never changes, the NuGet cache may hold an older build of it; the cached copy is dropped when it
# differs from the feed's, so the restored tool is always this checkout's.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
feed="$here/feed"
manifest="$root/.config/dotnet-tools.json"
pin="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["tools"]["latentlab.cli"]["version"])' "$manifest")"
package="$feed/LatentLab.Cli.$pin.nupkg"

if [ ! -f "$package" ]; then
  echo "restore-tools.sh: packing the latentlab tool $pin into $feed (the pinned development version)" >&2
  mkdir -p "$feed"
  dotnet pack "$root/extension/LatentLab.Cli/LatentLab.Cli.csproj" --configuration Release --output "$feed" --nologo \
    -p:Version="$pin" -p:ContinuousIntegrationBuild=true >&2
fi
cache="${NUGET_PACKAGES:-$HOME/.nuget/packages}/latentlab.cli/$pin"
if [ -d "$cache" ] && ! cmp -s "$package" "$cache/latentlab.cli.$pin.nupkg"; then
  echo "restore-tools.sh: dropping the cached latentlab $pin (an older build) from $cache" >&2
  rm -rf "$cache"
fi
cd "$root"
dotnet tool restore --add-source "$feed" >&2
