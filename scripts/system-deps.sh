#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages the registry needs, only when something is missing.
set -euo pipefail

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

missing=()
# wrk drives `make bench`; nginx-light runs the reverse-proxy test (never started as a service).
for pkg in postgresql-15 postgresql-15-postgis-3 gdal-bin libgdal-dev gettext chromium wrk nginx-light; do
  installed "$pkg" || missing+=("$pkg")
done
command -v npm >/dev/null || missing+=(nodejs npm)
python3 -c "import venv, ensurepip" 2>/dev/null || missing+=(python3-venv)

[ ${#missing[@]} -eq 0 ] && exit 0

cmd="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
echo "Installing system packages: ${missing[*]}"
if [ "$(id -u)" = 0 ]; then
  sh -c "DEBIAN_FRONTEND=noninteractive $cmd"
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  sudo sh -c "DEBIAN_FRONTEND=noninteractive $cmd"
else
  echo "Some system packages are missing. Run this once as an administrator, then retry:" >&2
  echo "    sudo sh -c '$cmd'" >&2
  exit 1
fi
