"""The training dashboard's "Augmentation" tab: an editor for every option of the document's
``dataset.augment`` (each change one undo step, through ``set_dataset``) beside a preview grid
of augmented training images of the bound dataset, recomputed off the UI thread after each
change; "Reshuffle" draws other images and other augmentations."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from engine.errors import GraphLabError
from graphlab.changes import ChangeKind
from graphlab.datasets.augment import Augmentation
from graphlab.document import GraphDocument
from graphlab.image_previews import augmented_grid, training_images
from ui.commands import set_binding_key
from ui.jobs import JobWatcher
from ui.training.images import ImagePlot, as_rgb, tile
from ui.widgets import fill_scrolled

#: what each option's number shows before and after it (its range and unit)
AFFIXES = {"crop_padding": ("", " px"), "translate": ("≤ ", " × size"), "rotate": ("± ", "°"),
           "scale": ("± ", " stretch"), "shear": ("± ", "°")}  # fmt: skip
#: the preview: this many training images, each followed by DRAWS augmented copies
ROWS, DRAWS = 4, 3
NOTE = (
    f"Each row: a training image, then {DRAWS} random augmentations of it, as training draws "
    "them per image and per epoch (here on the raw images; training warps the preprocessed "
    "batch). Validation and test images are never augmented."
)


def option_editor(attr) -> QWidget:
    """A check box (bool) or spin box (int, float) for one Augmentation option."""
    if attr.kind == "bool":
        return QCheckBox(attr.doc)
    box = QSpinBox() if attr.kind == "int" else QDoubleSpinBox()
    box.setRange(attr.minimum or 0, attr.maximum if attr.maximum is not None else 64)
    if attr.kind == "float":
        box.setDecimals(2)
        box.setSingleStep(1.0 if box.maximum() > 5 else 0.05)
    prefix, suffix = AFFIXES.get(attr.name, ("", ""))
    box.setPrefix(prefix)
    box.setSuffix(suffix)
    box.setKeyboardTracking(False)  # a typed number is one change, when it is finished
    box.setToolTip(f"{attr.doc} ({attr.allowed()}; 0 is off)")
    return box


class AugmentPanel(QWidget):
    """The options' editors (``editors[name]``), Reshuffle, a message line and the preview."""

    def __init__(self, doc: GraphDocument, stack) -> None:
        super().__init__()
        self.doc, self.stack, self.seed = doc, stack, 0
        self.editors: dict[str, QWidget] = {}
        form = QFormLayout()
        for attr in Augmentation.OPTIONS:
            editor = option_editor(attr)
            editor.setObjectName(f"augment:{attr.name}")
            if isinstance(editor, QCheckBox):
                editor.toggled.connect(lambda _=False, n=attr.name: self._edited(n))
                form.addRow(editor)
            else:
                editor.valueChanged.connect(lambda _=0, n=attr.name: self._edited(n))
                form.addRow(attr.name.replace("_", " "), editor)
            self.editors[attr.name] = editor
        self.reshuffle = QPushButton("Reshuffle")
        self.reshuffle.setToolTip("other training images and other random draws")
        self.reshuffle.clicked.connect(self._reshuffle)
        self.message = QLabel(wordWrap=True)
        note = QLabel(NOTE, wordWrap=True)
        note.setEnabled(False)
        side = QVBoxLayout()
        side.addLayout(form)
        side.addWidget(self.reshuffle)
        side.addWidget(self.message)
        side.addWidget(note)
        side.addStretch(1)
        holder = QWidget()
        holder.setLayout(side)
        holder.setMaximumWidth(330)
        self.preview = ImagePlot("Augmented training images")
        inner = QWidget()
        layout = QHBoxLayout(inner)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(holder)
        layout.addWidget(self.preview, 1)
        fill_scrolled(self, inner)  # for a short or narrow dock (the window fits 1280x800)
        self.watcher = JobWatcher(self)
        self.watcher.finished.connect(self._preview_done)
        self.dirty, self.pending, self._loading = True, False, False
        #: the grid shown last: (ROWS * (1 + DRAWS), C, H, W), or None
        self.grid = None
        doc.subscribe(self._document_changed)
        self.load()

    # -- the document ------------------------------------------------------------------

    def spec(self) -> dict:
        """The editors' augmentation as ``dataset.augment`` (options left at 0 omitted)."""
        values = {}
        for name, editor in self.editors.items():
            values[name] = editor.isChecked() if isinstance(editor, QCheckBox) else editor.value()
        return Augmentation(**values).to_spec()

    def load(self) -> None:
        """Show the document's augmentation in the editors (no command), then the preview."""
        self._loading = True
        try:
            current = Augmentation.from_spec(self.doc.dataset.get("augment") or {})
            self.message.setText("")
        except GraphLabError as exc:
            current = Augmentation()
            self.message.setText(str(exc))
        finally:
            for name, editor in self.editors.items():
                value = getattr(current, name)
                editor.setChecked(value) if isinstance(editor, QCheckBox) else editor.setValue(
                    value
                )
                editor.setEnabled(bool(self.doc.dataset.get("spec")))
            self._loading = False
        self.refresh()

    def _document_changed(self, change) -> None:
        if change.kind in (ChangeKind.DATASET_CHANGED, ChangeKind.RESET):
            self.load()

    def _edited(self, name: str) -> None:
        if not self._loading:
            text = f"Change augmentation: {name.replace('_', ' ')}"
            set_binding_key(self.stack, self.doc, "augment", self.spec(), text)

    # -- the preview -------------------------------------------------------------------

    def _reshuffle(self) -> None:
        self.seed += 1
        self.refresh()

    def refresh(self) -> None:
        """Recompute the preview (off the UI thread) when shown; else when next shown."""
        if not self.isVisible():
            self.dirty = True
            return
        self.dirty = False
        if self.watcher.running:
            self.pending = True
            return
        binding, augment, seed = dict(self.doc.dataset), self.spec(), self.seed
        self.watcher.start(
            lambda job: augmented_grid(training_images(binding), augment, ROWS, DRAWS, seed),
            "previewing the augmentation",
        )

    def _preview_done(self, job) -> None:
        if job.result is not None:
            self.grid = job.result
            self.preview.show_rgb(tile(as_rgb(job.result), 1 + DRAWS))
        else:
            self.grid = None
            self.preview.clear_image()
            self.message.setText(job.message())
        if self.pending:
            self.pending = False
            self.refresh()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self.dirty:
            self.refresh()


def install_augment(dashboard) -> AugmentPanel:
    """Add the Augmentation tab to the training dashboard (``dashboard.augment``)."""
    panel = AugmentPanel(dashboard.doc, dashboard.window.stack)
    dashboard.tabs.addTab(panel, "Augmentation")
    dashboard.augment = panel
    return panel
