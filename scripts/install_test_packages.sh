#!/usr/bin/env bash
# Installs the Debian packages the tests use, if they are missing:
#   chromium, fonts-noto-cjk   browser tests (Playwright drives this browser; never
#                              `playwright install`, which downloads its own)
#   nginx-light, openssl       the dashboard behind real nginx over HTTPS (tests/test_nginx.py)
#   iproute2, curl             the offline install inside a network namespace (tests/test_bundle.py)
#   libreoffice-writer-nogui   the report's PDF, converted by headless LibreOffice (tests/test_report_pdf.py)
#   poppler-utils              pdftotext, pdffonts, pdfinfo reading that PDF back (tests/test_report_pdf.py)
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
fc-list 2>/dev/null | grep -qi "noto.*cjk" || missing+=(fonts-noto-cjk)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v soffice >/dev/null 2>&1 || missing+=(libreoffice-writer-nogui)
command -v pdffonts >/dev/null 2>&1 || missing+=(poppler-utils)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != "0" ]; then
  echo "Missing for the tests: ${missing[*]}; run 'sudo apt-get install -y ${missing[*]}'" >&2
  exit 1
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
