"""The question asked before a project's op code may run, with the code shown."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from ui.custom_op.code_editor import CodeEditor

QUESTION = "This project contains Python code written by someone."
RUN, OPEN_ONLY = "Run it", "Open without running"


class TrustDialog(QDialog):
    """Shows every op's code; accepted means "Run it". Without it the ops are placeholders:
    they keep their shapes and cannot run."""

    def __init__(self, parent: QWidget | None, where: str, definitions) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Run the code in {where}?")
        names = ", ".join(d.name for d in definitions)
        text = QLabel(
            f"<b>{QUESTION}</b><br>Its custom ops ({names}) run this code with your rights "
            "whenever the graph runs. Run it only if you trust who wrote it; opened without "
            "running, the ops keep their shapes but cannot run.",
            wordWrap=True,
        )
        self.code = CodeEditor()
        self.code.setReadOnly(True)
        self.code.setPlainText(
            "\n\n".join(f"# ---- op {d.name} ----\n{d.source}" for d in definitions)
        )
        buttons = QDialogButtonBox()
        self.run_button = buttons.addButton(RUN, QDialogButtonBox.AcceptRole)
        self.open_button = buttons.addButton(OPEN_ONLY, QDialogButtonBox.RejectRole)
        self.run_button.setAutoDefault(False)
        self.open_button.setDefault(True)  # the safe answer on Enter
        self.open_button.setFocus()
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(self.code, 1)
        layout.addWidget(buttons)
        self.resize(760, 560)
