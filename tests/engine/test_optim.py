"""Optimizers: parity with torch.optim over five steps, freezing, partial gradients, L-BFGS."""

from __future__ import annotations

import numpy as np
import pytest

from engine.errors import GraphLabError
from engine.lbfgs import LBFGS
from engine.optim import (
    SGD,
    Adam,
    make_optimizer,
    optimizer_class,
    optimizer_names,
)

SHAPES = {"W1": (4, 3), "b1": (3,), "W2": (3, 2, 2), "s": ()}

# (our name, our settings, torch class name, torch settings)
PARITY = [
    ("sgd", {"lr": 0.1}, "SGD", {"lr": 0.1}),
    ("momentum", {"lr": 0.05, "momentum": 0.9}, "SGD", {"lr": 0.05, "momentum": 0.9}),
    (
        "nesterov",
        {"lr": 0.05, "momentum": 0.8},
        "SGD",
        {"lr": 0.05, "momentum": 0.8, "nesterov": True},
    ),
    ("adagrad", {}, "Adagrad", {"lr": 1e-2, "eps": 1e-7}),
    (
        "adagrad",
        {"lr": 0.3, "eps": 1e-3, "initial_accumulator_value": 0.5},
        "Adagrad",
        {"lr": 0.3, "eps": 1e-3, "initial_accumulator_value": 0.5},
    ),
    ("rmsprop", {}, "RMSprop", {"lr": 1e-2, "alpha": 0.99, "eps": 1e-7}),
    (
        "rmsprop",
        {"lr": 0.1, "decay": 0.5, "eps": 1e-4},
        "RMSprop",
        {"lr": 0.1, "alpha": 0.5, "eps": 1e-4},
    ),
    ("adam", {}, "Adam", {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8}),
    (
        "adam",
        {"lr": 0.2, "beta1": 0.5, "beta2": 0.9, "eps": 1e-3},
        "Adam",
        {"lr": 0.2, "betas": (0.5, 0.9), "eps": 1e-3},
    ),
]


def random_arrays(rng, dtype=np.float64):
    return {k: rng.standard_normal(shape).astype(dtype) for k, shape in SHAPES.items()}


@pytest.mark.parametrize(("name", "ours", "torch_name", "theirs"), PARITY)
def test_matches_torch_over_five_steps(name, ours, torch_name, theirs, torch):
    rng = np.random.default_rng(3)
    params = random_arrays(rng)
    tensors = {k: torch.tensor(v.copy(), requires_grad=True) for k, v in params.items()}
    optimizer = make_optimizer(name, params, **ours)
    reference = getattr(torch.optim, torch_name)(list(tensors.values()), **theirs)
    for _ in range(5):
        grads = random_arrays(rng)
        optimizer.step(grads)
        for key, tensor in tensors.items():
            tensor.grad = torch.tensor(grads[key])
        reference.step()
        for key, tensor in tensors.items():
            np.testing.assert_allclose(
                params[key], tensor.detach().numpy(), rtol=1e-12, atol=1e-14, err_msg=key
            )


