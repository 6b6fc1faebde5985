"""Train the model zoo (assets/zoo) with `graphlab train` and write each model's card.

    python scripts/make_zoo.py [NAME ...]      (all models without names)

Each card (NAME.card.json) records the dataset, split, epochs, seed, the test accuracy that
`graphlab evaluate assets/zoo/NAME.graphlab` prints and the exact command that reproduces the
project; tests/graphlab/test_zoo.py re-measures the accuracy.
"""

from __future__ import annotations

import json
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from graphlab.cli import main  # noqa: E402
from graphlab.evaluate import evaluate_document  # noqa: E402
from graphlab.examples import open_graph  # noqa: E402
from graphlab.fileformat import load_document, save_document  # noqa: E402
from graphlab.training.settings import training_settings  # noqa: E402
from graphlab.zoo import ZOO_DIR  # noqa: E402

#: zoo name -> the graph it is trained from (an example's name or a file under the root)
MODELS = {
    "cnn-digits": "cnn-digits",
    "cnn-mnist": "cnn-mnist",
    "cnn-mnist-0to4": "assets/zoo/cnn-mnist-0to4.json",
}


def make(name: str, graph: str) -> dict:
    """Train ``graph`` into assets/zoo/NAME.graphlab and write its card; returns the card."""
    project = ZOO_DIR / f"{name}.graphlab"
    started = time.perf_counter()
    if main(["train", str(ROOT / graph) if "/" in graph else graph, "--save", str(project)]):
        raise SystemExit(f"training {name} failed")
    seconds = time.perf_counter() - started
    doc = load_document(project)
    doc.set_training({k: v for k, v in doc.training.items() if k != "runs"})  # no local paths
    save_document(doc, project)
    evaluation = evaluate_document(doc)
    settings = training_settings(open_graph(str(ROOT / graph) if "/" in graph else graph))
    card = {
        "description": doc.description,
        "dataset": doc.dataset["spec"],
        "split": doc.dataset.get("split", {}),
        "preprocess": doc.dataset.get("preprocess", {}),
        "epochs": settings["epochs"],
        "seed": settings["seed"],
        "batch_size": settings["batch_size"],
        "optimizer": settings["optimizer"],
        "lr": settings["lr"],
        "accuracy": round(evaluation.accuracy, 4),
        "test_samples": len(evaluation.labels),
        "command": f"graphlab train {graph} --save {name}.graphlab",
        "time": f"{seconds:.0f} s on {platform.machine()} ({platform.python_version()})",
    }
    (ZOO_DIR / f"{name}.card.json").write_text(json.dumps(card, indent=1) + "\n")
    return card


if __name__ == "__main__":
    for chosen in sys.argv[1:] or MODELS:
        made = make(chosen, MODELS[chosen])
        print(f"{chosen}: test accuracy {made['accuracy']} ({made['time']})")
