#!/usr/bin/env bash
# Install the system packages clinicvalue needs, when missing. Works with macOS's bash 3.2.
#   scripts/system-deps.sh        what reports need: a CJK font (Noto Sans CJK, so Traditional
#                                 and Simplified Chinese render as glyphs), Pango + HarfBuzz
#                                 for WeasyPrint, poppler-utils to look at PDFs
#   scripts/system-deps.sh test   also what the tests start: PostgreSQL, a Java runtime (Spark),
#                                 Chromium (the HTML report is opened in a real browser)
# The Debian package lists below are the ones the Dockerfile installs (a test checks).
set -euo pipefail

REPORT_PACKAGES="fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 poppler-utils"
TEST_PACKAGES="postgresql default-jre-headless chromium"

if [ "$(uname -s)" = "Darwin" ]; then
  # macOS: PingFang (Traditional and Simplified) ships with the system; WeasyPrint needs Pango
  missing=""
  command -v pdftoppm >/dev/null 2>&1 || missing="$missing poppler"
  pkg-config --exists pango 2>/dev/null || missing="$missing pango"
  if [ "${1:-}" = "test" ]; then
    command -v pg_ctl >/dev/null 2>&1 || missing="$missing postgresql"
    command -v java >/dev/null 2>&1 || missing="$missing openjdk"
    [ -x "/Applications/Chromium.app/Contents/MacOS/Chromium" ] || command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
  fi
  if [ -n "$missing" ]; then
    echo "clinicvalue needs:$missing" >&2
    echo "install them with Homebrew: brew install$missing" >&2
    exit 1
  fi
  exit 0
fi

need=""
add() { case " $need " in *" $1 "*) ;; *) need="$need $1" ;; esac; }
fc-list :lang=zh-tw family 2>/dev/null | grep -qiE "CJK|JhengHei|PingFang|Heiti" || add fonts-noto-cjk
fc-list :lang=zh-cn family 2>/dev/null | grep -qiE "CJK|YaHei|PingFang|Heiti" || add fonts-noto-cjk
command -v pdftoppm >/dev/null 2>&1 || add poppler-utils
if ! ldconfig -p 2>/dev/null | grep -q libpango-1.0; then add libpango-1.0-0; add libpangoft2-1.0-0; fi
ldconfig -p 2>/dev/null | grep -q libharfbuzz-subset || add libharfbuzz-subset0
if [ "${1:-}" = "test" ]; then
  ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || add postgresql
  command -v java >/dev/null 2>&1 || add default-jre-headless
  command -v chromium >/dev/null 2>&1 || add chromium
fi
need="${need# }"
if [ -z "$need" ]; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing system packages: $need"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  # shellcheck disable=SC2086  # one word per package
  apt-get install -y -qq --no-install-recommends $need >/dev/null
  fc-cache -f >/dev/null 2>&1 || true
else
  echo "clinicvalue needs these system packages: $need" >&2
  echo "install them with: sudo apt-get install $need" >&2
  exit 1
fi
