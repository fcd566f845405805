#!/usr/bin/env bash
# Runs every fuzz target (or the ones named) for SECONDS each, one after another, in one
# libFuzzer process each, and prints a table of seconds, executions and findings.
#
#   fuzz/run-all.sh [SECONDS] [TARGET...]          # default 60 s, every target
#
# Needs cargo-fuzz (`cargo install cargo-fuzz --locked`) and a nightly toolchain: targets are
# built by `cargo +nightly fuzz run -O` with AddressSanitizer; fuzz/Cargo.toml's release
# profile keeps debug assertions and overflow checks on for hushwire and the targets (and off
# for the curve arithmetic of the dependencies, for speed). Without nightly,
# `TOOLCHAIN=stable SANITIZER=none fuzz/run-all.sh` fuzzes with no sanitizer
# (`cargo fuzz run -s none`), which still finds panics and broken invariants.
#
# The committed seeds in fuzz/corpus/<target>/ are read, never written: what the fuzzer
# learns goes to fuzz/target/grown-corpus/<target>/ (ignored by git, kept between runs),
# crashes to fuzz/artifacts/<target>/, logs to fuzz/target/logs/<target>.log.
set -uo pipefail
cd "$(dirname "$0")"

seconds=${1:-60}
shift || true
toolchain=${TOOLCHAIN:-nightly}
sanitizer=${SANITIZER:-address}

if [ "$#" -gt 0 ]; then
  targets=("$@")
else
  mapfile -t targets < <(cargo "+${toolchain}" fuzz list)
fi

cargo "+${toolchain}" fuzz build -O -s "${sanitizer}" || exit 1

mkdir -p target/logs
status=0
summary=()
for target in "${targets[@]}"; do
  grown="target/grown-corpus/${target}"
  mkdir -p "${grown}" "corpus/${target}"
  log="target/logs/${target}.log"
  echo "== ${target}: ${seconds} s"
  start=$(date +%s)
  if cargo "+${toolchain}" fuzz run -O -s "${sanitizer}" "${target}" "${grown}" "corpus/${target}" -- \
    -max_total_time="${seconds}" -max_len=4096 -timeout=10 -print_final_stats=1 \
    >"${log}" 2>&1; then
    finding="none"
  else
    finding="FAILED, see ${log} and artifacts/${target}/"
    status=1
  fi
  elapsed=$(($(date +%s) - start))
  fuzzed=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "${log}" | tail -n 1)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "${log}" | tail -n 1)
  units=$(find "${grown}" -type f | wc -l)
  summary+=("$(printf '| %-22s | %8s | %6s | %12s | %6s | %s |' "${target}" "${fuzzed:-?}" "${elapsed}" "${execs:-?}" "${units}" "${finding}")")
  tail -n 3 "${log}"
done

echo
echo "| target                 | fuzzed s | wall s |   executions | corpus | findings |"
echo "| ---------------------- | -------- | ------ | ------------ | ------ | -------- |"
printf '%s\n' "${summary[@]}"
exit "${status}"
