#!/usr/bin/env bash
# Install what syncsheet needs: the Debian libraries Qt and the tests use (when run as root
# and missing) and a virtual environment with syncsheet and its extras. Safe to run again.
#   bash scripts/bootstrap.sh [VENV_DIR]
set -euo pipefail
VENV="${1:-.venv}"
PYTHON="${PYTHON:-python3}"
DEBS=(libgl1 libegl1 libfontconfig1 libglib2.0-0 libxkbcommon0 libdbus-1-3 libpulse0 poppler-utils)

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
    for p in "${DEBS[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    # a pristine Debian's python3 has no venv/ensurepip: python3-venv brings it
    "$PYTHON" -c "import ensurepip, venv" 2>/dev/null || missing+=(python3-venv)
fi
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "bootstrap: installing Debian packages: ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -q
        apt-get install -y -q --no-install-recommends "${missing[@]}"
    else
        echo "bootstrap: warning: missing Debian packages (install them as root): ${missing[*]}" >&2
    fi
fi

if [ ! -x "$VENV/bin/python" ]; then
    echo "bootstrap: creating $VENV"
    "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q --upgrade pip
"$VENV/bin/python" -m pip install -q -e ".[ui,cluster,dev]"
# an editable install is not byte-compiled: do it now, or a shell with PYTHONDONTWRITEBYTECODE set
# compiles every module again at each start (0.08 s of each command)
"$VENV/bin/python" -m compileall -q syncsheet ui >/dev/null
echo "bootstrap: ready ($("$VENV/bin/python" --version))"
