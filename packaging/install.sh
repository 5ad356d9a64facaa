#!/usr/bin/env bash
# Installs, upgrades or rolls back Tongxin (同心) from this folder, with no network.
#
#   bash install.sh [--user NAME] [--python PATH] PREFIX     install, or upgrade an install
#   bash install.sh --rollback PREFIX                        go back to the previous version
#
# Layout under PREFIX (e.g. /opt/tongxin):
#   releases/<version>-<time>/   the code (app/) and its own Python environment (venv/)
#   current -> releases/...      the version that runs; previous -> the one before it
#   bin/tongxin                  `tongxin serve`, `tongxin layers ...`, `tongxin auth ...`
#   etc/tongxin.env              settings (kept across upgrades)
#   etc/tongxin.service          systemd: one dashboard process (port from tongxin.env)
#   etc/tongxin@.service         systemd: one process per instance (tongxin@8501, tongxin@8502
#                                ...), several behind nginx; used instead of tongxin.service
#   data/                        working data, accounts, audit log, backups: never touched here
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
VERSION=$(cat "$HERE/VERSION")
BUNDLE_ARCH=$(cat "$HERE/ARCH")
BUNDLE_PYTHON=$(cat "$HERE/PYTHON")      # 3.11 unless the bundle was built for another
SERVICE_USER=tongxin
PYTHON=${PYTHON:-python$BUNDLE_PYTHON}
NEED_MB=1500          # the environment (about 870 MB) and the code, with room to spare
MIN_GLIBC=2.28        # the oldest glibc the bundled wheels (manylinux_2_28) run on

say() { printf '%s\n' "$*"; }
fail() {
  # Chinese first, English second: the unit's IT may read either.
  printf '错误：%s\nError: %s\n' "$1" "$2" >&2
  exit 1
}
usage() {
  say "用法 Usage: bash install.sh [--user NAME] [--python PATH] PREFIX"
  say "            bash install.sh --rollback PREFIX"
  exit 2
}

ROLLBACK=0
PREFIX=""
while [ $# -gt 0 ]; do
  case "$1" in
    --rollback) ROLLBACK=1 ;;
    --user) [ $# -ge 2 ] || usage; SERVICE_USER=$2; shift ;;
    --python) [ $# -ge 2 ] || usage; PYTHON=$2; shift ;;
    -h|--help) usage ;;
    -*) usage ;;
    *) [ -z "$PREFIX" ] || usage; PREFIX=$1 ;;
  esac
  shift
