"""The divergence rule: NaN/inf, growth past ratio x the first loss, or past the limit."""

import math

import pytest

from engine.divergence import DivergenceRule
from engine.errors import TrainingError
from graphlab.examples import open_graph
from graphlab.training import prepare_training


def test_the_rule_names_what_diverged():
    rule = DivergenceRule()
    assert rule.reason(2.3) is None and rule.first == 2.3
    assert rule.reason(2.3e4) is None  # 1e4 x 2.3 is 2.3e4: not yet past it
    assert "more than 10000 times its first value 2.3" in rule.reason(2.4e4)
    assert "above the limit of 1e+06" in DivergenceRule(ratio=1e9).reason(2e6)
    assert "the loss is nan" in rule.reason(math.nan)
    small = DivergenceRule()
    small.reason(1e-6)
    assert small.reason(0.5) is None  # a loss starting near 0 may wobble below 1


def test_settings_are_checked():
    assert DivergenceRule.from_settings({"limit": 10}).limit == 10
    with pytest.raises(TrainingError, match="unknown key 'limt'"):
        DivergenceRule.from_settings({"limt": 10})
    with pytest.raises(TrainingError, match="divergence.ratio': expected a positive number"):
        DivergenceRule.from_settings({"ratio": -1})


def test_a_normal_run_never_triggers_it_and_the_limit_is_a_setting():
    doc = open_graph("cnn-digits")
    run = prepare_training(doc, {"epochs": 2})
    history = run.trainer.run()
    assert len(history.losses) == 2 * 20 and history.losses[-1] < history.losses[0]
    doc.training["divergence"] = {"limit": 1.0}  # the first loss (about 2.3) is already above
    with pytest.raises(TrainingError, match=r"step 1 \(epoch 1\): the loss grew to .*limit of 1;"):
        prepare_training(doc, {"epochs": 1}).trainer.run()
