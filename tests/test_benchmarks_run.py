"""Smoke test: every script in benchmarks/ runs with its quickest flags and prints a ratio.

Each runs in a subprocess, as a user would start it; the figures themselves are not checked
(they depend on the machine's load), only that the run finishes and reports a finite,
positive ratio.
"""

import math
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = ROOT / "benchmarks"
NUMBER = r"(\d+(?:\.\d+)?(?:e-\d+)?)"  # 0.47, or 4.1e-05 when torch stalls

#: script -> (quickest arguments, pattern whose group 1 is a ratio in its output)
RUNS = {
    "training_epoch.py": (["--quick"], rf"\| engine \| [\d.]+ \| torch [\d.]+ ms \| {NUMBER} \|"),
    "engine_vs_torch.py": (
        ["--models", "spiral-mlp-b300", "--rounds", "2", "--steps", "2"],
        rf"\| spiral-mlp-b300 \| [\d.]+ \| [\d.]+ \| {NUMBER} \|",
    ),
    "canvas.py": (
        ["--nodes", "600", "--edges", "900", "--repeats", "1"],
        rf"load and show .* x{NUMBER} headless",
    ),
    "canvas_tools.py": (
        ["--nodes", "300", "--edges", "450", "--repeats", "1"],
        rf"\| group 300 nodes \| [\d.]+ ms \| 1000 ms \| {NUMBER} \|",
    ),
    "training_ui.py": (["--rounds", "1", "--epochs", "3"], rf"app/headless {NUMBER},"),
    "onnx_resnet18.py": (
        ["--batch", "1", "--rounds", "1"],
        rf"\| resnet18 \| [\d.]+ \| [\d.]+ \| {NUMBER} \|",
    ),
    "replay.py": (["--epochs", "1", "--rounds", "1", "--opens", "2"], rf"ratio {NUMBER} \(target"),
    "training_soak.py": (
        [
            "--examples",
            "two-layer-net-spiral",
            "--minutes",
            "0.1",
            "--every",
            "2",
            "--headless",
            "2",
        ],
        rf"last/headless {NUMBER}\)",
    ),
}


def test_every_benchmark_script_has_a_quick_run():
    scripts = {p.name for p in BENCHMARKS.glob("*.py")} - {"models.py", "__init__.py"}
    assert scripts == set(RUNS)


@pytest.mark.parametrize("script", sorted(RUNS))
def test_benchmark_runs_and_prints_a_ratio(script):
    arguments, pattern = RUNS[script]
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    found = re.search(pattern, done.stdout)
    assert found, done.stdout
    ratio = float(found.group(1))
    assert math.isfinite(ratio) and ratio > 0