done
[ -n "$PREFIX" ] || usage
case "$PREFIX" in /*) ;; *) PREFIX="$(pwd)/$PREFIX" ;; esac
PREFIX=${PREFIX%/}

# --- rollback ------------------------------------------------------------------------------
if [ "$ROLLBACK" = 1 ]; then
  [ -L "$PREFIX/previous" ] || fail "$PREFIX 下没有可回退的上一版本。" \
    "There is no previous version under $PREFIX to roll back to."
  current=$(readlink "$PREFIX/current")
  previous=$(readlink "$PREFIX/previous")
  ln -sfn "$previous" "$PREFIX/.current.new" && mv -T "$PREFIX/.current.new" "$PREFIX/current"
  ln -sfn "$current" "$PREFIX/.previous.new" && mv -T "$PREFIX/.previous.new" "$PREFIX/previous"
  say "已回退到 $(basename "$previous")（数据目录未改动）。Rolled back to $(basename "$previous"); data untouched."
  say "重启服务 Restart the service: systemctl restart tongxin   (多进程 several processes: systemctl restart 'tongxin@*')"
  exit 0
fi

# --- checks, before anything is changed ----------------------------------------------------
machine=$(uname -m)
[ "$machine" = arm64 ] && machine=aarch64
[ "$machine" = "$BUNDLE_ARCH" ] || fail \
  "本安装包适用于 $BUNDLE_ARCH，本机是 $machine。请使用 tongxin-$VERSION-linux-$machine.tar.gz。" \
  "This bundle is for $BUNDLE_ARCH; this machine is $machine. Use tongxin-$VERSION-linux-$machine.tar.gz."

command -v "$PYTHON" >/dev/null 2>&1 || fail \
  "找不到 Python $BUNDLE_PYTHON（$PYTHON）。请先从操作系统的软件源安装 python$BUNDLE_PYTHON，或用 --python 指定其路径。" \
  "Python $BUNDLE_PYTHON ($PYTHON) was not found. Install python$BUNDLE_PYTHON from the system's repository, or give its path with --python."
pyver=$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null || echo "?")
[ "$pyver" = "$BUNDLE_PYTHON" ] || fail \
  "需要 Python $BUNDLE_PYTHON，$PYTHON 是 $pyver。安装包中的程序包是为 $BUNDLE_PYTHON 编译的；其他版本请见 README 的“服务器上是另一个 Python 版本”。" \
  "Python $BUNDLE_PYTHON is needed; $PYTHON is $pyver. The bundled packages are built for $BUNDLE_PYTHON; for another version see the README (another Python on the server)."
"$PYTHON" -c 'import venv, ensurepip' >/dev/null 2>&1 || fail \
  "$PYTHON 缺少 venv/ensurepip 模块（Debian/UOS 上安装 python$BUNDLE_PYTHON-venv）。" \
  "$PYTHON lacks the venv/ensurepip modules (on Debian/UOS install python$BUNDLE_PYTHON-venv)."

glibc=$(getconf GNU_LIBC_VERSION 2>/dev/null | awk '{print $2}')
if [ -n "$glibc" ] && [ "$(printf '%s\n%s\n' "$MIN_GLIBC" "$glibc" | sort -V | head -n1)" != "$MIN_GLIBC" ]; then
  fail "系统 glibc 为 $glibc，需要 $MIN_GLIBC 或更新（麒麟 V10、统信 UOS 20 满足）。" \
    "The system's glibc is $glibc; $MIN_GLIBC or newer is needed (Kylin V10 and UOS 20 have it)."
fi

existing=$PREFIX
while [ ! -d "$existing" ]; do existing=$(dirname "$existing"); done
[ -w "$existing" ] || fail "没有写入 $existing 的权限（请用 root 或 sudo 运行）。" \
  "No permission to write $existing (run as root or with sudo)."
free_mb=$(df -Pk "$existing" | awk 'NR==2 {print int($4 / 1024)}')
[ "$free_mb" -ge "$NEED_MB" ] || fail \
  "$existing 所在磁盘只剩 ${free_mb} MB，安装需要约 ${NEED_MB} MB。" \
  "Only ${free_mb} MB free where $existing is; the install needs about ${NEED_MB} MB."

# --- the new release, beside the running one -------------------------------------------------
stamp=$(date +%Y%m%d%H%M%S)
release="$PREFIX/releases/$VERSION-$stamp"
mkdir -p "$PREFIX/releases"
# A failed install leaves no half-made release behind and the running version as it was.
cleanup() { [ "${done_ok:-0}" = 1 ] || rm -rf "$release"; }
trap cleanup EXIT

say "安装 Installing Tongxin $VERSION ($BUNDLE_ARCH) -> $release"
cp -a "$HERE/app" "$release.app.tmp"
mkdir -p "$release"
mv "$release.app.tmp" "$release/app"
"$PYTHON" -m venv "$release/venv"
# Only this folder's wheels: no configuration of this machine's pip (indexes, find-links,
# constraints) takes part.
env -u PIP_FIND_LINKS -u PIP_INDEX_URL -u PIP_EXTRA_INDEX_URL -u PIP_CONSTRAINT \
  PIP_CONFIG_FILE=/dev/null \
  "$release/venv/bin/python" -m pip install --quiet --no-index --disable-pip-version-check \
  --find-links "$HERE/wheels" --require-hashes -r "$release/app/requirements.lock"
site=$("$release/venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
# The code runs from app/, not as an installed package: the environment is told where it is.
printf '%s\n' "$release/app" > "$site/tongxin-app.pth"
"$release/venv/bin/python" -m tongxin --version >/dev/null

# --- settings, data, the command and the service (settings and data kept as they are) --------
mkdir -p "$PREFIX/bin" "$PREFIX/etc" "$PREFIX/data"
if [ ! -f "$PREFIX/etc/tongxin.env" ]; then
  sed "s#@PREFIX@#$PREFIX#g" "$HERE/packaging/tongxin.env" > "$PREFIX/etc/tongxin.env"
  chmod 640 "$PREFIX/etc/tongxin.env"
fi
cat > "$PREFIX/bin/.tongxin.new" <<WRAPPER
#!/bin/sh
# Tongxin's command: tongxin serve | layers ... | auth ...  (settings from $PREFIX/etc/tongxin.env)
# Run as root, it acts as the service's user: files it writes under data/ stay the service's.
if [ "\$(id -u)" = 0 ] && [ "$SERVICE_USER" != root ] && command -v runuser >/dev/null 2>&1; then
  exec runuser -u "$SERVICE_USER" -- "\$0" "\$@"
fi
set -a
[ -r "$PREFIX/etc/tongxin.env" ] && . "$PREFIX/etc/tongxin.env"
set +a
exec "$PREFIX/current/venv/bin/python" -m tongxin "\$@"
WRAPPER
chmod 755 "$PREFIX/bin/.tongxin.new"
mv -f "$PREFIX/bin/.tongxin.new" "$PREFIX/bin/tongxin"
for unit in tongxin.service tongxin@.service; do
  sed -e "s#@PREFIX@#$PREFIX#g" -e "s#@USER@#$SERVICE_USER#g" \
    "$HERE/packaging/$unit" > "$PREFIX/etc/$unit"
done
cp "$HERE/packaging/nginx-tongxin.conf" "$PREFIX/etc/nginx-tongxin.conf.example"

if [ "$(id -u)" = 0 ]; then
  if ! id "$SERVICE_USER" >/dev/null 2>&1; then
    nologin=$(command -v nologin || echo /usr/sbin/nologin)
    useradd --system --home-dir "$PREFIX/data" --no-create-home --shell "$nologin" "$SERVICE_USER"
  fi
  chown -R "$SERVICE_USER": "$PREFIX/data"
  chmod 750 "$PREFIX/data"
  # Settings readable by the service's user, changed only by root.
  chgrp "$(id -gn "$SERVICE_USER")" "$PREFIX/etc/tongxin.env"
fi

# --- switch: the new release becomes current, the old one previous ----------------------------
if [ -L "$PREFIX/current" ]; then
  ln -sfn "$(readlink "$PREFIX/current")" "$PREFIX/.previous.new"
  mv -T "$PREFIX/.previous.new" "$PREFIX/previous"
fi
ln -sfn "$release" "$PREFIX/.current.new"
mv -T "$PREFIX/.current.new" "$PREFIX/current"
done_ok=1
# Older releases than current and previous go.
keep="$(readlink "$PREFIX/current") $(readlink "$PREFIX/previous" 2>/dev/null || true)"
for old in "$PREFIX"/releases/*/; do
  old=${old%/}
  case " $keep " in *" $old "*) ;; *) rm -rf "$old" ;; esac
