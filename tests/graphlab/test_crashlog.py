"""The unexpected-error policy: a GraphLabError's own words; anything else logged with its traceback."""

from engine.errors import DatasetError
from graphlab.crashlog import failure_message


def _raise(exc):
    try:
        raise exc
    except Exception as caught:
        return caught


def test_expected_errors_keep_their_message(tmp_path, monkeypatch):
    monkeypatch.setenv("GRAPHLAB_LOG_DIR", str(tmp_path))
    assert failure_message(_raise(DatasetError("labels must be integers")), "loading") == (
        "labels must be integers"
    )
    assert not (tmp_path / "graphlab-errors.log").exists()


def test_unexpected_errors_are_logged_with_their_traceback(tmp_path, monkeypatch):
    monkeypatch.setenv("GRAPHLAB_LOG_DIR", str(tmp_path))
    message = failure_message(_raise(KeyError("w1")), "running kNN")
    log = (tmp_path / "graphlab-errors.log").read_text()
    assert message.startswith("unexpected error while running kNN: KeyError: 'w1'")
    assert str(tmp_path / "graphlab-errors.log") in message
    assert "Traceback" in log and "while running kNN" in log and "\n" not in message


def test_an_unwritable_log_still_gives_a_sentence(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("GRAPHLAB_LOG_DIR", str(blocker / "sub"))
    message = failure_message(_raise(ValueError("bad")), "saving")
    assert "could not be written" in message
