"""Cases for batchnorm and dropout.

Batchnorm in evaluation mode starts from the engine's initial running averages (mean 0,
variance 1); tests/engine/test_batchnorm_dropout.py covers other running averages. Dropout has
no PyTorch reference (its random masks differ); the harness seeds it the same way at every
evaluation, so its gradient check still holds.
"""

import numpy as np

from tests.engine.cases import OpCase, rand

rng = np.random.default_rng(3)


def _batchnorm_train(t, x, gamma, beta, eps=1e-5, momentum=0.9):
    return t.nn.functional.batch_norm(x, None, None, gamma, beta, training=True, eps=eps)


def _batchnorm_eval(t, x, gamma, beta, eps=1e-5, momentum=0.9):
    channels = x.shape[1]
    mean, var = t.zeros(channels, dtype=x.dtype), t.ones(channels, dtype=x.dtype)
    return t.nn.functional.batch_norm(x, mean, var, gamma, beta, training=False, eps=eps)


def _batchnorm_inputs(*shape):
    channels = shape[1]
    return {
        "x": rand(rng, *shape, low=-3.0, high=5.0),
        "gamma": rand(rng, channels, low=0.5, high=2.0),
        "beta": rand(rng, channels),
    }


CASES = [
    OpCase("batchnorm", _batchnorm_inputs(5, 4), torch=_batchnorm_train, train=True, label="train"),
    OpCase(
        "batchnorm",
        _batchnorm_inputs(3, 3, 2, 5),
        {"eps": 1e-3, "momentum": 0.5},
        _batchnorm_train,
        train=True,
        label="train-spatial-odd",
    ),
    OpCase(
        "batchnorm",
        _batchnorm_inputs(1, 2, 3, 3),
        torch=_batchnorm_train,
        train=True,
        label="train-spatial-batch1",
    ),
    OpCase("batchnorm", _batchnorm_inputs(1, 4), torch=_batchnorm_eval, label="eval-batch1"),
    OpCase("batchnorm", _batchnorm_inputs(2, 3, 3, 1), torch=_batchnorm_eval, label="eval-spatial"),
    OpCase("dropout", {"x": rand(rng, 4, 5)}, train=True, label="train"),
    OpCase("dropout", {"x": rand(rng, 2, 3, 3, 5)}, {"p": 0.8}, train=True, label="train-odd"),
    OpCase("dropout", {"x": rand(rng, 1, 5)}, {"p": 1.0}, train=True, label="keep-all-batch1"),
    OpCase("dropout", {"x": rand(rng, 3, 4)}, {"p": 0.3}, label="eval"),
]