@pytest.mark.parametrize("name", ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"])
def test_partial_gradients_match_full_steps_and_frozen_stay(name):
    """A step given only some gradients updates those as a full step would."""
    rng = np.random.default_rng(0)
    full, partial = random_arrays(rng), {}
    partial = {k: v.copy() for k, v in full.items()}
    frozen_value = full["b1"].copy()
    opt_full = make_optimizer(name, full, frozen={"b1"})
    opt_partial = make_optimizer(name, partial, frozen={"b1"})
    for _ in range(3):
        grads = random_arrays(rng)
        opt_full.step(grads)
        opt_partial.step({k: grads[k] for k in ("W1", "b1", "W2")})  # s has no gradient
        opt_partial.step({"s": grads["s"]})
    for key in full:
        np.testing.assert_allclose(partial[key], full[key], rtol=1e-12, err_msg=key)
    np.testing.assert_array_equal(full["b1"], frozen_value)


def test_updates_in_place_keeps_dtype_and_lr_can_change():
    params = {"w": np.ones(5, dtype=np.float32)}
    array = params["w"]
    opt = SGD(params, lr=0.1)
    opt.step({"w": np.ones(5, dtype=np.float32), "not_a_param": np.ones(2)})
    opt.lr = 0.5
    opt.step({"w": np.ones(5, dtype=np.float32)})
    assert params["w"] is array and array.dtype == np.float32
    np.testing.assert_allclose(array, 1 - 0.1 - 0.5, rtol=1e-6)


def test_adam_defaults_are_the_curriculums():
    opt = Adam({"w": np.zeros(2)})
    assert (opt.lr, opt.beta1, opt.beta2, opt.eps) == (1e-3, 0.9, 0.999, 1e-8)


def test_registry_names_and_settings():
    assert optimizer_names() == (
        "sgd",
        "momentum",
        "nesterov",
        "adagrad",
        "rmsprop",
        "adam",
        "lbfgs",
    )
    assert [a.name for a in optimizer_class("rmsprop").settings] == ["lr", "decay", "eps"]
    with pytest.raises(GraphLabError, match="unknown optimizer 'adamw'"):
        optimizer_class("adamw")
    with pytest.raises(GraphLabError, match="no setting betas"):
        make_optimizer("adam", {"w": np.zeros(1)}, betas=(0.9, 0.99))
    with pytest.raises(GraphLabError, match="'lr'"):
        make_optimizer("sgd", {"w": np.zeros(1)}, lr=-1.0)


def quadratic(params, A, b):
    """0.5 x'Ax - b'x over x = concat(params), returned as the LBFGS closure."""

    def closure():
        x = np.concatenate([params["x"], params["y"].ravel()])
        g = A @ x - b
        return 0.5 * x @ A @ x - b @ x, {"x": g[:3], "y": g[3:].reshape(2, 2)}

    return closure


def test_lbfgs_reaches_the_minimum_of_a_convex_quadratic():
    rng = np.random.default_rng(1)
    Q = rng.standard_normal((7, 7))
    A = Q @ Q.T + np.diag(np.geomspace(0.1, 100, 7))  # condition number ~ 1e3
    b = rng.standard_normal(7)
    params = {"x": np.zeros(3), "y": np.zeros((2, 2))}
    optimizer = LBFGS(params, max_iter=100, tolerance_grad=1e-9, tolerance_change=1e-14)
    loss = optimizer.step(quadratic(params, A, b))
    solution = np.linalg.solve(A, b)
    found = np.concatenate([params["x"], params["y"].ravel()])
    np.testing.assert_allclose(found, solution, rtol=0, atol=1e-6)
    assert loss == pytest.approx(-0.5 * b @ solution, rel=1e-12)


def test_lbfgs_beats_gradient_descent_on_the_same_budget():
    """40 gradient evaluations on a diagonal quadratic with condition number 1000."""
    rng = np.random.default_rng(2)
    A = np.diag(np.geomspace(1, 1000, 7))
    b = rng.standard_normal(7)
    best = -0.5 * b @ np.linalg.solve(A, b)
    gd_params = {"x": np.zeros(3), "y": np.zeros((2, 2))}
    gd, closure = SGD(gd_params, lr=1e-3), quadratic(gd_params, A, b)
    for _ in range(40):
        gd.step(closure()[1])
    lb_params, calls = {"x": np.zeros(3), "y": np.zeros((2, 2))}, []
    lb_closure = quadratic(lb_params, A, b)

    def counted():
        calls.append(1)
        return lb_closure()

    lbfgs_loss = LBFGS(lb_params, max_iter=100).step(counted)
    assert len(calls) <= 40
    assert lbfgs_loss - best < 1e-6
    assert closure()[0] - best > 1e-2


@pytest.mark.parametrize("name", ["sgd", "adam"])
def test_check_finite_refuses_bad_gradients_and_overflowing_updates(name):
    params = {"a": np.ones(3, dtype=np.float32), "b": np.ones(2, dtype=np.float32)}
    opt = make_optimizer(name, params, lr=1.0)
    bad = {"a": np.array([1, np.nan, 1], dtype=np.float32), "b": np.ones(2, dtype=np.float32)}
    assert opt.step(bad, check_finite=True) is False
    assert opt.nonfinite() == ["a"]
    assert opt.step({"b": np.array([np.inf, 0], dtype=np.float32)}, check_finite=True) is False
    np.testing.assert_array_equal(params["a"], 1)
    np.testing.assert_array_equal(params["b"], 1)
    assert opt.step({k: np.ones_like(v) for k, v in params.items()}, check_finite=True)
    assert params["a"][0] < 1


def test_check_finite_catches_an_update_that_overflows():
    params = {"w": np.ones(2, dtype=np.float32)}
    opt = SGD(params, lr=1e30)
    with np.errstate(over="ignore"):
        assert opt.step({"w": np.full(2, 1e10, dtype=np.float32)}, check_finite=True) is False
    assert opt.nonfinite() == ["w"]
    np.testing.assert_array_equal(params["w"], 1)
