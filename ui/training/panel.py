"""The training panel's controls: dataset (with a preview and the class balance), split, batch
size, epochs, optimizer and its settings, schedule, device; Start, Pause/Resume, Stop, Reset;
a progress bar with steps per second and time left, and a message line for errors.

The settings (with the chosen dataset and its split) are the document's: each finished edit
is one undoable ``SetTraining`` command, and the fields show the document's settings again
whenever they change (undo, open)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from engine.backend import cuda_description, cuda_unavailable_reason
from engine.errors import GraphLabError
from engine.optim import optimizer_class, optimizer_names
from engine.schedules import SCHEDULES, schedule_class
from graphlab.changes import ChangeKind
from graphlab.datasets import FORMATS, builtin_datasets, dataset_formats
from graphlab.document import GraphDocument
from graphlab.training import training_settings
from ui.commands import SetTraining
from ui.training.attr_form import AttrForm
from ui.training.preview import DatasetPreview

DOCUMENT_DATASET = "(the graph's dataset)"
#: file formats whose path is picked as a folder (CIFAR-10: the extracted batches' folder)
FOLDER_FORMATS = ("folder", "cifar10")


class TrainingPanel(QWidget):
    """Controls: the settings are ``doc``'s (edits pushed on ``stack``); the dashboard reads
    :meth:`overrides` and reacts to the signals."""

    startClicked = Signal()
    pauseToggled = Signal(bool)
    stopClicked = Signal()
    resetClicked = Signal()
    datasetChanged = Signal()

    def __init__(self, doc: GraphDocument | None = None, stack=None) -> None:
        super().__init__()
        self.doc, self.stack, self._showing = doc, stack, False
        layout = QVBoxLayout(self)
        data = QGroupBox("Data")
        form = QFormLayout(data)
        self.dataset = QComboBox()
        self.dataset.addItem(DOCUMENT_DATASET, None)
        for name, description in builtin_datasets():
            self.dataset.addItem(name, {"name": name})
            self.dataset.setItemData(self.dataset.count() - 1, description, 3)  # tooltip
        for fmt, description in dataset_formats():
            self.dataset.addItem(f"{fmt} file...", {"format": fmt})
            self.dataset.setItemData(self.dataset.count() - 1, description, 3)
        self.dataset.activated.connect(self._dataset_chosen)
        self.file_spec: dict | None = None
        #: spec -> the dataset binding keys to set when it is chosen (the dashboard's)
        self.binder = None
        form.addRow("Dataset", self.dataset)
        self.preview = DatasetPreview()
        form.addRow(self.preview)
        self.val = self._fraction(0.1)
        self.test = self._fraction(0.1)
        split = QHBoxLayout()
        for label, box in (("val", self.val), ("test", self.test)):
            split.addWidget(QLabel(label))
            split.addWidget(box)
        form.addRow("Split", split)
        layout.addWidget(data)

        train = QGroupBox("Training")
        form = QFormLayout(train)
        self.batch_size = self._spin(1, 1 << 16, 64)
        self.epochs = self._spin(1, 1_000_000, 10)
        self.lr = QLineEdit("0.001")
        self.optimizer = QComboBox()
        self.optimizer.addItems(list(optimizer_names()))
        self.optimizer_form = AttrForm()
        self.optimizer.currentTextChanged.connect(
            lambda name: self.optimizer_form.set_attrs(optimizer_class(name).settings)
        )
        self.schedule = QComboBox()
        self.schedule.addItems(list(SCHEDULES))
        self.schedule_form = AttrForm()
        self.schedule.currentTextChanged.connect(
            lambda name: self.schedule_form.set_attrs(schedule_class(name).settings)
        )
        self.device = QComboBox()
        self.device.addItem("CPU", "cpu")
        self.device.addItem(cuda_description(), "cuda")
        self.device.activated.connect(self._device_chosen)
        for label, widget in (
            ("Batch size", self.batch_size), ("Epochs", self.epochs), ("Learning rate", self.lr),
            ("Optimizer", self.optimizer), ("", self.optimizer_form),
            ("Schedule", self.schedule), ("", self.schedule_form), ("Device", self.device),
        ):  # fmt: skip
            form.addRow(label, widget)
        layout.addWidget(train)

        buttons = QHBoxLayout()
        self.start_button = QPushButton("Start")
        self.pause_button = QPushButton("Pause")
        self.pause_button.setCheckable(True)
        self.stop_button = QPushButton("Stop")
        self.reset_button = QPushButton("Reset")
        self.reset_button.setToolTip("Reset the parameters to fresh initial values")
        for button in (self.start_button, self.pause_button, self.stop_button, self.reset_button):
            buttons.addWidget(button)
        self.sanity_button = QPushButton("Checks")  # opens the sanity checks (ui/course)
        buttons.addWidget(self.sanity_button)
        self.start_button.clicked.connect(self.startClicked)
        self.pause_button.toggled.connect(self._pause_toggled)
        self.stop_button.clicked.connect(self.stopClicked)
        self.reset_button.clicked.connect(self.resetClicked)
        self.progress = QProgressBar()
        self.progress.setTextVisible(False)  # with text, setValue repaints at once
        self.speed = QLabel("")
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #c0392b;")
        self.message.hide()  # until there is something to say
        # the buttons, progress and messages first: the dashboard keeps them in view above
        # the scrolling settings (a fixed header)
        self.header = QWidget()
        header = QVBoxLayout(self.header)
        header.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(self.progress, 1)
        buttons.addWidget(self.speed)
        header.addLayout(buttons)
        header.addWidget(self.message)
        layout.insertWidget(0, self.header)
        layout.addStretch(1)
        self.set_running(False)
        for signal in (
            self.batch_size.valueChanged, self.epochs.valueChanged, self.lr.editingFinished,
            self.optimizer.activated, self.optimizer_form.edited, self.schedule.activated,
            self.schedule_form.edited, self.val.valueChanged, self.test.valueChanged,
        ):  # fmt: skip
            signal.connect(self._settings_edited)
        if doc is not None:
            kinds = {ChangeKind.TRAINING_CHANGED, ChangeKind.DATASET_CHANGED}
            doc.subscribe(self._document_changed, kinds)

    @staticmethod
    def _spin(low: int, high: int, value: int) -> QSpinBox:
        box = QSpinBox()
        box.setRange(low, high)
        box.setValue(value)
        box.setKeyboardTracking(False)  # typed numbers count when finished
        return box

    @staticmethod
    def _fraction(value: float) -> QDoubleSpinBox:
        box = QDoubleSpinBox()
        box.setKeyboardTracking(False)
        box.setRange(0.0, 0.9)
        box.setSingleStep(0.05)
        box.setValue(value)
        return box

    # -- settings -----------------------------------------------------------------------

    def load(self, training: dict, binding: dict) -> None:
        """Show a document's training settings and dataset split (and its own dataset)."""
        self.show_settings(training, binding)
        self.dataset.setCurrentIndex(0)

    def show_settings(self, training: dict, binding: dict) -> None:
        """Show training settings and a dataset split (not the user's edits)."""
        self._showing = True
        try:
            self._show_settings(training, binding)
        finally:
            self._showing = False

    def _show_settings(self, training: dict, binding: dict) -> None:
        self.batch_size.setValue(int(training.get("batch_size", 64)))
        self.epochs.setValue(int(training.get("epochs", 10)))
        self.lr.setText(f"{training.get('lr', 1e-3):g}")
        self.optimizer.setCurrentText(training.get("optimizer", "adam"))
        self.optimizer_form.set_attrs(
            optimizer_class(self.optimizer.currentText()).settings,
            training.get("optimizer_settings"),
        )
        schedule = training.get("schedule", {"name": "constant"})
        schedule = {"name": schedule} if isinstance(schedule, str) else dict(schedule)
        self.schedule.setCurrentText(schedule.get("name", "constant"))
        self.schedule_form.set_attrs(schedule_class(self.schedule.currentText()).settings, schedule)
        split = binding.get("split", {})
        self.val.setValue(float(split.get("val", 0.1)))
        self.test.setValue(float(split.get("test", 0.1)))

    def _document_changed(self, _change) -> None:
        chosen = self.dataset_spec()
        if chosen is not None and chosen != self.doc.dataset.get("spec"):
            self.dataset.setCurrentIndex(0)  # undone: the graph's dataset again
        try:
            self.show_settings(training_settings(self.doc), self.doc.dataset)
        except GraphLabError as exc:
            self.show_message(str(exc))

    def _settings_edited(self) -> None:
        """A finished edit: the document's settings become the fields' (one undo step)."""
        if self.doc is None or self._showing:
            return
        try:
            overrides = self.overrides()
        except ValueError as exc:
            self.show_message(str(exc))
            return
        changed = {k: v for k, v in overrides.items() if self.doc.training.get(k) != v}
        binding = self.doc.dataset
        split = {**binding.get("split", {}), **self.split()} if binding else None
        dataset = {"split": split} if split is not None and split != binding.get("split") else {}
        if changed or dataset:
            self.stack.push(SetTraining(self.doc, changed, dataset))

    def overrides(self) -> dict:
        """The training settings as ``prepare_training`` overrides; ValueError when one is bad."""
        try:
            lr = float(self.lr.text())
        except ValueError:
            raise ValueError(f"learning rate: {self.lr.text()!r} is not a number") from None
        return {
            "batch_size": self.batch_size.value(),
            "epochs": self.epochs.value(),
            "lr": lr,
            "optimizer": self.optimizer.currentText(),
            "optimizer_settings": self.optimizer_form.values(),
            "schedule": {"name": self.schedule.currentText(), **self.schedule_form.values()},
        }

    def dataset_spec(self) -> dict | None:
        """The chosen dataset spec, or None for the graph's own."""
        return self.file_spec if self.dataset.currentData() and "format" in (
            self.dataset.currentData()
        ) else self.dataset.currentData()  # fmt: skip

    def split(self) -> dict:
        return {"val": self.val.value(), "test": self.test.value()}

    @property
    def device_name(self) -> str:
        return self.device.currentData()

    # -- reactions ----------------------------------------------------------------------

    def _dataset_chosen(self, index: int) -> None:
        spec = self.dataset.itemData(index)
        if spec and "format" in spec:
            self.file_spec = self._ask_files(spec["format"])
            if self.file_spec is None:
                self.dataset.setCurrentIndex(0)
        chosen = self.dataset_spec()
        if self.doc is not None and chosen is not None and chosen != self.doc.dataset.get("spec"):
            try:  # a graph without a bound input (an imported model) gets one bound too
                binding = self.binder(chosen) if self.binder else {"spec": chosen}
            except GraphLabError as exc:
                self.dataset.setCurrentIndex(0)
                self.show_message(str(exc))
                return
            self.stack.push(SetTraining(self.doc, {}, binding))
        self.datasetChanged.emit()

    def _ask_files(self, fmt: str) -> dict | None:
        """A file dialog per path of format ``fmt`` (a folder dialog for FOLDER_FORMATS);
        None when one is cancelled."""
        spec = {"format": fmt}
        for key in FORMATS[fmt].paths:
            title = f"{fmt}: {key}"
            if fmt in FOLDER_FORMATS:
                path = QFileDialog.getExistingDirectory(self, title)
            else:
                path, _ = QFileDialog.getOpenFileName(self, title)
            if not path:
                return None
            spec[key] = path
        return spec

    def _device_chosen(self, index: int) -> None:
        """CUDA without cupy or a GPU: say so in one sentence and keep the CPU."""
        if self.device.itemData(index) == "cuda":
            reason = cuda_unavailable_reason()
            if reason is not None:
                self.device.setCurrentIndex(0)
                self.show_message(reason)

    def _pause_toggled(self, paused: bool) -> None:
        self.pause_button.setText("Resume" if paused else "Pause")
        self.pauseToggled.emit(paused)

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def set_running(self, running: bool) -> None:
        self.start_button.setEnabled(not running)
        self.reset_button.setEnabled(not running)
        self.pause_button.setEnabled(running)
        self.stop_button.setEnabled(running)
        if not running:
            self.pause_button.blockSignals(True)
            self.pause_button.setChecked(False)
            self.pause_button.setText("Pause")
            self.pause_button.blockSignals(False)

    def show_progress(self, done: int, total: int, elapsed: float) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(min(done, total))
        rate = done / elapsed if elapsed > 0 else 0.0
        left = (total - done) / rate if rate > 0 else float("nan")
        left_text = f"{left:.0f} s left" if left == left else "time left unknown"
        self.speed.setText(f"{done}/{total} steps, {rate:.1f} steps/s, {left_text}")
