#!/usr/bin/env bash
# Installs Debian's Chromium and CJK fonts for the browser tests, if they are missing.
# Playwright drives this browser (never `playwright install`, which downloads its own).
set -euo pipefail
if [ -x /usr/bin/chromium ] && fc-list 2>/dev/null | grep -qi "noto.*cjk"; then
  exit 0
fi
if [ "$(id -u)" != "0" ]; then
  echo "Chromium is missing: run 'sudo apt-get install -y chromium fonts-noto-cjk'" >&2
  exit 1
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
