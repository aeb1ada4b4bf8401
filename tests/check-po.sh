#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# check-po.sh SOURCE_ROOT BUILD_ROOT: every translation in po/LINGUAS is
# complete and valid. For each po/CODE.po:
#  1. msgfmt --check --statistics: no error, no untranslated and no fuzzy
#     message;
#  2. coverage: the catalogue is extracted afresh from the sources listed in
#     po/POTFILES.in (and the lessons' texts, build/po/lesson-strings.c) with
#     the arguments meson's gettext uses, and every message in it must have a
#     translation in CODE.po (a string marked but not translated fails here,
#     naming it).
# Needs: gettext (Debian package).
set -euo pipefail

src=${1:?usage: check-po.sh SOURCE_ROOT BUILD_ROOT}
build=${2:?usage: check-po.sh SOURCE_ROOT BUILD_ROOT}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ds-po.XXXXXXXX")
trap 'rm -rf "$tmp"' EXIT
status=0

xgettext --package-name=deepscope -f "$src/po/POTFILES.in" -D "$src" -D "$build" -k_ \
  --from-code=UTF-8 --add-comments --keyword=_ --keyword=N_ --keyword=C_:1c,2 \
  --keyword=NC_:1c,2 --keyword=g_dcgettext:2 --keyword=g_dngettext:2,3 \
  --keyword=g_dpgettext2:2c,3 --flag=N_:1:pass-c-format --flag=C_:2:pass-c-format \
  --flag=NC_:2:pass-c-format --flag=g_dngettext:2:pass-c-format \
  --flag=g_strdup_printf:1:c-format --flag=g_string_printf:2:c-format \
  --flag=g_string_append_printf:2:c-format --flag=g_error_new:3:c-format \
  --flag=g_set_error:4:c-format -o "$tmp/deepscope.pot"

for code in $(grep -v '^#' "$src/po/LINGUAS"); do
  po="$src/po/$code.po"
  stats=$(msgfmt --check --statistics -o /dev/null "$po" 2>&1) || { echo "$stats"; status=1; continue; }
  echo "$code: $stats"
  if grep -Eq 'untranslated|fuzzy' <<<"$stats"; then
    echo "$code.po is incomplete: $stats" >&2
    status=1
  fi
  # Messages of the sources that CODE.po lacks or leaves untranslated.
  msgmerge --quiet --no-fuzzy-matching -o "$tmp/$code.po" "$po" "$tmp/deepscope.pot"
  missing=$(msgattrib --untranslated --no-obsolete --no-wrap "$tmp/$code.po" | grep -c '^msgid ' || true)
  # msgattrib prints the header entry too when anything is listed.
  if [[ $missing -gt 1 ]]; then
    echo "$code.po lacks $((missing - 1)) message(s) of the sources (run ninja deepscope-update-po and translate):" >&2
    msgattrib --untranslated --no-obsolete --no-wrap --no-location "$tmp/$code.po" \
      | grep '^msgid ' | grep -v '^msgid ""$' | head -20 >&2
    status=1
  fi
done
exit $status
