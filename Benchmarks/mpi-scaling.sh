#!/usr/bin/env bash
# Strong scaling of `lemmse estimate` over MPI ranks (release, --traits MPI), measured in one run:
#  1. FashionMNIST, N = 10,000, P = 5, σ = 0.2, nine test images (gcd(2, 9) = 1: the ranks split
#     the training set): one rank × one thread against
#     `mpirun -np 2` × one thread each (wall clock of the whole command, and the estimate's own
#     seconds from OUT.json), and whether the two outputs are bit-identical;
#  2. the per-pair cost of the box kernel on FFHQ-64 (3 × 64 × 64, N = 512, one thread), and
#     from it a model of N = 10,000 FFHQ-64 over 1 … 64 ranks: each rank's pieces of 16 images,
#     plus the merge — rank 0 receives from every other rank its tree nodes, per test image
#     H·W·(C + 4) doubles per node (maxima, Σw, Σw², Σw·x per channel, skipped counts) — over an
#     assumed link of LINK_GBPS (default 1.25 GB/s, 10 GbE).
# Run on a quiet machine: bash Benchmarks/mpi-scaling.sh   (from the repository root)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
[ -d "$root/../shared/data" ] && export LEMMSE_DATA="${LEMMSE_DATA:-$root/../shared/data}"
link=${LINK_GBPS:-1.25}
swift build -c release --traits MPI --scratch-path .build-mpi --product lemmse 2>&1 | tail -1
lemmse="$root/.build-mpi/release/lemmse"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cd "$scratch"
seconds_of() { sed -n 's/.*"seconds" : \([0-9.e+-]*\).*/\1/p' "$1" | head -1; }
calc() { awk "BEGIN { print $* }"; }
pairs_of() { sed -n 's/.*"candidatePairs" : \([0-9]*\).*/\1/p' "$1" | head -1; }

"$lemmse" measure --images fashion-mnist --split test --count 9 --operator denoising --sigma 0.2 --output y.npy 2>/dev/null
args=(estimate --train fashion-mnist --count 10000 --measurements y.npy --operator denoising --sigma 0.2 --patch 5 --threads 1)
start=$(date +%s.%N); "$lemmse" "${args[@]}" --output one.npy 2>/dev/null; one=$(calc "$(date +%s.%N) - $start")
start=$(date +%s.%N); mpirun -np 2 "$lemmse" "${args[@]}" --output two.npy 2>/dev/null; two=$(calc "$(date +%s.%N) - $start")
identical=$(cmp -s one.npy two.npy && echo "bit-identical" || echo "DIFFERENT")
echo "FashionMNIST N=10000 P=5, nine test images (training split over the ranks), one thread per rank"
printf "  1 rank : %6.2f s wall (estimate %6.2f s)\n" "$one" "$(seconds_of one.json)"
printf "  2 ranks: %6.2f s wall (estimate %6.2f s)  speed-up %.2fx wall, %.2fx estimate; %s\n" "$two" "$(seconds_of two.json)" \
  "$(calc "$one / $two")" "$(calc "$(seconds_of one.json) / $(seconds_of two.json)")" "$identical"

"$lemmse" measure --images ffhq --split test --count 1 --operator denoising --sigma 0.2 --output yf.npy 2>/dev/null
"$lemmse" estimate --train ffhq --count 512 --measurements yf.npy --operator denoising --sigma 0.2 --patch 5 --threads 1 --output f.npy 2>/dev/null
pair=$(calc "$(seconds_of f.json) / $(pairs_of f.json)")
printf "FFHQ-64 (3x64x64) N=512, one thread: %.2f s for %s pairs: %.3g ns per pair\n" "$(seconds_of f.json)" "$(pairs_of f.json)" "$(calc "$pair * 1e9")"
echo "Model: FFHQ-64, N = 10,000 (625 pieces), one test image per P and σ, one thread per rank, link $link GB/s"
echo "  ranks  pieces/rank  compute s  merge MB  merge s  total s  speed-up  efficiency"
awk -v pair="$pair" -v link="$link" 'BEGIN {
  pieces = 625; pixels = 4096; channels = 3; pairsPerPiece = 16 * pixels * pixels
  base = pieces * pairsPerPiece * pair
  for (k = 1; k <= 64; k *= 2) {
    own = int((pieces + k - 1) / k)
    compute = own * pairsPerPiece * pair
    # Nodes per shard: at most 2 log2(own) + 1 (the canonical cover of a run in the tree).
    nodes = 1; for (n = own; n > 1; n /= 2) nodes += 2
    bytes = (k - 1) * nodes * pixels * (channels + 4) * 8
    merge = bytes / (link * 1e9)
    total = compute + merge
    printf "  %5d  %11d  %9.2f  %8.1f  %7.3f  %7.2f  %8.1fx  %9.0f%%\n", k, own, compute, bytes / 1e6, merge, total, base / total, 100 * base / total / k
  }
}'
