"""The optimizer race: the engine's optimizers on two-parameter surfaces (issue 19, view 3)."""

import numpy as np
import pytest
import torch
from PIL import Image

from graphlab.cli import main
from graphlab.course.race import Race
from graphlab.course.surfaces import OPTIMIZERS, SURFACES, surface

TORCH = {
    "sgd": lambda p, lr: torch.optim.SGD(p, lr=lr),
    "momentum": lambda p, lr: torch.optim.SGD(p, lr=lr, momentum=0.9),
    "nesterov": lambda p, lr: torch.optim.SGD(p, lr=lr, momentum=0.9, nesterov=True),
    "adagrad": lambda p, lr: torch.optim.Adagrad(p, lr=lr, eps=1e-7),
    "rmsprop": lambda p, lr: torch.optim.RMSprop(p, lr=lr, alpha=0.99, eps=1e-7),
    "adam": lambda p, lr: torch.optim.Adam(p, lr=lr),
}


def torch_ravine_path(name: str, lr: float, start, steps: int) -> np.ndarray:
    """The same ravine, 0.5 (0.04 x^2 + 4 y^2), minimised by torch.optim in float64."""
    x = torch.tensor([start[0]], dtype=torch.float64, requires_grad=True)
    y = torch.tensor([start[1]], dtype=torch.float64, requires_grad=True)
    optimizer = TORCH[name]([x, y], lr)
    path = [(x.item(), y.item())]
    for _ in range(steps):
        optimizer.zero_grad()
        (0.02 * x**2 + 2.0 * y**2).sum().backward()
        optimizer.step()
        path.append((x.item(), y.item()))
    return np.array(path)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_fifty_steps_on_the_ravine_equal_torch_optim(name):
    ravine = surface("ravine")
    race = Race(ravine, {name: None})
    race.step(50)
    runner = race.runners[name]
    expected = torch_ravine_path(name, runner.lr, ravine.start, 50)
    assert runner.path.shape == (51, 2)
    np.testing.assert_allclose(runner.path, expected, rtol=0, atol=1e-6)
    assert abs(runner.path[-1] - runner.path[0]).max() > 0.1  # it moved


def test_the_ravine_is_ill_conditioned():
    """Curvatures from second differences of the surface's own graph: ratio >= 50."""
    h = 1e-3
    f = surface("ravine").values(np.array([-h, 0.0, h]), np.array([-h, 0.0, h]))
    curv_x = (f[1, 0] - 2 * f[1, 1] + f[1, 2]) / h**2
    curv_y = (f[0, 1] - 2 * f[1, 1] + f[2, 1]) / h**2
    assert curv_y / curv_x >= 50


def test_momentum_and_adam_end_ten_times_closer_than_sgd_on_the_ravine():
    race = Race.default(surface("ravine"), ("sgd", "momentum", "adam"))
    race.step(200)
    distance = {n: r.distance_to_minimum() for n, r in race.runners.items()}
    assert distance["momentum"] * 10 <= distance["sgd"]
    assert distance["adam"] * 10 <= distance["sgd"]
    losses = race.runners["sgd"].losses
    assert len(losses) == 201 and losses[-1] < losses[0]


@pytest.mark.parametrize("name", sorted(SURFACES))
def test_every_surface_runs_every_optimizer_at_its_default_rate(name):
    race = Race.default(surface(name))
    race.step(100)
    for runner in race.runners.values():
        assert not runner.diverged
        assert runner.losses[-1] < runner.losses[0]


def test_the_noisy_surface_follows_minibatch_draws_and_the_seed():
    a, b, c = (Race(surface("noisy"), {"sgd": None}, seed=s) for s in (0, 0, 1))
    for race in (a, b, c):
        race.step(20)
    np.testing.assert_array_equal(a.runners["sgd"].path, b.runners["sgd"].path)
    assert not np.allclose(a.runners["sgd"].path, c.runners["sgd"].path)
    clean = Race(surface("ravine"), {"sgd": None})
    clean.step(20)
    assert not np.allclose(a.runners["sgd"].path, clean.runners["sgd"].path)


def test_graphlab_race_writes_a_png(tmp_path, capsys):
    out = tmp_path / "race.png"
    argv = ["race", "--surface", "ravine", "--optimizers", "sgd,momentum,adam"]
    assert main([*argv, "--steps", "200", "--png", str(out)]) == 0
    with Image.open(out) as image:
        assert image.format == "PNG" and image.size == (1280, 640)
        pixels = np.asarray(image.convert("RGB")).reshape(-1, 3)
    colours = len(np.unique(pixels, axis=0))
    assert colours > 50  # contours, paths and text, not a blank page
    printed = capsys.readouterr().out
    assert "momentum" in printed and f"wrote {out}" in printed


@pytest.mark.parametrize(
    "argv",
    [
        ["race", "--optimizers", "sgd,lbfgs"],
        ["race", "--optimizers", "sgd", "--lr", "adam=0.1"],
        ["race", "--lr", "sgd=fast"],
    ],
)
def test_bad_race_options_are_one_line_errors(argv, capsys):
    assert main(argv) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
