"""File > Export and File > Import: ONNX, PyTorch, PNG and SVG out; ONNX in."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox

from engine.errors import GraphLabError

#: menu text -> (file filter, default suffix)
EXPORTS = {
    "ONNX model...": ("ONNX model (*.onnx)", ".onnx"),
    "PyTorch module...": ("Python file (*.py)", ".py"),
    "Picture (PNG)...": ("PNG image (*.png)", ".png"),
    "Picture with parameters (PNG)...": ("PNG image (*.png)", ".png"),
    "Picture (SVG)...": ("SVG drawing (*.svg)", ".svg"),
}


class ExportMenu:
    """Adds Export and Import submenus to ``file_menu`` of ``window`` (a MainWindow)."""

    def __init__(self, window, file_menu: QMenu) -> None:
        self.window = window
        export_menu, guard = file_menu.addMenu("E&xport"), window.guard
        for text in EXPORTS:
            guard.trigger(
                export_menu.addAction(text),
                lambda t=text: self.export(t),
                f"Export {text.rstrip('.')}",
            )
        import_menu = file_menu.addMenu("&Import")
        guard.trigger(import_menu.addAction("ONNX model..."), self.import_onnx, "Import ONNX")

    def export(self, kind: str, path: str | None = None) -> bool:
        """Export the document (or picture of the canvas) as ``kind``; asks for a file unless given."""
        file_filter, suffix = EXPORTS[kind]
        if path is None:
            start = str(Path(self.window.files.display_name()).with_suffix(suffix))
            path, _ = QFileDialog.getSaveFileName(
                self.window, f"Export {kind.rstrip('.')}", start, file_filter
            )
            if not path:
                return False
        try:
            note = self._write(suffix, Path(path), params="parameters" in kind)
        except GraphLabError as exc:
            QMessageBox.critical(self.window, "Cannot export", str(exc))
            return False
        message = f"Exported {path}" + (f" ({note})" if note else "")
        self.window.statusBar().showMessage(message, 15000 if note else 5000)
        return True

    def _write(self, suffix: str, path: Path, params: bool = False) -> str:
        """Write ``path`` (a PNG carries the graph, with ``params`` its parameters too); a note
        for the status bar ('' or how a picture was scaled down)."""
        from graphlab.export import export_onnx, export_torch
        from ui.canvas_export import export_png, export_svg

        doc, scene = self.window.doc, self.window.scene
        if suffix == ".onnx":
            export_onnx(doc, path)
        elif suffix == ".py":
            export_torch(doc, path)
        elif suffix == ".png":
            return export_png(scene, path, params=params).note()
        else:
            export_svg(scene, path)
        return ""

    def import_onnx(self, path: str | None = None) -> bool:
        """Open an ONNX model as a new, unnamed document (asking to save the current one)."""
        from graphlab.export import import_onnx

        if path is None:
            path, _ = QFileDialog.getOpenFileName(
                self.window, "Import ONNX model", "", "ONNX model (*.onnx)"
            )
            if not path:
                return False
        # (opening fits the view: MainWindow follows files.opened)
        return self.window.files.open_unnamed(lambda: import_onnx(path), "Cannot import", True)
