#!/usr/bin/env bash
# Installs the Debian packages the tests use, if they are missing:
#   chromium, fonts-noto-cjk   browser tests (Playwright drives this browser; never
#                              `playwright install`, which downloads its own)
#   nginx-light, openssl       the dashboard behind real nginx over HTTPS (tests/test_nginx.py)
#   iproute2, curl             the offline install inside a network namespace (tests/test_bundle.py)
#   libreoffice-writer-nogui   the report's PDF, converted by headless LibreOffice (tests/test_report_pdf.py)
#   poppler-utils              pdftotext, pdffonts, pdfinfo reading that PDF back (tests/test_report_pdf.py)
#   postgresql,                a real PostgreSQL + PostGIS for the PostGIS store's tests, started by
#   postgresql-15-postgis-3    tests/pg.py on loopback (its own throwaway cluster, port and socket)
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
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
compgen -G "/usr/share/postgresql/*/extension/postgis.control" >/dev/null \
  || missing+=(postgresql-15-postgis-3)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != "0" ]; then
  echo "Missing for the tests: ${missing[*]}; run 'sudo apt-get install -y ${missing[*]}'" >&2
  exit 1
fi
# The tests start their own cluster (tests/pg.py), so Debian's "main" cluster, which the
# postgresql packages would create and start on port 5432, is not wanted: say so for the length of
# this install only (postgresql-common reads createcluster.d; an existing cluster is left alone).
no_main=/etc/postgresql-common/createcluster.d/zz-tongxin-tests-no-main-cluster.conf
if [[ " ${missing[*]} " == *" postgresql"* ]] && [ ! -e "$no_main" ]; then
  mkdir -p "$(dirname "$no_main")"
  echo "create_main_cluster = off" > "$no_main"
  trap 'rm -f "$no_main"' EXIT
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
