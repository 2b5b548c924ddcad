#!/usr/bin/env bash
# The MPI build and its promise (README "Beyond one machine"): `mpirun -np K lemmse estimate`
# writes the bytes of one process, for every estimator kind, both paddings, a patch sweep,
# test images split across ranks (M = 6 over 2 or 3 ranks) and the training set split
# (M = 1, or M = 4 over 3 ranks); `mpirun -np K lemmse train` trains one process's network
# (same --shares) for PatchMLP, BatchNorm ResNet and GroupNorm U-Net; `lemmse experiment`
# shares its networks over ranks with one process's files; a failing rank ends every rank
# with one line and no output; and the README's MPI commands run as written.
# Installs Open MPI (Debian's libopenmpi-dev, openmpi-bin) when it is missing.
# Usage: bash scripts/mpi-tests.sh   (from anywhere; builds .build-mpi/release/lemmse)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
if ! command -v mpirun >/dev/null || ! pkg-config --exists ompi-c; then
  echo "installing Open MPI (libopenmpi-dev openmpi-bin)"
  apt-get update -qq && apt-get install -y -qq libopenmpi-dev openmpi-bin >/dev/null
fi
[ -d "$root/../shared/data" ] && export LEMMSE_DATA="${LEMMSE_DATA:-$root/../shared/data}"
# Root in CI containers; ranks beyond the cores on a 2-core machine.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpi="mpirun --oversubscribe"

echo "== swift build -c release --traits MPI"
swift build -c release --traits MPI --scratch-path .build-mpi --product lemmse 2>&1 | tail -1
lemmse="$root/.build-mpi/release/lemmse"

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cd "$scratch"
"$lemmse" measure --images fashion-mnist --split test --count 6 --operator denoising --sigma 0.2 --output y6.npy 2>/dev/null
"$lemmse" measure --images fashion-mnist --split test --count 4 --offset 6 --operator denoising --sigma 0.2 --output y4.npy 2>/dev/null
"$lemmse" measure --images fashion-mnist --split test --count 1 --offset 10 --operator inpainting --mask center:10 --sigma 0.1 --output yi.npy 2>/dev/null

failures=0
check() {  # check NAME RANKS Y ARGS…: mpirun -np RANKS (one thread each) against one process (two threads)
  local name=$1 ranks=$2 y=$3; shift 3
  local args=(estimate --train fashion-mnist --count 70 --measurements "$y" "$@")
  "$lemmse" "${args[@]}" --threads 2 --output "one_$name.npy" 2>/dev/null
  if ! $mpi -np "$ranks" "$lemmse" "${args[@]}" --threads 1 --output "mpi_$name.npy" 2>"log_$name"; then
    echo "FAIL $name -np $ranks: $(head -1 "log_$name")"; failures=$((failures + 1)); return
  fi
  if cmp -s "one_$name.npy" "mpi_$name.npy"; then echo "ok   $name -np $ranks: bit-identical"
  else echo "FAIL $name -np $ranks: differs from one process"; failures=$((failures + 1)); fi
}
for ranks in 2 3; do
  for y in y6 y4; do
    check "box_${y}_$ranks" $ranks $y.npy --operator denoising --sigma 0.2 --patch 5
    check "sweep_${y}_$ranks" $ranks $y.npy --operator denoising --sigma 0.2 --patch 3,5,7
    check "dense_${y}_$ranks" $ranks $y.npy --operator denoising --sigma 0.2 --patch 5 --padding zeros
    check "local_${y}_$ranks" $ranks $y.npy --operator denoising --sigma 0.2 --patch 5 --estimator l-mmse
    check "local_zeros_${y}_$ranks" $ranks $y.npy --operator denoising --sigma 0.2 --patch 3 --estimator l-mmse --padding zeros
    check "mmse_${y}_$ranks" $ranks $y.npy --operator denoising --sigma 0.2 --estimator mmse --padding zeros
    check "emmse_${y}_$ranks" $ranks $y.npy --operator denoising --sigma 0.2 --estimator e-mmse
  done
  check "inpainting_$ranks" $ranks yi.npy --operator inpainting --mask center:10 --sigma 0.1 --input adjoint --patch 5
