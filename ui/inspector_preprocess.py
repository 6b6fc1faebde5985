"""The inspector's preprocessing rows: the statistics a run fitted and the project keeps
(``dataset.preprocess.fitted``), shown on the document's summary and on its data input."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QLabel

from graphlab.preprocess_store import stored_record, summary


def add_preprocessing_rows(form: QFormLayout, doc, nid: str | None = None) -> None:
    """Rows for the stored statistics (nothing for a node that is not the data input)."""
    if nid is not None and nid != doc.dataset.get("data_input"):
        return
    record = stored_record(doc.dataset)
    settings = doc.dataset.get("preprocess") or {}
    if record is None:
        if settings.get("center", "none") != "none" or settings.get("scale") is not None:
            note = QLabel("preprocessing: fitted on the training split when a run starts, then kept with the project", wordWrap=True)  # fmt: skip
            note.setEnabled(False)
            form.addRow(note)
        return
    form.addRow(QLabel("<b>preprocessing</b> (kept with the project)", textFormat=Qt.RichText))
    for key, text in summary(record).items():
        label = QLabel(text, wordWrap=True, textInteractionFlags=Qt.TextSelectableByMouse)
        label.setObjectName(f"preprocess:{key}")
        form.addRow(key, label)
