"""``--device cuda`` on the command line: status 2 and the one-sentence reason without a GPU."""

from __future__ import annotations

import subprocess
import sys

import pytest

from engine.backend import cuda_unavailable_reason


@pytest.mark.parametrize(
    "command",
    [["run", "cnn-digits"], ["train", "cnn-digits", "--epochs", "1"]],
    ids=["run", "train"],
)
def test_cli_device_cuda_exits_2_with_the_reason_when_cuda_is_unavailable(command):
    reason = cuda_unavailable_reason()
    done = subprocess.run(
        [sys.executable, "-m", "graphlab.cli", *command, "--device", "cuda"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if reason is None:  # a working GPU: the same command runs there
        assert done.returncode == 0, done.stderr
        assert "conv" in done.stdout or "cuda" in done.stdout
    else:
        assert done.returncode == 2
        assert done.stdout == ""
        assert done.stderr == f"graphlab: error: {reason}\n"