done

# A failing rank: rank 1 of two reads a missing file (Open MPI's MPMD syntax `A : B`).
common=(estimate --train fashion-mnist --count 70 --operator denoising --sigma 0.2 --patch 5 --output failed.npy)
if $mpi -np 1 "$lemmse" "${common[@]}" --measurements y4.npy : -np 1 "$lemmse" "${common[@]}" --measurements missing.npy 2>log_failed; then
  echo "FAIL a failing rank: mpirun succeeded"; failures=$((failures + 1))
elif [ "$(grep -c '^lemmse:' log_failed)" = 1 ] && grep -q '^lemmse: rank 1: .*missing.npy' log_failed && [ ! -e failed.npy ] && [ ! -e failed.json ]; then
  echo "ok   a failing rank: one line ($(grep '^lemmse:' log_failed)), nothing written"
else
  echo "FAIL a failing rank:"; cat log_failed; failures=$((failures + 1))
fi
# A rank with other settings is refused by the combination, nothing written.
if $mpi -np 1 "$lemmse" "${common[@]}" --measurements y4.npy : -np 1 "$lemmse" "${common[@]}" --measurements y4.npy --sigma 0.3 2>log_foreign \
   || [ -e failed.npy ] || [ "$(grep -c '^lemmse: rank 1:' log_foreign)" != 1 ]; then
  echo "FAIL a rank with other settings:"; cat log_foreign; failures=$((failures + 1))
else
  echo "ok   a rank with other settings: $(grep '^lemmse:' log_foreign)"
fi
# Commands that do not split their work are refused under mpirun with one line.
if $mpi -np 2 "$lemmse" measure --images fashion-mnist --count 1 --operator denoising --sigma 0.2 --output m.npy 2>log_refused \
   || [ -e m.npy ] || [ "$(grep -c '^lemmse:' log_refused)" != 1 ]; then
  echo "FAIL lemmse measure under mpirun:"; cat log_refused; failures=$((failures + 1))
else
  echo "ok   lemmse measure under mpirun: $(grep '^lemmse:' log_refused)"
fi

# Data-parallel training: mpirun -np K trains the network of one process with the same --shares
# (every rank takes its shares of every batch); the checkpoints are compared through their
# outputs on the same measurements (every weight and BatchNorm statistic enters them).
train_check() {  # train_check NAME RANKS SHARES ARGS…
  local name=$1 ranks=$2 shares=$3; shift 3
  local args=(train --data fashion-mnist --count 40 --operator denoising --epochs 2 --batch-size 8 --validation 0 "$@")
  "$lemmse" "${args[@]}" --shares "$shares" --checkpoint "one_$name.safetensors" 2>/dev/null
  local mpiShares=(--shares "$shares"); [ "$shares" = "$ranks" ] && mpiShares=()   # default: K shares
  if ! $mpi -np "$ranks" "$lemmse" "${args[@]}" "${mpiShares[@]}" --checkpoint "mpi_$name.safetensors" 2>"log_$name"; then
    echo "FAIL train $name -np $ranks: $(grep '^lemmse:' "log_$name" | head -1)"; failures=$((failures + 1)); return
  fi
  "$lemmse" apply --checkpoint "one_$name.safetensors" --measurements y4.npy --sigma 0.2 --output "one_$name.npy" 2>/dev/null
  "$lemmse" apply --checkpoint "mpi_$name.safetensors" --measurements y4.npy --sigma 0.2 --output "mpi_$name.npy" 2>/dev/null
  if cmp -s "one_$name.npy" "mpi_$name.npy"; then echo "ok   train $name -np $ranks (--shares $shares): the same network"
  else echo "FAIL train $name -np $ranks: the network differs from one process's"; failures=$((failures + 1)); fi
}
train_check patchmlp 2 2 --sigma 0.2 --model patchmlp --patch 5 --width 16 --depth 3 --residual-blocks
train_check resnet_bn 3 3 --sigma-range 0,1 --model resnet --patch 5 --width 8 --normalization batch
train_check unet_gn 2 4 --sigma 0.2 --model unet --patch 5 --width 8,8 --normalization group:4
train_check patchmlp_one 1 1 --sigma 0.2 --model patchmlp --patch 3 --width 8
# A failing rank ends training on every rank with one line, and no checkpoint is left.
trainArgs=(train --count 40 --operator denoising --sigma 0.2 --model patchmlp --patch 3 --width 8 --epochs 1 --validation 0 --checkpoint failed.safetensors)
if $mpi -np 1 "$lemmse" "${trainArgs[@]}" --data fashion-mnist : -np 1 "$lemmse" "${trainArgs[@]}" --data missing.npy 2>log_train_failed; then
  echo "FAIL a failing training rank: mpirun succeeded"; failures=$((failures + 1))
