"""File > Import weights...: the checkpoint's weights and run come in as one undo step."""

import pytest
import torch
from PySide6.QtWidgets import QFileDialog, QMessageBox

from engine.backend import to_numpy
from graphlab.training.runs import saved_runs
from tests.ui.test_main_window import isolated_settings, make_window  # noqa: F401

METRICS = "epoch,step,loss,lr,train_acc,val_acc\r\n1,1,2.3,0.003,,\r\n1,2,2.1,0.003,0.4,0.35\r\n"


@pytest.fixture
def window(qtbot, isolated_settings, monkeypatch):  # noqa: F811
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: QMessageBox.Discard)
    return make_window(qtbot, "cnn-digits")


def menu_action(window, text):
    file_menu = window.menuBar().actions()[0].menu()
    return next(a for a in file_menu.actions() if a.text() == text)


def test_import_weights_from_the_file_menu_is_one_undo_step(window, tmp_path, monkeypatch):
    params = {k: to_numpy(v) for k, v in window.doc.compile(seed=7).params.items()}
    torch.save({k: torch.from_numpy(v) for k, v in params.items()}, tmp_path / "model.pt")
    (tmp_path / "metrics.csv").write_text(METRICS, newline="")
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        lambda *args: (str(tmp_path / "model.pt"), ""))  # fmt: skip
    before_params, before_runs = dict(window.doc.params), len(saved_runs(window.doc.training))
    count = window.stack.count()
    menu_action(window, "Import &weights...").trigger()
    assert window.stack.count() == count + 1
    for name, value in params.items():
        assert window.doc.params[name].tobytes() == value.tobytes()
    runs = saved_runs(window.doc.training)
    assert len(runs) == before_runs + 1 and runs[-1].latest["val_acc"] == pytest.approx(0.35)
    box = window.import_report
    assert "Took 6 arrays from model.pt" in box.text()
    assert "took fc_W (128, 10) from fc_W (by name)" in box.informativeText()
    assert "run 'imported model.pt' (2 steps) added from metrics.csv" in box.informativeText()
    box.grab().save(str(tmp_path / "report.png"))
    window.stack.undo()
    assert set(window.doc.params) == set(before_params)
    assert len(saved_runs(window.doc.training)) == before_runs
    window.stack.redo()
    assert window.doc.params["conv1_W"].tobytes() == params["conv1_W"].tobytes()


def test_a_bad_file_is_one_sentence_and_changes_nothing(window, tmp_path, monkeypatch):
    (tmp_path / "notes.pt").write_text("not weights")
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        lambda *args: (str(tmp_path / "notes.pt"), ""))  # fmt: skip
    count, before = window.stack.count(), {k: v.tobytes() for k, v in window.doc.params.items()}
    menu_action(window, "Import &weights...").trigger()
    assert window.stack.count() == count
    assert "not a PyTorch checkpoint" in window.guard.dialog.text()
    window.guard.dialog.close()
    wrong = {"conv1_W": torch.zeros(3, 3)}
    torch.save(wrong, tmp_path / "wrong.pt")
    with pytest.raises(Exception, match="parameter conv1_W"):
        from ui.import_weights import import_weights

        import_weights(window, str(tmp_path / "wrong.pt"))
    assert {k: v.tobytes() for k, v in window.doc.params.items()} == before
    assert window.stack.count() == count


def test_the_gallery_shows_the_zoo_and_opens_a_trained_model(window, qtbot):
    from PySide6.QtCore import Qt

    panel = window.examples
    names = panel.names()
    assert names[-3:] == ["zoo/cnn-digits", "zoo/cnn-mnist", "zoo/cnn-mnist-0to4"]
    window.docks["examples"].raise_()
    panel.setCurrentRow(names.index("zoo/cnn-mnist"))
    qtbot.keyClick(panel, Qt.Key_Return)
    assert window.doc.name == "cnn-mnist" and window.doc.params["fc_W"].shape == (784, 10)
