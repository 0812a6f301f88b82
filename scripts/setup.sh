#!/usr/bin/env bash
# Set up ustglass on a fresh Debian/Ubuntu machine with Python >= 3.11:
# the system libraries WeasyPrint needs, the CJK font the brief is set in, and a
# virtual environment (.venv) with ustglass installed. Safe to run again.
#   scripts/setup.sh          ustglass itself
#   scripts/setup.sh --test   ustglass and its test extras
# Python packages are installed at exactly the versions of constraints.txt (the tested set).
set -euo pipefail
cd "$(dirname "$0")/.."

extras=""
[ "${1:-}" = "--test" ] && extras="[test]"

# fonts-noto-cjk: Noto Sans CJK SC, the brief's Chinese typeface (charts, HTML, PDF);
# fonts-noto-core: Noto Sans, its Latin typeface (HTML, PDF), found through fontconfig;
# libharfbuzz-subset0: fast font subsetting (WeasyPrint, the HTML's embedded fonts);
# libpango*: WeasyPrint's text layout.
packages="fonts-noto-cjk fonts-noto-core libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig"
python3 -c "import ensurepip, venv" 2>/dev/null || packages="$packages python3-venv"
# chromium: the tests open the HTML pages in a headless browser at phone and desktop widths.
[ -n "$extras" ] && packages="$packages chromium"

missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing system packages:$missing"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
constraints=""
[ -f constraints.txt ] && constraints="-c constraints.txt"
.venv/bin/python -m pip install -q --disable-pip-version-check $constraints -e ".${extras}"
echo "setup: ready (.venv/bin/ustglass)"
