"""The training dashboard's "Features" tab: the document's ``dataset.features`` stages (HoG,
colour histogram, bag of visual words), each a checkable group with its options; each change
is one undo step (through ``set_dataset``). The data node's inspector shows what HoG and the
histogram make of a training image (:mod:`ui.inspector_features`)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from engine.errors import GraphLabError
from graphlab.changes import ChangeKind
from graphlab.datasets.features import STAGES, FeatureSpec
from graphlab.document import GraphDocument
from graphlab.image_previews import feature_count
from ui.commands import set_binding_key
from ui.widgets import fill_scrolled

TITLES = {
    "hog": "HoG: histogram of oriented gradients",
    "color_hist": "Colour histogram (hue; intensity for grey)",
    "bow": "Bag of visual words",
}
NOTE = (
    "Features replace each image by one vector (the stages' features concatenated, "
    "standardized with the training split's statistics), computed once and cached on disk. "
    "The data input's shape must then be (-1, F); augmentation works on images only."
)


class FeaturesPanel(QWidget):
    """One checkable group per stage (``groups[stage]``) with a spin box per option
    (``editors[stage][option]``), and a message line."""

    def __init__(self, doc: GraphDocument, stack) -> None:
        super().__init__()
        self.doc, self.stack, self._loading = doc, stack, False
        self.groups: dict[str, QGroupBox] = {}
        self.editors: dict[str, dict[str, QSpinBox]] = {}
        stages = QHBoxLayout()
        for stage, attrs in STAGES.items():
            group = QGroupBox(TITLES[stage], checkable=True, objectName=f"features:{stage}")
            group.clicked.connect(lambda _=False, s=stage: self._edited(s))
            form = QFormLayout(group)
            self.editors[stage] = {}
            for attr in attrs:
                box = QSpinBox(objectName=f"features:{stage}:{attr.name}")
                box.setRange(int(attr.minimum), int(attr.maximum))
                box.setKeyboardTracking(False)
                box.setToolTip(f"{attr.doc} ({attr.allowed()})")
                box.valueChanged.connect(lambda _=0, s=stage: self._edited(s))
                form.addRow(attr.name.replace("_", " "), box)
                self.editors[stage][attr.name] = box
            self.groups[stage] = group
            stages.addWidget(group)
        self.message = QLabel(wordWrap=True, objectName="features:count")
        note = QLabel(NOTE, wordWrap=True)
        note.setEnabled(False)
        inner = QWidget()
        layout = QVBoxLayout(inner)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(stages)
        layout.addWidget(note)
        layout.addWidget(self.message)
        layout.addStretch(1)
        fill_scrolled(self, inner)  # for a short or narrow dock (the window fits 1280x800)
        doc.subscribe(self._document_changed)
        self.load()

    def spec(self) -> dict:
        """The checked stages with their options, as ``dataset.features``."""
        return {
            stage: {name: box.value() for name, box in self.editors[stage].items()}
            for stage, group in self.groups.items()
            if group.isChecked()
        }

    def load(self) -> None:
        """Show the document's features stages (no command)."""
        features = self.doc.dataset.get("features") or {}
        self._loading = True
        try:
            spec = FeatureSpec.from_spec(features) if features else FeatureSpec()
            self.show_count()
        except GraphLabError as exc:
            spec = FeatureSpec()
            self.message.setText(str(exc))
        for stage, group in self.groups.items():
            options = getattr(spec, stage)
            group.setChecked(options is not None)
            group.setEnabled(bool(self.doc.dataset.get("spec")))
            for attr in STAGES[stage]:
                self.editors[stage][attr.name].setValue(
                    (options or {}).get(attr.name, attr.default)
                )
        self._loading = False

    def show_count(self) -> None:
        """Say how many features the stages make and whether the data input takes them
        (when shown: the dataset loads the first time)."""
        binding = self.doc.dataset
        if not self.isVisible() or not binding.get("features"):
            self.message.setText("")
            return
        try:
            count = feature_count(binding)
        except GraphLabError as exc:
            self.message.setText(str(exc))
            return
        nid = binding.get("data_input")
        shape = list(self.doc.nodes[nid].attrs.get("shape", [])) if nid in self.doc.nodes else []
        text = f"These stages make {count} features per image; the data input {nid} takes {shape}."
        if shape[1:] != [count]:
            text += f" Set its shape to [-1, {count}] (and the next layer's) before training."
        self.message.setText(text)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.show_count()

    def _document_changed(self, change) -> None:
        if change.kind in (ChangeKind.DATASET_CHANGED, ChangeKind.RESET):
            self.load()
        elif change.kind == ChangeKind.NODE_CHANGED and change.subject == self.doc.dataset.get(
            "data_input"
        ):
            self.show_count()

    def _edited(self, stage: str) -> None:
        if not self._loading:
            text = f"Change features: {TITLES[stage].split(':')[0]}"
            set_binding_key(self.stack, self.doc, "features", self.spec(), text)


def install_features(dashboard) -> FeaturesPanel:
    """Add the Features tab to the training dashboard (``dashboard.features``)."""
    panel = FeaturesPanel(dashboard.doc, dashboard.window.stack)
    dashboard.tabs.addTab(panel, "Features")
    dashboard.features = panel
    return panel
