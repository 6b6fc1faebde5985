"""The tour notebook (examples/graphlab-tour.ipynb) runs in a Jupyter kernel without an error
and shows the graph as SVG and the trained spiral net."""

from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]


def test_the_tour_notebook_runs_and_shows_svg(tmp_path, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    monkeypatch.setenv("GRAPHLAB_RUNS_DIR", str(tmp_path / "runs"))
    notebook = nbformat.read(ROOT / "examples" / "graphlab-tour.ipynb", as_version=4)
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()  # fmt: skip
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    svgs = [o.data["image/svg+xml"] for o in outputs if "image/svg+xml" in o.get("data", {})]
    assert len(svgs) == 2 and all("<svg" in svg and ">-4<" in svg for svg in svgs)
    printed = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "-12.0 -4.0 -4.0 3.0" in printed
    latest = next(o.data["text/plain"] for o in outputs if "'val_acc'" in str(o.get("data", "")))
    assert float(latest.split("'train_acc': ")[1].split(",")[0]) > 0.8
