#!/usr/bin/env bash
# Idempotent set-up for a fresh Debian/Ubuntu machine: system libraries for headless OpenGL
# and open3d, a virtual environment in .venv, and spatialqa installed editable with its tests.
set -euo pipefail
cd "$(dirname "$0")/.."

SYSTEM_PACKAGES=(libusb-1.0-0 libgl1 libegl1 libegl-mesa0 libgl1-mesa-dri libgbm1 libopengl0 libx11-6 chromium)
missing=()
for package in "${SYSTEM_PACKAGES[@]}"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if ((${#missing[@]})); then
    if [ "$(id -u)" -eq 0 ]; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
    else
        echo "spatialqa needs these system packages; install them, then run this again:" >&2
        echo "  sudo apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
fi

PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
stamp=.venv/.spatialqa-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    .venv/bin/pip install --quiet --upgrade pip "setuptools>=69" wheel
    .venv/bin/pip install --quiet -e ".[test]"
    touch "$stamp"
fi
# Ask every task's example once, here, so that the first `spatialqa tasks` answers at once
# (the listing is kept in ~/.cache/spatialqa, keyed by the source; 0.1 s once there, 2-3 s to make).
.venv/bin/spatialqa tasks > /dev/null
