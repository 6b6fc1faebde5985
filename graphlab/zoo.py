"""The model zoo: trained projects shipped in ``assets/zoo`` (``NAME.graphlab``), each with a
card (``NAME.card.json``: dataset, split, epochs, seed, test accuracy and the command that
reproduces it, written by ``scripts/make_zoo.py``). A zoo model opens as the GRAPH argument
``zoo/NAME`` everywhere (``graphlab evaluate zoo/cnn-mnist``) and in the examples gallery.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from engine.errors import GraphLabError

ZOO_DIR = Path(__file__).resolve().parents[1] / "assets" / "zoo"
PREFIX = "zoo/"
CARD_FIELDS = ("dataset", "split", "epochs", "seed", "batch_size", "optimizer", "lr",
               "accuracy", "test_samples", "command", "time")  # fmt: skip


@dataclass(frozen=True)
class ZooModel:
    """A trained project of the zoo and its card (a dict of CARD_FIELDS and more)."""

    name: str
    path: Path
    info: dict

    @property
    def description(self) -> str:
        return self.info["description"]

    @property
    def dataset(self) -> str:
        spec = self.info["dataset"]
        classes = f" digits {spec['classes']}" if "classes" in spec else ""
        return f"{spec.get('name', spec.get('format'))}{classes}"

    @property
    def accuracy(self) -> float:
        return float(self.info["accuracy"])

    @property
    def epochs(self) -> int:
        return int(self.info["epochs"])

    @property
    def card(self) -> str:
        """The card as text, one field per line."""
        lines = [f"{self.name}: {self.description}"]
        lines += [
            f"  {key}: {json.dumps(self.info[key])}" for key in CARD_FIELDS if key in self.info
        ]
        return "\n".join(lines)


def zoo_models() -> list[ZooModel]:
    """Every zoo model with a card and a project, by name."""
    models = []
    for card in sorted(ZOO_DIR.glob("*.card.json")):
        name = card.name.removesuffix(".card.json")
        project = ZOO_DIR / f"{name}.graphlab"
        if project.is_file():
            models.append(ZooModel(name, project, json.loads(card.read_text())))
    return sorted(models, key=lambda m: m.name)


def zoo_model(name: str) -> ZooModel:
    """The zoo model ``name`` (with or without ``zoo/``); GraphLabError naming the known ones."""
    name = name.removeprefix(PREFIX)
    for model in zoo_models():
        if model.name == name:
            return model
    known = ", ".join(m.name for m in zoo_models())
    raise GraphLabError(f"no zoo model {name!r} (the zoo has: {known})")


def zoo_path(graph: str) -> Path | None:
    """The project file a GRAPH argument ``zoo/NAME`` names, or None."""
    if not graph.startswith(PREFIX):
        return None
    path = ZOO_DIR / f"{graph.removeprefix(PREFIX)}.graphlab"
    return path if path.is_file() else None


def zoo_entries() -> list[tuple[str, str]]:
    """(GRAPH argument, one line) of every zoo model, for the examples gallery."""
    return [
        (f"{PREFIX}{m.name}",
         f"trained model (zoo): {m.dataset}, {m.epochs} epochs, test accuracy {m.accuracy:.3f}")
        for m in zoo_models()
    ]  # fmt: skip
