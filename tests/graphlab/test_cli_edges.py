"""Every command at its edges: numbers checked at the door, outputs that only replace regular
files, results that say what they measured, descriptions that quote what training reaches."""

from __future__ import annotations

import json
import os
import re
import shlex
import stat
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graphlab.cli import build_parser, main
from graphlab.examples import list_examples

ROOT = Path(__file__).resolve().parents[2]

#: the fastest command line of each subcommand, and its numeric options
COMMANDS = {
    "run": (["run", "two-layer-net-spiral"], ["--seed", "--batch"]),
    "gradcheck": (
        ["gradcheck", "linear-softmax-spiral", "--max-checks", "3"],
        ["--seed", "--threshold", "--batch", "--max-checks"],
    ),
    "train": (
        ["train", "linear-softmax-spiral", "--epochs", "1"],
        ["--epochs", "--batch-size", "--lr", "--seed"],
    ),
    "knn": (
        ["knn", "--dataset", "spiral", "--k", "1,3", "--folds", "2"],
        ["--folds", "--test", "--seed", "--k"],
    ),
    "search": (
        ["search", "linear-softmax-spiral", "--trials", "1", "--epochs", "1"],
        ["--trials", "--epochs", "--seed", "--lr", "--reg", "--attr"],
    ),
}
CASES = [(name, option) for name, (_, options) in COMMANDS.items() for option in options]
#: options only parsed here (the window's): drawn by the hypothesis test
WINDOW = {"open": (["open", "cnn-digits"], ["--train", "--screenshot-at"])}
EDGES = ["0", "-1", str(2**63), str(2**70), "nan", "inf", "-inf", "1e-320", "", "abc", "1e3"]


def command(name: str, option: str, value: str) -> list[str]:
    base, _ = {**COMMANDS, **WINDOW}[name]
    if option in base:  # the option under test replaces the base's value
        i = base.index(option)
        base = base[:i] + base[i + 2 :]
    return [*base, f"{option}={value}"]


def status_of(argv: list[str], capsys) -> tuple[int, str]:
    try:
        status = main(argv)
    except SystemExit as exc:  # argparse refusing a value
        status = exc.code
    return status, capsys.readouterr().err


