#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs one libFuzzer target for the fuzz test suite (tests/fuzz/meson.build).
#
#   run-fuzz.sh run TARGET SEEDS DICT SECONDS WORKDIR
#     Fuzzes for SECONDS from the seed corpus SEEDS (DICT: a dictionary, or
#     ''), with a fresh corpus and crash artifacts under WORKDIR. Fails on
#     any crash, sanitizer report, leak, timeout (10 s per input) or memory
#     use above 2 GB, and prints the executions it ran.
#   run-fuzz.sh replay TARGET CRASHDIR PENDING
#     Runs every input in CRASHDIR once: each must now run clean. Inputs
#     named in the file PENDING (one TARGET/FILE per line) crash in code
#     whose fix is not merged yet: they are listed, not run.
set -u
mode=$1
target=$2
name=$(basename "$target")
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"

case "$mode" in
run)
  seeds=$3 dict=$4 seconds=$5 work=$6
  rm -rf "$work/corpus"
  mkdir -p "$work/corpus" "$work/artifacts"
  set -- -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
         -artifact_prefix="$work/artifacts/"
  [ -n "$dict" ] && set -- "$@" -dict="$dict"
  "$target" "$@" "$work/corpus" "$seeds" >"$work/log" 2>&1
  status=$?
  # the stats, the last progress line and any report, for the test log
  grep -E '^stat::|^==[0-9]+==|ERROR|SUMMARY|^artifact_prefix|Test unit written|runtime error' \
    "$work/log" | head -n 60
  grep -E '^#[0-9]+' "$work/log" | tail -n 1
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log")
  echo "$name: ${execs:-?} executions in $seconds s, corpus $(ls "$work/corpus" | wc -l) inputs" \
       "(+ $(ls "$seeds" | wc -l) seeds), exit status $status"
  if [ "$status" -ne 0 ]; then
    echo "$name: the crashing input is in $work/artifacts/; full log: $work/log"
    tail -n 80 "$work/log"
  fi
  exit "$status"
  ;;
replay)
  dir=$3 pending=$4
  tname=$(basename "$dir")
  set --
  for f in "$dir"/*; do
    [ -f "$f" ] || continue
    base=$(basename "$f")
    if [ -f "$pending" ] && grep -qx "$tname/$base" "$pending"; then
      echo "not run, its fix is pending: $tname/$base"
      continue
    fi
    set -- "$@" "$f"
  done
  if [ $# -eq 0 ]; then
    echo "$name: no crash inputs to replay"
    exit 0
  fi
  "$target" -timeout=10 -rss_limit_mb=2048 "$@"
  status=$?
  echo "$name: replayed $# crash inputs, exit status $status"
  exit "$status"
  ;;
*)
  echo "usage: $0 run|replay ..." >&2
  exit 2
  ;;
esac
