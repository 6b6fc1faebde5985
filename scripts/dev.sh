#!/usr/bin/env bash
# Set up everything GraphLab needs (system libraries, a virtual environment), then run one task.
#   scripts/dev.sh app [ARGS]   start GraphLab
#   scripts/dev.sh test [ARGS]  run the whole test suite (lint included)
set -euo pipefail
cd "$(dirname "$0")/.."

QT_DEBS="libgl1 libxkbcommon0 libegl1 libfontconfig1 libglib2.0-0 libdbus-1-3"
# the tests also build the CUDA kernels' source for the CPU (tests/engine/test_cuda_kernels.py)
TEST_DEBS="$QT_DEBS g++"
VENV=.venv

install_system_libraries() {
    local missing=()
    for deb in "$@"; do
        dpkg -s "$deb" >/dev/null 2>&1 || missing+=("$deb")
    done
    ((${#missing[@]})) || return 0
    if [[ $(id -u) -eq 0 ]]; then
        echo "installing system packages: ${missing[*]}"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
        echo "GraphLab needs these Debian packages; ask an administrator to run:" >&2
        echo "  sudo apt-get install ${missing[*]}" >&2
        exit 1
    fi
}

install_python_packages() {
    local extras=$1 stamp="$VENV/.installed-$1"
    [[ -x $VENV/bin/python ]] || python3 -m venv "$VENV"
    if [[ ! -f $stamp || pyproject.toml -nt $stamp ]]; then
        "$VENV/bin/python" -m pip install -q --upgrade pip
        "$VENV/bin/python" -m pip install -q -e ".[$extras]"
        touch "$stamp"
    fi
}

task=${1:-app}
shift || true
case $task in
    app)
        install_system_libraries $QT_DEBS
        install_python_packages app
        exec "$VENV/bin/graphlab" "$@"
        ;;
    test)
        install_system_libraries $TEST_DEBS
        install_python_packages test
        "$VENV/bin/ruff" check .
        "$VENV/bin/ruff" format --check .
        QT_QPA_PLATFORM=offscreen exec "$VENV/bin/python" -m pytest "$@"
        ;;
    *)
        echo "usage: scripts/dev.sh app|test [ARGS]" >&2
        exit 2
        ;;
esac
