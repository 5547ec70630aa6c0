#!/usr/bin/env bash
# Packs extension/LatentLab and extension/LatentLab.Interactive into nuget/feed/ with a fresh version, and the console
# tool extension/LatentLab.Cli (`latentlab`, ~130 MB: libtorch is inside; LATENTLAB_PACK_CLI=0 skips it) with the fresh
# version and with the version pinned in .config/dotnet-tools.json, which it then restores (nuget/restore-tools.sh).
#
#   nuget/pack.sh            -> version 0.1.0-dev.<UTC yyyyMMddHHmmss>
#   nuget/pack.sh 0.2.0      -> that version (must not be in the NuGet cache yet, or hosts load the old copy)
#
# It also writes nuget/feed/use-latentlab.dib: the two lines that load this pack in a notebook
# (#i "nuget: <abs feed>" and #r "nuget: LatentLab.Interactive, <version>"). The notebooks in notebooks/
# start with `#!import ../nuget/feed/use-latentlab.dib`, so they always load the latest pack of this checkout.
#
# Notebook hosts cache packages by version (~/.nuget/packages, ~/.packagemanagement), so every pack gets a
# new version. The LAST line printed is the version, for scripts: VERSION=$(nuget/pack.sh | tail -n 1).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
feed="$here/feed"
version="${1:-0.1.0-dev.$(date -u +%Y%m%d%H%M%S)}"

mkdir -p "$feed"
# Packs older than a day are of no use (hosts hold them in their caches); keep the feed small.
find "$feed" -maxdepth 1 -name 'LatentLab*.nupkg' -mmin +1440 -delete
projects="LatentLab LatentLab.Interactive"
if [ "${LATENTLAB_PACK_CLI:-1}" != "0" ]; then projects="$projects LatentLab.Cli"; fi
for project in $projects; do
  echo "Packing $project $version into $feed" >&2
  dotnet pack "$root/extension/$project/$project.csproj" \
    --configuration Release \
    --output "$feed" \
    --nologo \
    -p:Version="$version" \
    -p:ContinuousIntegrationBuild=true >&2
done

for id in $projects; do
  if [ ! -f "$feed/$id.$version.nupkg" ]; then
    echo "pack.sh: $feed/$id.$version.nupkg was not produced" >&2
    exit 1
  fi
done
case " $projects " in *" LatentLab.Cli "*)
  # The tool again at the version pinned in .config/dotnet-tools.json (the repository's development version), then
  # restored, so `dotnet latentlab` runs this pack (nuget/restore-tools.sh; a fresh clone runs that script alone).
  pin="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["tools"]["latentlab.cli"]["version"])' "$root/.config/dotnet-tools.json")"
  echo "Packing LatentLab.Cli $pin (the pinned tool version) into $feed" >&2
  dotnet pack "$root/extension/LatentLab.Cli/LatentLab.Cli.csproj" --configuration Release --output "$feed" --nologo --no-build \
    -p:Version="$pin" -p:ContinuousIntegrationBuild=true >&2
  bash "$here/restore-tools.sh";;
esac

cat > "$feed/use-latentlab.dib" <<DIB
#!csharp

#i "nuget: $feed"
#r "nuget: LatentLab.Interactive, $version"
DIB
echo "Feed: $feed" >&2
echo "Load it in a notebook with:" >&2
echo "  #i \"nuget: $feed\"" >&2
echo "  #r \"nuget: LatentLab.Interactive, $version\"" >&2
case " $projects " in *" LatentLab.Cli "*)
  echo "Install the console tool with:" >&2
  echo "  dotnet tool install --global LatentLab.Cli --version $version --add-source $feed" >&2;;
esac
echo "$version"
