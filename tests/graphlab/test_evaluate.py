"""graphlab evaluate and ensemble: accuracy on the test split, ensembles as the mean of the
members' softmax probabilities, snapshots and running averages of the parameters."""

import json

import numpy as np
import pytest

from engine.backend import to_numpy
from engine.errors import GraphLabError
from engine.trainer import find_scores
from graphlab.binding import bound_data
from graphlab.cli import main
from graphlab.ensemble import train_ensemble, train_member
from graphlab.evaluate import evaluate_documents
from graphlab.examples import open_graph
from graphlab.fileformat import save_document


@pytest.fixture(scope="module")
def two_members():
    """Two cnn-digits members trained for one epoch with seeds 0 and 1."""
    docs, _ = train_ensemble(open_graph("cnn-digits"), 2, seed=0, epochs=1)
    return docs


def softmax_on_test(doc) -> tuple[np.ndarray, np.ndarray]:
    """(N, K) softmax of the scores node on the test split, computed here; labels (N,)."""
    data = bound_data(doc)
    graph = doc.compile()
    test = data.splits.test
    graph.forward({data.data_input: test.X, data.label_input: test.y}, train=False)
    scores = to_numpy(graph.values[find_scores(graph, doc.loss_node(graph))]).astype(np.float64)
    exp = np.exp(scores - scores.max(axis=1, keepdims=True))
    return exp / exp.sum(axis=1, keepdims=True), test.y


def test_evaluate_of_an_ensemble_is_the_mean_of_the_members_softmax(two_members, tmp_path, capsys):
    paths = []
    for i, doc in enumerate(two_members):
        paths.append(str(tmp_path / f"m{i}.graphlab"))
        save_document(doc, paths[-1])
    assert main(["evaluate", *paths, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    (p0, y), (p1, _) = softmax_on_test(two_members[0]), softmax_on_test(two_members[1])
    assert not np.array_equal(p0, p1)  # two different models
    mean = np.mean([p0, p1], axis=0)
    assert [m["project"] for m in report["members"]] == paths
    assert report["members"][0]["accuracy"] == float(np.mean(p0.argmax(1) == y))
    assert report["members"][1]["accuracy"] == float(np.mean(p1.argmax(1) == y))
    assert report["ensemble"]["accuracy"] == float(np.mean(mean.argmax(1) == y))
    ensemble = evaluate_documents(two_members).ensemble
    np.testing.assert_array_equal(ensemble.probabilities, mean)
    confusion = np.array(report["ensemble"]["confusion"])
    assert confusion.sum() == len(y) and np.trace(confusion) == np.sum(mean.argmax(1) == y)


def test_evaluate_of_one_project_has_no_ensemble(two_members, tmp_path, capsys):
    path = tmp_path / "one.graphlab"
    save_document(two_members[0], path)
    assert main(["evaluate", str(path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert "ensemble" not in report and len(report["members"]) == 1
    assert set(report["members"][0]["per_class"]) == set("0123456789")
    assert main(["evaluate", str(path)]) == 0
    text = capsys.readouterr().out
    assert "confusion matrix" in text and "ensemble" not in text


def test_ensemble_refuses_members_on_different_test_splits(two_members, tmp_path, capsys):
    other = two_members[1].snapshot()
    other.dataset = {**other.dataset, "split": {"val": 0.2, "test": 0.1, "seed": 5}}
    paths = [str(tmp_path / "a.graphlab"), str(tmp_path / "b.graphlab")]
    save_document(two_members[0], paths[0])
    save_document(other, paths[1])
    assert main(["evaluate", *paths]) == 2
    err = capsys.readouterr().err
    assert "not evaluated on the same test split" in err and len(err.splitlines()) == 1


def test_evaluate_without_a_test_split_is_one_sentence(capsys):
    assert main(["evaluate", "linear-softmax-spiral"]) == 2
    assert "no test split" in capsys.readouterr().err


def test_snapshots_are_the_last_epochs_of_one_run():
    doc = open_graph("linear-softmax-mnist")
    snaps = train_member(doc, seed=3, epochs=3, snapshots=2)
    [(last, plain)] = train_member(doc, seed=3, epochs=3)
    assert [epoch for epoch, _ in snaps] == [2, 3] and last == 3
    for key, value in plain.params.items():
        np.testing.assert_array_equal(snaps[1][1].params[key], value)
    assert not np.array_equal(snaps[0][1].params["fc_W"], plain.params["fc_W"])
    with pytest.raises(GraphLabError, match="--snapshots 4"):
        train_member(doc, seed=3, epochs=3, snapshots=4)


def test_running_average_of_the_parameters():
    doc = open_graph("linear-softmax-mnist")
    [(_, plain)] = train_member(doc, seed=0, epochs=1)
    [(_, near)] = train_member(doc, seed=0, epochs=1, average=1e-9)  # follows the last values
    [(_, slow)] = train_member(doc, seed=0, epochs=1, average=0.99)
    np.testing.assert_allclose(near.params["fc_W"], plain.params["fc_W"], atol=1e-6)
    gap = np.abs(slow.params["fc_W"] - plain.params["fc_W"]).max()
    assert gap > 1e-3  # the average lags behind the trained values


def test_five_cnn_digits_seeds_ensemble_beats_the_median_member():
    docs, names = train_ensemble(open_graph("cnn-digits"), 5, seed=0, epochs=4)
    report = evaluate_documents(docs, names)
    accuracies = [m.accuracy for m in report.members]
    assert len(set(names)) == 5
    assert report.ensemble.accuracy >= np.median(accuracies), (accuracies, report.ensemble)
