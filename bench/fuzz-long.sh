#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Longer fuzzing runs, by hand: every target of tests/fuzz one after the
# other (one at a time: each uses a core), SECONDS each (default 300), with
# a corpus that grows from run to run in a scratch folder.
#
#   bench/fuzz-long.sh [SECONDS] [TARGET...]
#
# TARGET is a name such as model-json or csv (default: all). The build dir
# is build-fuzz (set up with clang if missing), the scratch folder
# $DEEPSCOPE_FUZZ_DIR or ~/.cache/deepscope-fuzz: TARGET/corpus (kept),
# TARGET/crashes (what libFuzzer found), TARGET/log (the last run). A
# crash stops that target's run; the script goes on with the next one and
# prints, per target, the executions, their rate, the corpus size and the
# crash files. Save a crash that is not known yet under
# tests/fuzz/crashes/TARGET/ with a name that says what it is.
set -u
cd "$(dirname "$0")/.."
seconds=${1:-300}
[ $# -gt 0 ] && shift
targets=${*:-model-json model-graph idx idx-gz csv json-table png data-spec}
scratch=${DEEPSCOPE_FUZZ_DIR:-$HOME/.cache/deepscope-fuzz}

if [ ! -f build-fuzz/build.ninja ]; then
  CC=clang meson setup build-fuzz -Dgui=false -Dfuzzing=true || exit 1
fi
ninja -C build-fuzz fuzz || exit 1

summary=""
for t in $targets; do
  exe=build-fuzz/tests/fuzz/fuzz-$t
  [ -x "$exe" ] || { echo "no target $t" >&2; exit 2; }
  dict=""
  for d in tests/fuzz/$t.dict; do [ -f "$d" ] && dict="-dict=$d"; done
  mkdir -p "$scratch/$t/corpus" "$scratch/$t/crashes"
  before=$(ls "$scratch/$t/crashes" | wc -l)
  echo "== $t: $seconds s, corpus $scratch/$t/corpus"
  # shellcheck disable=SC2086
  "$exe" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$scratch/$t/crashes/" $dict "$scratch/$t/corpus" "tests/fuzz/corpus/$t" \
    >"$scratch/$t/log" 2>&1
  status=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$scratch/$t/log")
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$scratch/$t/log")
  corpus=$(ls "$scratch/$t/corpus" | wc -l)
  crashes=$(( $(ls "$scratch/$t/crashes" | wc -l) - before ))
  line=$(printf '%-12s %10s executions %7s/s  corpus %5s  new crash files %s  (exit %s)' \
         "$t" "${execs:-?}" "${rate:-?}" "$corpus" "$crashes" "$status")
  echo "$line"
  [ "$status" -ne 0 ] && grep -E 'SUMMARY|ERROR:|runtime error' "$scratch/$t/log" | head -n 3
  summary="$summary$line
"
done
echo
echo "== $seconds s per target"
printf '%s' "$summary"
