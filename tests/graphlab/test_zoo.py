"""The model zoo: every card's test accuracy re-measured, the listing, zoo/NAME as a GRAPH,
mnist-5k's class filter, and the transfer example against training from scratch."""

import json

import numpy as np
import pytest

from graphlab.cli import main
from graphlab.datasets import load_dataset
from graphlab.zoo import ZOO_DIR, zoo_entries, zoo_models

REQUIRED = {"dataset", "split", "epochs", "seed", "accuracy", "command"}


def test_the_zoo_holds_the_promised_models_each_small_with_a_card():
    names = [m.name for m in zoo_models()]
    assert {"cnn-digits", "cnn-mnist", "cnn-mnist-0to4"} <= set(names)
    for model in zoo_models():
        assert set(model.info) >= REQUIRED, model.name
        assert model.info["command"].startswith("graphlab train ")
        assert model.info["command"].endswith(f"--save {model.name}.graphlab")
        assert model.path.stat().st_size < 200_000
    assert [name for name, _ in zoo_entries()] == [f"zoo/{n}" for n in names]


@pytest.mark.parametrize("name", ["cnn-digits", "cnn-mnist", "cnn-mnist-0to4"])
def test_each_card_accuracy_is_what_evaluate_measures(name, capsys):
    card = json.loads((ZOO_DIR / f"{name}.card.json").read_text())
    capsys.readouterr()
    assert main(["evaluate", f"zoo/{name}", "--json"]) == 0
    measured = json.loads(capsys.readouterr().out)["members"][0]
    assert abs(measured["accuracy"] - card["accuracy"]) <= 0.005
    assert sum(map(sum, measured["confusion"])) == card["test_samples"]


def test_graphlab_zoo_lists_and_shows_cards(capsys):
    assert main(["zoo"]) == 0
    out = capsys.readouterr().out
    assert "zoo/cnn-mnist-0to4  mnist-5k digits [0, 1, 2, 3, 4]" in out
    assert main(["zoo", "--card", "cnn-mnist"]) == 0
    assert (
        'command: "graphlab train cnn-mnist --save cnn-mnist.graphlab"' in capsys.readouterr().out
    )
    assert main(["zoo", "--card", "resnet"]) == 2


def test_mnist_5k_keeps_only_the_classes_asked_for():
    part = load_dataset({"name": "mnist-5k", "classes": [0, 1, 2, 3, 4]})
    assert part.X.shape == (2500, 1, 28, 28) and part.class_names == tuple("0123456789")
    np.testing.assert_array_equal(np.bincount(part.y), [500] * 5)
    whole = load_dataset({"name": "mnist-5k"})
    np.testing.assert_array_equal(part.X, whole.X[whole.y < 5])


def test_transfer_from_the_zoo_beats_training_from_scratch_on_250_images():
    from graphlab.transfer import run_transfer

    result = run_transfer(epochs=15)
    print(f"transfer {result.transfer:.4f}, scratch {result.scratch:.4f}")
    assert (result.train_samples, result.test_samples) == (250, 2250)
    assert result.transfer > result.scratch + 0.005  # measured: 0.9431 against 0.9249
    assert result.transfer > 0.9
