#!/usr/bin/env bash
# The README's first command on a fresh Debian/Ubuntu machine: installs what is missing
# (make, Python's venv, Mosquitto, InfluxDB 1.x) with apt-get, then does what `make demo`
# does: `make setup` (creates .venv and installs the project) and `bk demo`, with this
# script's options passed on exactly (e.g. `./demo.sh --duration 300 --kitchens 8`; see
# `bk demo --help`).
set -euo pipefail
cd "$(dirname "$0")"

missing=()
command -v make >/dev/null 2>&1 || missing+=(make)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
# Debian's python3 has no venv/ensurepip without this package.
python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || missing+=(python3-venv python3-pip)
command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || missing+=(mosquitto)
command -v influxd >/dev/null 2>&1 || missing+=(influxdb)

if [ ${#missing[@]} -gt 0 ]; then
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "缺少 / missing: ${missing[*]} — install them with your package manager, then run make demo" >&2
        exit 1
    fi
    echo "== 安装 / installing: ${missing[*]} (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

echo "== make setup (the first time: creates .venv and installs the project, a few minutes)"
make setup
exec .venv/bin/bk demo "$@"
