"""The three rooms import in one direction: ui -> graphlab -> engine (ARCHITECTURE.md)."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = {
    "engine": ("graphlab", "ui", "PySide6", "pyqtgraph"),
    "graphlab": ("ui", "PySide6", "pyqtgraph"),
}


def module_level_imports(path: Path) -> list[str]:
    """Top-level module names imported outside any function (lazy imports are allowed)."""
    names = []
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Import):
            names += [alias.name.split(".")[0] for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_import_points_upward(package):
    wrong = {
        str(path.relative_to(ROOT)): name
        for path in (ROOT / package).rglob("*.py")
        for name in module_level_imports(path)
        if name in FORBIDDEN[package]
    }
    assert wrong == {}


def test_the_engine_never_imports_graphlab_or_ui_even_lazily():
    for path in (ROOT / "engine").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert node.module.split(".")[0] not in ("graphlab", "ui"), path
            if isinstance(node, ast.Import):
                assert not {a.name.split(".")[0] for a in node.names} & {"graphlab", "ui"}, path


def test_the_command_line_starts_without_qt():
    code = "import sys, graphlab.cli; graphlab.cli.build_parser(); print(sorted(m for m in sys.modules if m.startswith(('PySide6', 'pyqtgraph', 'torch'))))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout
    assert out.strip() == "[]"
