"""The house rules of docs/architecture.md: imports point one way (ui -> graphlab -> engine, lazy
imports included), only ui/ draws (every file there uses Qt), and no source file passes 400 lines."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
QT = ("PySide6", "pyqtgraph")
FORBIDDEN = {"engine": ("graphlab", "ui", *QT), "graphlab": ("ui", *QT)}
#: the one function in graphlab that may import ui (and so Qt): it starts the window
WINDOW_DOOR = ("graphlab/cli_open.py", "run_ui")
MAX_LINES = 400
SOURCE_FOLDERS = ("engine", "graphlab", "ui", "benchmarks", "scripts", "tests")


def imports(path: Path) -> list[tuple[str, str]]:
    """(top-level module, enclosing function or '') of every import in ``path``: statements at
    any depth and ``importlib.import_module("...")`` / ``__import__("...")`` with a literal."""
    found = []

    def visit(node: ast.AST, function: str) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            function = node.name
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        elif isinstance(node, ast.Call) and node.args and _is_import_call(node.func):
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                names = [first.value]
        found.extend((name.split(".")[0], function) for name in names)
        for child in ast.iter_child_nodes(node):
            visit(child, function)

    visit(ast.parse(path.read_text()), "")
    return found


def _is_import_call(func: ast.AST) -> bool:
    if isinstance(func, ast.Name):
        return func.id in ("__import__", "import_module")
    return isinstance(func, ast.Attribute) and func.attr == "import_module"


def sources(*folders: str) -> list[Path]:
    return sorted(path for folder in folders for path in (ROOT / folder).rglob("*.py"))


def name(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_import_points_upward_even_lazily(package):
    wrong = sorted(
        f"{name(path)}: {module}" + (f" (in {function})" if function else "")
        for path in sources(package)
        for module, function in imports(path)
        if module in FORBIDDEN[package] and (name(path), function) != WINDOW_DOOR
    )
    assert wrong == [], f"{package} must not import {', '.join(FORBIDDEN[package])}"


def test_the_window_door_is_the_only_way_into_ui_and_exists():
    path, function = WINDOW_DOOR
    assert ("ui", function) in imports(ROOT / path)


def test_without_qt_the_door_says_so_in_one_line(monkeypatch, tmp_path, capsys):
    import ui
    from graphlab.cli import main

    monkeypatch.delattr(ui, "app", raising=False)  # as if never imported in this process
    monkeypatch.setitem(sys.modules, "ui.app", None)  # importing it now raises ImportError
    assert main(["export", "cnn-digits", "--png", str(tmp_path / "g.png")]) == 2
    error = capsys.readouterr().err
    assert error.startswith("graphlab: error: the window and pictures need Qt (PySide6): ")
    assert error.count("\n") == 1 and not (tmp_path / "g.png").exists()


def test_every_file_under_ui_draws():
    """A ui file without Qt or pyqtgraph is application core: it belongs in graphlab/
    (a package __init__ that only re-exports is fine)."""
    wrong = [
        name(path)
        for path in sources("ui")
        if not any(module in QT for module, _ in imports(path)) and not _only_reexports(path)
    ]
    assert wrong == [], "Qt-free code under ui/ (move it to graphlab/): " + ", ".join(wrong)


def _only_reexports(path: Path) -> bool:
    if path.name != "__init__.py":
        return False
    for node in ast.parse(path.read_text()).body:
        docstring = isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
        exports = isinstance(node, ast.Assign) and [t.id for t in node.targets] == ["__all__"]
        if not (docstring or exports or isinstance(node, ast.Import | ast.ImportFrom)):
            return False
    return True


def test_no_source_file_passes_400_lines():
    long = {
        name(path): count
        for path in sources(*SOURCE_FOLDERS)
        if (count := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}, f"files over {MAX_LINES} lines (split them along a real seam): {long}"


def test_the_import_finder_sees_lazy_and_dynamic_imports(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import os\n"
        "def late():\n"
        "    from ui.app import run_app\n"
        "    import importlib; importlib.import_module('PySide6.QtCore')\n"
        "class A:\n"
        "    def method(self):\n"
        "        __import__('pyqtgraph')\n"
    )
    assert imports(sample) == [
        ("os", ""),
        ("ui", "late"),
        ("importlib", "late"),
        ("PySide6", "late"),
        ("pyqtgraph", "method"),
    ]


def test_the_command_line_starts_without_qt():
    code = "import sys, graphlab.cli; graphlab.cli.build_parser(); print(sorted(m for m in sys.modules if m.startswith(('PySide6', 'pyqtgraph', 'torch'))))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout
    assert out.strip() == "[]"
