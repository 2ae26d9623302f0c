#!/usr/bin/env bash
# Install the Debian packages clinicvalue needs, when missing.
#   scripts/system-deps.sh        what reports need: a CJK font (Noto Sans CJK, so Chinese
#                                 renders as glyphs), Pango + HarfBuzz for WeasyPrint,
#                                 poppler-utils to look at PDFs
#   scripts/system-deps.sh test   also what the tests start: PostgreSQL, a Java runtime (Spark)
set -euo pipefail
need=()
fc-list :lang=zh-tw family 2>/dev/null | grep -qiE "CJK|JhengHei|PingFang|Heiti" || need+=(fonts-noto-cjk)
fc-list :lang=zh-cn family 2>/dev/null | grep -qiE "CJK|YaHei|PingFang|Heiti" || need+=(fonts-noto-cjk)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
ldconfig -p 2>/dev/null | grep -q libpango-1.0 || need+=(libpango-1.0-0 libpangoft2-1.0-0)
ldconfig -p 2>/dev/null | grep -q libharfbuzz-subset || need+=(libharfbuzz-subset0)
if [ "${1:-}" = "test" ]; then
  ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || need+=(postgresql)
  command -v java >/dev/null 2>&1 || need+=(default-jre-headless)
fi
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
mapfile -t need < <(printf '%s\n' "${need[@]}" | sort -u)
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing system packages: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fc-cache -f >/dev/null 2>&1 || true
else
  echo "clinicvalue needs these system packages: ${need[*]}" >&2
  echo "install them with: sudo apt-get install ${need[*]}" >&2
  exit 1
fi
