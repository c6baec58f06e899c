#!/usr/bin/env bash
# Runs two builds of the planner benchmark in turn, N rounds, on the same inputs, and prints each
# run's plan total: this machine's speed drifts by a third from minute to minute, so only runs
# taken in turn compare two builds fairly (docs/BENCHMARKS.md).
#
#   scripts/bench-compare.sh OLD_BINARY NEW_BINARY [ROUNDS] [INPUT_DIR]
#
# Binaries are `Benchmarks` executables (`swift build -c release --product Benchmarks`, then copy
# `.build/release/Benchmarks` aside); INPUT_DIR is a `--keep` directory (generated on first use).
set -euo pipefail
old=${1:?usage: bench-compare.sh OLD_BINARY NEW_BINARY [ROUNDS] [INPUT_DIR]}
new=${2:?usage: bench-compare.sh OLD_BINARY NEW_BINARY [ROUNDS] [INPUT_DIR]}
rounds=${3:-5}
inputs=${4:-/tmp/planner-bench-inputs}
run() {
    BENCH_PLAN_ONLY=1 "$1" planner --keep "$inputs" | awk '/plan total/ { print $3, $6 }'
}
echo "round  old wall/CPU (s)    new wall/CPU (s)"
for round in $(seq 1 "$rounds"); do
    read -r old_wall old_cpu < <(run "$old")
    read -r new_wall new_cpu < <(run "$new")
    printf '%5d  %7s / %-8s  %7s / %-8s\n' "$round" "$old_wall" "${old_cpu%;}" "$new_wall" "${new_cpu%;}"
done
