#!/usr/bin/env bash
# Runs every command of the README's ```sh blocks as written, in a scratch folder, with the
# release binaries (`swift run -c release lemmse` and `lemmse` mean .build/release/lemmse):
# the demo, `lemmse compare` on the demo's own test files, the experiment configs (with
# --dry-run: a full run takes hours), and the fuzzer. `swift test` is left to CI itself.
# Usage: bash scripts/readme-commands.sh   (after `swift build -c release --product lemmse --product lemmse-fuzz`)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
ln -s "$root/experiments" "$scratch/experiments"
mkdir -p "$scratch/.build"
ln -s "$root/.build/release" "$scratch/.build/release"
[ -d "$root/../shared/data" ] && export LEMMSE_DATA="${LEMMSE_DATA:-$root/../shared/data}"
export PATH="$root/.build/release:$PATH"

# The commands: ```sh blocks, comments dropped, continuation lines joined.
commands=$(awk '/^```sh/{f=1;next} /^```/{f=0} f' "$root/README.md" | sed 's/[[:space:]]#.*$//' |
  awk '{ if (sub(/\\[[:space:]]*$/, "")) { buffer = buffer $0 } else { print buffer $0; buffer = "" } }' | sed '/^[[:space:]]*$/d')

cd "$scratch"
count=0
while IFS= read -r command; do
  command=${command/swift run -c release lemmse/lemmse}
  case "$command" in
    "swift test"*) continue ;;
    "swift build"*) continue ;;                             # the binaries are built already
    "lemmse experiment --config"*) command="$command --dry-run" ;;
    "lemmse compare"*)                                      # the demo's test files stand in for "your" network
      run=$(ls -d lemmse-demo/runs/*/ | head -1)
      cp "$run/network.npy" net.npy; cp "$run/measurements.npy" y.npy; cp "$run/truth.npy" x.npy ;;
  esac
  echo "== $command"
  start=$(date +%s)
  bash -c "$command" > output.log 2>&1 || { cat output.log; echo "README command failed: $command"; exit 1; }
  tail -n 3 output.log
  echo "   ($(( $(date +%s) - start )) s)"
  count=$((count + 1))
done <<< "$commands"
echo "== all $count README commands ran"
