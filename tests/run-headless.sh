#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# run-headless.sh CMD [ARGS...]: runs a GUI test under its own private Xvfb.
#
# Each GUI test gets its own X server, since tests that inject pointer input
# must never share one. Xvfb picks a free display itself (-displayfd), so
# tests run in parallel safely. The environment is what GTK 4.8 needs
# headless: GDK_BACKEND=x11, GTK_A11Y=none (otherwise a warning about the
# session bus is fatal in g_test programs), GSETTINGS_BACKEND=memory, a
# private XDG_RUNTIME_DIR.
#
# A missing Xvfb is a failure, not a skip: a skipped UI test proves nothing.
# Exit status: CMD's, or 1 when no X server could be started.
# Needs: xvfb (Debian package).
set -euo pipefail

if [[ $# -lt 1 ]]; then
  echo "usage: ${0##*/} CMD [ARGS...]" >&2
  exit 2
fi
if ! command -v Xvfb >/dev/null; then
  echo "run-headless.sh: Xvfb not found; install the xvfb package to run the UI tests" >&2
  exit 1
fi

tmpdir=$(mktemp -d "${TMPDIR:-/tmp}/ds-headless.XXXXXXXX")
xvfb_pid=""
cmd_pid=""

# shellcheck disable=SC2317  # invoked via trap
cleanup() {
  local rc=$?
  trap - EXIT INT TERM HUP
  if [[ -n "$cmd_pid" ]] && kill -0 "$cmd_pid" 2>/dev/null; then
    kill -TERM "$cmd_pid" 2>/dev/null || true
    wait "$cmd_pid" 2>/dev/null || true
  fi
  if [[ -n "$xvfb_pid" ]] && kill -0 "$xvfb_pid" 2>/dev/null; then
    kill -TERM "$xvfb_pid" 2>/dev/null || true
    for ((i = 0; i < 300; i++)); do
      kill -0 "$xvfb_pid" 2>/dev/null || break
      sleep 0.01
    done
    kill -KILL "$xvfb_pid" 2>/dev/null || true
    wait "$xvfb_pid" 2>/dev/null || true
  fi
  rm -rf "$tmpdir"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

mkfifo "$tmpdir/displayfd"
Xvfb -displayfd 3 -screen 0 "${DS_HEADLESS_SCREEN:-1280x800x24}" -nolisten tcp -noreset \
  3>"$tmpdir/displayfd" </dev/null >"$tmpdir/xvfb.log" 2>&1 &
xvfb_pid=$!
display=""
read -r -t 30 display <"$tmpdir/displayfd" || true
if [[ -z "$display" ]] || ! kill -0 "$xvfb_pid" 2>/dev/null; then
  echo "run-headless.sh: Xvfb failed to start:" >&2
  grep -F '(EE)' "$tmpdir/xvfb.log" >&2 || tail -n 20 "$tmpdir/xvfb.log" >&2 || true
  exit 1
fi

export DISPLAY=":$display"
export GDK_BACKEND=x11
unset WAYLAND_DISPLAY
export GTK_A11Y="${GTK_A11Y:-none}"
export GSK_RENDERER="${GSK_RENDERER:-cairo}"
export NO_AT_BRIDGE=1
export GSETTINGS_BACKEND="${GSETTINGS_BACKEND:-memory}"
mkdir -m 700 "$tmpdir/runtime"
export XDG_RUNTIME_DIR="$tmpdir/runtime"
# Autosave copies and recent files of a test run stay in the throw-away dir.
mkdir -p "$tmpdir/cache" "$tmpdir/config" "$tmpdir/data"
export XDG_CACHE_HOME="$tmpdir/cache"
export XDG_CONFIG_HOME="$tmpdir/config"
export XDG_DATA_HOME="$tmpdir/data"

"$@" <&0 &
cmd_pid=$!
rc=0
wait "$cmd_pid" || rc=$?
cmd_pid=""
exit "$rc"