done

say ""
say "完成 Done. Tongxin $VERSION 已安装到 installed in $PREFIX"
# Map pictures and the report need a font with Chinese; a PDF of the report needs LibreOffice.
# Neither stops the install: the dashboard runs without them and says what is missing.
if ! fc-list 2>/dev/null | grep -Eqi "cjk|wenquanyi|yahei|simhei|source han|sarasa"; then
  say "提示 Note: 未找到中文字体，地图图片和汇报材料无法生成。请安装 fonts-noto-cjk（麒麟/统信/Debian 软件源均有）。"
  say "           No font with Chinese was found: map pictures and the report need one. Install fonts-noto-cjk."
fi
if ! command -v soffice >/dev/null 2>&1 && ! command -v libreoffice >/dev/null 2>&1; then
  say "提示 Note: 未安装 LibreOffice，汇报材料只提供 Word 文件；如需 PDF，请安装 libreoffice-writer-nogui。"
  say "           LibreOffice is not installed: the report is offered as Word only; for PDF install libreoffice-writer-nogui."
fi
say "下一步 Next steps:"
say "  1. 检查设置 Check the settings:        $PREFIX/etc/tongxin.env"
say "  2. 安装服务 Install the service:       cp $PREFIX/etc/tongxin.service /etc/systemd/system/"
say "                                          systemctl daemon-reload && systemctl enable --now tongxin"
say "     或多个进程（每个 CPU 核一个）Or several processes (one per CPU core), instead of it:"
say "                                          cp $PREFIX/etc/tongxin@.service /etc/systemd/system/"
say "                                          systemctl daemon-reload && systemctl enable --now tongxin@8501 tongxin@8502"
say "  3. 添加管理员 Add an administrator:    $PREFIX/bin/tongxin auth add NAME --role admin"
say "  4. 网站前置 Put nginx in front:        $PREFIX/etc/nginx-tongxin.conf.example"
say "  回退 Roll back:                         bash install.sh --rollback $PREFIX"
