#!/usr/bin/env bash
# GPU check: the CUDA tests and the CUDA benchmark in one run, everything printed and kept in
# one log file (issue 9). Run it from a checkout on a machine with an NVIDIA GPU:
#
#     bash scripts/gpu_check.sh                  # prints everything, keeps it in gpu_check.log
#     GPU_CHECK_LOG=/tmp/gpu.log PYTHON=python3 bash scripts/gpu_check.sh   # log elsewhere
#
# Python, first that fits: $PYTHON; .venv/bin/python; python3 when it already imports cupy and
# torch; else a new .venv made with --system-site-packages (a system-wide cupy and CUDA build of
# torch stay visible). Missing packages are installed with pip: `pip install -e '.[test]'` (when
# torch is already importable, the test extra without its torch pin, so a CUDA torch is not
# replaced by the pinned CPU one) and cupy-cuda13x or cupy-cuda12x after the driver's CUDA
# version when cupy is missing. Without network the installs fail with a warning and the check
# runs with what is installed; NO_INSTALL=1 skips them.
#
# Time limits (seconds, each step under `timeout`): INSTALL_TIMEOUT (default 300),
# TEST_TIMEOUT (300), BENCH_TIMEOUT (240); the benchmark runs BENCH_ROUNDS (2) rounds of
# BENCH_STEPS (30) timed steps per model. Exit status: the tests', else the benchmark's.
set -uo pipefail

cd "$(dirname "$0")/.."
LOG="${GPU_CHECK_LOG:-gpu_check.log}"
exec > >(tee "$LOG") 2>&1

section() { printf '\n===== %s (%s UTC)\n' "$1" "$(date -u +%H:%M:%S)"; }

section "machine"
echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
timeout 30 nvidia-smi || echo "warning: nvidia-smi failed or is missing"

imports() { "$1" -c "import $2" >/dev/null 2>&1; }

section "python"
if [ -n "${PYTHON:-}" ]; then
    PY="$PYTHON"
elif [ -x .venv/bin/python ]; then
    PY=.venv/bin/python
elif command -v python3 >/dev/null && imports python3 cupy && imports python3 torch; then
    PY="$(command -v python3)"
else
    python3 -m venv --system-site-packages .venv || { echo "cannot create .venv"; exit 2; }
    PY=.venv/bin/python
fi
echo "python: $PY ($("$PY" --version 2>&1))"

pip_install() {
    if [ -n "${NO_INSTALL:-}" ]; then
        echo "NO_INSTALL is set: not running pip install $*"
        return
    fi
    timeout "${INSTALL_TIMEOUT:-300}" "$PY" -m pip install --retries 1 --timeout 20 "$@" ||
        echo "warning: pip install $* failed; going on with what is installed"
}

section "packages"
missing=()
for module in numpy networkx sklearn PIL pytest hypothesis engine.trainer; do
    imports "$PY" "$module" || missing+=("$module")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "missing: ${missing[*]}"
    if imports "$PY" torch; then
        pip_install -e . 'pytest>=8' 'hypothesis>=6.100'
    else
        pip_install -e '.[test]'
    fi
fi
if ! imports "$PY" cupy; then
    cuda_major="$(timeout 30 nvidia-smi 2>/dev/null | sed -n 's/.*CUDA Version: *\([0-9]*\).*/\1/p')"
    pip_install "cupy-cuda$([ "${cuda_major:-12}" -ge 13 ] && echo 13 || echo 12)x"
fi
"$PY" - <<'EOF'
import importlib

for name in ("numpy", "cupy", "torch"):
    try:
        print(f"{name} {importlib.import_module(name).__version__}")
    except Exception as exc:  # report every package, whatever fails
        print(f"{name}: not usable ({exc})")
from engine.backend import cuda_unavailable_reason

print("engine CUDA:", cuda_unavailable_reason() or "available")
EOF

section "tests: tests/engine/test_cuda.py and the --device cuda command line"
timeout "${TEST_TIMEOUT:-300}" "$PY" -m pytest -v -rs -p no:cacheprovider \
    tests/engine/test_cuda.py tests/graphlab/test_device_cli.py
tests_status=$?
echo "tests exit status: $tests_status"

section "benchmark: benchmarks/engine_vs_torch.py --device cuda"
timeout "${BENCH_TIMEOUT:-240}" "$PY" benchmarks/engine_vs_torch.py --device cuda \
    --rounds "${BENCH_ROUNDS:-2}" --steps "${BENCH_STEPS:-30}"
bench_status=$?
echo "benchmark exit status: $bench_status"

section "done: log in $LOG"
[ "$tests_status" -ne 0 ] && exit "$tests_status"
exit "$bench_status"