elif [ "$(grep -c '^lemmse:' log_train_failed)" = 1 ] && grep -q '^lemmse: rank 1: .*missing.npy' log_train_failed && [ ! -e failed.safetensors ]; then
  echo "ok   a failing training rank: one line ($(grep '^lemmse:' log_train_failed)), nothing written"
else
  echo "FAIL a failing training rank:"; cat log_train_failed; failures=$((failures + 1))
fi

# lemmse experiment: the ranks share the grid's networks; every setting's files are those of one process.
cat >grid.json <<'JSON'
{"datasets": ["fashion-mnist"], "operators": ["denoising", "inpainting_center_15"], "sigmas": [0.1, 0.3],
 "inputs": ["agnostic"], "models": [{"model": "patchmlp", "patch": 3, "widths": [8]}],
 "n_train": [40], "n_test": 2, "epochs": 1, "train_sigma_range": [0, 1], "calibration": [3, 5], "seed": 0}
JSON
"$lemmse" experiment --config grid.json --output grid-one >/dev/null 2>&1
if ! $mpi -np 2 "$lemmse" experiment --config grid.json --output grid-mpi >/dev/null 2>log_grid; then
  echo "FAIL experiment -np 2: $(grep '^lemmse:' log_grid | head -1)"; failures=$((failures + 1))
else
  same=1
  for file in $(cd grid-one && find runs -name '*.npy' | sort); do cmp -s "grid-one/$file" "grid-mpi/$file" || { same=0; echo "  differs: $file"; }; done
  [ "$(cd grid-one && find runs -name '*.npy' | wc -l)" -ge 8 ] && [ -s grid-mpi/results.json ] && [ -s grid-mpi/results.md ] || same=0
  if [ $same = 1 ]; then echo "ok   experiment -np 2: every setting's files equal one process's, tables written"
  else echo "FAIL experiment -np 2: files differ or are missing"; failures=$((failures + 1)); fi
fi

# The README's MPI commands, as written (```bash blocks of "Beyond one machine"; apt-get only when needed).
commands=$(awk '/^## Beyond one machine/{s=1} /^## /&&!/Beyond one machine/{s=0} s&&/^```bash/{f=1;next} /^```/{f=0} s&&f' "$root/README.md" |
  sed 's/[[:space:]]#.*$//' | awk '{ if (sub(/\\[[:space:]]*$/, "")) { b = b $0 } else { print b $0; b = "" } }' | sed '/^[[:space:]]*$/d')
mkdir readme && cd readme
ln -s "$root/.build-mpi" .build-mpi
while IFS= read -r command; do
  case "$command" in
    apt-get*) continue ;;                      # installed above when missing
    "swift build"*) continue ;;                # built above
  esac
  echo "\$ $command"
  if ! bash -c "$command" </dev/null >/dev/null 2>log; then echo "FAIL: $(tail -3 log)"; failures=$((failures + 1)); fi
done <<<"$commands"
[ -s lemmse.npy ] && cmp -s lemmse.npy lemmse-one.npy && echo "ok   README: mpirun and one process wrote the same bytes" \
  || { echo "FAIL README: lemmse.npy and lemmse-one.npy differ or are missing"; failures=$((failures + 1)); }

if [ "$failures" -gt 0 ]; then echo "$failures MPI check(s) failed"; exit 1; fi
echo "all MPI checks passed"