@pytest.mark.parametrize("value", EDGES)
@pytest.mark.parametrize(("name", "option"), CASES)
def test_numbers_at_and_past_their_limits_run_or_are_refused_naming_the_option(
    name, option, value, capsys, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    status, err = status_of(command(name, option, value), capsys)
    allowed = {0, 1, 2} if name == "gradcheck" else {0, 2}  # gradcheck: 1 = a row failed
    assert status in allowed, err
    assert "Traceback" not in err
    if status == 2:
        assert len(err.strip().splitlines()) == 1, err
        try:
            build_parser().parse_args(command(name, option, value))
        except SystemExit:  # refused at the door: the message names the option
            assert f"argument {option}:" in err, err
        else:  # accepted (a learning rate of 2^70), then the run's own refusal
            assert err.startswith("graphlab: error:"), err


def _accepted(option: str, value) -> bool:
    """What the parsed value of ``option`` may be."""
    if option == "--seed":
        return 0 <= value < 2**63
    if option == "--test":
        return 0 <= value < 1
    if option == "--screenshot-at":
        return 0 < value <= 1
    if option in ("--threshold", "--lr") and isinstance(value, float):
        return value > 0 and value != float("inf")
    if option == "--folds":
        return 2 <= value < 2**31
    if option == "--k":
        return all(1 <= k < 2**31 for k in value)
    if option in ("--lr", "--reg"):  # search's LO:HI, kept as text
        low, high = (float(part) for part in value.split(":"))
        return 0 < low <= high < float("inf")
    if option == "--attr":
        return bool(value[0])
    return 1 <= value < 2**31


VALUES = st.one_of(
    st.integers(-(2**70), 2**70).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.tuples(st.floats(), st.floats()).map(lambda p: f"{p[0]!r}:{p[1]!r}"),
    st.text(max_size=12),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    case=st.sampled_from([*CASES, ("open", "--train"), ("open", "--screenshot-at")]), value=VALUES
)
def test_drawn_values_parse_within_range_or_are_refused_naming_the_option(case, value):
    name, option = case
    argv = command(name, option, value)
    if option == "--attr":
        argv[-1] = f"--attr=node.attr={value}"
    from io import StringIO
    from unittest import mock

    err = StringIO()
    with mock.patch("sys.stderr", err):
        try:
            args = build_parser().parse_args(argv)
        except SystemExit as exc:
            assert exc.code == 2 and f"argument {option}:" in err.getvalue(), err.getvalue()
            return
    parsed = getattr(args, option.lstrip("-").replace("-", "_"))
    assert _accepted(option, parsed[-1] if option == "--attr" else parsed), (option, value)


def test_a_value_that_looks_like_an_option_is_explained(capsys):
    status, err = status_of(
        ["search", "two-layer-net-spiral", "--trials", "1", "--lr", "-1:1"], capsys
    )
    assert status == 2 and "--option=VALUE" in err
    status, err = status_of(
        ["search", "two-layer-net-spiral", "--trials", "1", "--lr=-1:1"], capsys
    )
    assert status == 2 and "0 < LO <= HI" in err
    with pytest.raises(SystemExit):
        main(["search", "--help"])
    assert "--option=VALUE" in capsys.readouterr().out


@pytest.mark.parametrize("kind", ["--torch", "--onnx", "--png"])
def test_exporting_onto_a_fifo_is_refused_and_leaves_the_fifo(kind, tmp_path, capsys):
    fifo = tmp_path / "out.py"
    os.mkfifo(fifo)
    status, err = status_of(["export", "cnn-digits", kind, str(fifo)], capsys)
    assert status == 2 and "not a regular file" in err
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.py"]


@pytest.mark.parametrize(
    "argv",
    [
        ["run", "two-layer-net-spiral", "--out", "{}"],
        ["train", "linear-softmax-spiral", "--epochs", "1", "--save", "{}"],
        ["train", "linear-softmax-spiral", "--epochs", "1", "--metrics", "{}"],
        ["open", "cnn-digits", "--screenshot", "{}"],
    ],
)
def test_every_writer_refuses_a_fifo_and_a_folder(argv, tmp_path, capsys):
    fifo = tmp_path / "target"
    os.mkfifo(fifo)
    for target, reason in ((fifo, "not a regular file"), (tmp_path, "it is a folder")):
        status, err = status_of([a.replace("{}", str(target)) for a in argv], capsys)
        assert status == 2 and reason in err and len(err.strip().splitlines()) == 1, err
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_gradcheck_that_compares_nothing_fails(tmp_path, capsys):
    """f = sum(relu(x)) at the stored x = 0 (not jittered): every element sits on the kink."""
    node = lambda nid, op, attrs: {"id": nid, "op": op, "attrs": attrs, "pos": [0.0, 0.0]}  # noqa: E731
    graph = {
        "format": "graphlab", "version": 1, "name": "kinks", "description": "relu at 0",
        "nodes": [node("x", "input", {"shape": [3]}), node("r", "relu", {}), node("s", "sum", {})],
        "edges": [{"from": "x", "to": "r", "port": "x"}, {"from": "r", "to": "s", "port": "x"}],
        "inputs": {"x": [0.0, 0.0, 0.0]},
    }  # fmt: skip
    path = tmp_path / "kinks.json"
    path.write_text(json.dumps(graph))
    status = main(["gradcheck", str(path)])
    out = capsys.readouterr().out
    assert status == 1 and "nothing checked" in out and "0 of 1 passed" in out, out


def test_gradcheck_checks_both_modes_where_they_differ(capsys):
    assert main(["gradcheck", "batchnorm-dropout-mlp", "--max-checks", "5"]) == 0
    out = capsys.readouterr().out
    modes = {line.split()[1] for line in out.splitlines()[2:] if line.startswith(("x ", "fc"))}
    assert modes == {"eval", "train"} and "eval and train mode" in out
    assert main(["gradcheck", "sigmoid-neuron"]) == 0
    out = capsys.readouterr().out
    assert {line.split()[1] for line in out.splitlines()[2:-1]} == {"eval"}


def test_a_search_trial_that_cannot_run_is_a_row_with_its_reason(capsys):
    argv = ["search", "cnn-digits", "--trials", "4", "--epochs", "1", "--attr", "conv1.stride=1:4"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    rows = out.splitlines()[2:-1]
    assert len(rows) == 4 and any("smaller than" in row for row in rows), out
    assert "ranked by validation accuracy" in out and "val acc" in out.splitlines()[0]


def test_the_readme_search_example_beats_chance_by_a_wide_margin(capsys):
    readme = (ROOT / "README.md").read_text()
    line = next(line for line in readme.splitlines() if line.startswith("graphlab search "))
    assert main(shlex.split(line)[1:]) == 0
    out = capsys.readouterr().out
    header, *rows = out.splitlines()[:-1]
    assert "val acc" not in header and "train acc" in header
    assert "ranked by training accuracy (no validation split)" in out
    best = float(rows[1].split()[header.split().index("train")].rstrip("%"))
    assert best > 2 * 100 / 3  # twice chance on three classes


def test_a_batch_above_the_data_says_it_is_all_of_it(capsys):
    argv = ["train", "linear-softmax-spiral", "--epochs", "2", "--batch-size", "1000000"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "batch 1000000: all 300 samples" in out and "done: 2 steps" in out


def test_knn_without_a_test_split_says_so(capsys):
    assert main(["knn", "--dataset", "spiral", "--k", "1,3", "--test", "0"]) == 0
    assert "no held-out test samples" in capsys.readouterr().out


QUOTED = re.compile(r"reaches about (\d+)% (training|validation) accuracy")
#: cnn-digits (~20 s) and two-layer-net-spiral (~20 s) are too slow to train in the suite
FAST = ["linear-svm-spiral", "linear-softmax-spiral", "batchnorm-dropout-mlp", "deep-relu",
        "deep-sigmoid"]  # fmt: skip


def test_every_trainable_example_quotes_what_training_reaches():
    trained = {"batchnorm-dropout-mlp", "cnn-digits", "deep-relu", "deep-sigmoid",
               "linear-softmax-spiral", "linear-svm-spiral", "two-layer-net-spiral"}  # fmt: skip
    quoting = {name for name, text in list_examples() if QUOTED.search(text)}
    assert quoting == trained


@pytest.mark.parametrize("name", FAST)
def test_the_quoted_accuracy_is_what_graphlab_train_reaches(name, capsys):
    text = dict(list_examples())[name]
    figure, split = QUOTED.search(text).groups()
    assert main(["train", name]) == 0
    out = capsys.readouterr().out
    reached = float(
        re.search(rf"{'train' if split == 'training' else split} accuracy ([\d.]+)", out)[1]
    )
    assert abs(100 * reached - int(figure)) <= 1.5, out


def test_lbfgs_progress_counts_one_full_batch_step_per_epoch(capsys):
    argv = ["train", "linear-softmax-spiral", "--optimizer", "lbfgs", "--epochs", "3"]
    assert main([*argv, "--batch-size", "10"]) == 0
    captured = capsys.readouterr()
    counts = re.findall(r"epoch \d+: (\d+)/(\d+) steps", captured.err)
    assert counts == [("1", "3"), ("2", "3"), ("3", "3")], captured.err
    assert "done: 3 steps" in captured.out
