"""Loss landscape of a real network (issue 19, view 4)."""

import time

import numpy as np
import pytest

from engine.errors import GraphLabError
from graphlab.course.landscape import Landscape, filter_normalized_direction, train_with_path
from graphlab.examples import open_graph


@pytest.fixture(scope="module")
def landscape():
    return Landscape(train_with_path(open_graph("cnn-digits"), epochs=3))


def loss_with(landscape, params) -> float:
    """The document's loss at ``params``, computed on a freshly compiled graph."""
    doc = landscape.path.doc.snapshot()
    doc.set_params({k: v.astype(np.float32) for k, v in params.items()})
    graph = doc.compile()
    return float(graph.forward(landscape.feeds)[doc.loss_node(graph)])


def test_the_line_runs_from_the_initial_to_the_trained_loss(landscape):
    alphas, losses = landscape.line(points=7)
    path = landscape.path
    assert alphas[0] == 0 and alphas[-1] == 1 and losses.shape == (7,)
    assert losses[0] == pytest.approx(loss_with(landscape, path.initial), rel=1e-5)
    assert losses[-1] == pytest.approx(loss_with(landscape, path.trained), rel=1e-5)
    assert losses[-1] < 0.5 * losses[0]  # three epochs of training lowered the loss


def test_a_21x21_plane_on_cnn_digits_takes_under_a_minute_and_centres_on_the_trained_loss(
    landscape,
):
    seen = []
    started = time.perf_counter()
    coords, grid = landscape.plane(21, progress=lambda done, total: seen.append((done, total)))
    seconds = time.perf_counter() - started
    assert seconds < 60, f"{seconds:.1f} s"
    assert grid.shape == (21, 21) and coords[10] == 0
    assert grid[10, 10] == pytest.approx(loss_with(landscape, landscape.path.trained), rel=1e-5)
    assert grid.max() > grid[10, 10]
    assert seen[-1] == (21, 21) and len(seen) == 21


def test_directions_are_normalized_per_filter_and_skip_biases():
    rng = np.random.default_rng(1)
    trained = {
        "conv_W": rng.standard_normal((4, 3, 3, 3)),
        "fc_W": rng.standard_normal((12, 5)),
        "fc_b": rng.standard_normal(5),
    }
    d = filter_normalized_direction(trained, rng)
    for f in range(4):
        assert np.linalg.norm(d["conv_W"][f]) == pytest.approx(np.linalg.norm(trained["conv_W"][f]))
    for unit in range(5):
        assert np.linalg.norm(d["fc_W"][:, unit]) == pytest.approx(
            np.linalg.norm(trained["fc_W"][:, unit])
        )
    assert not d["fc_b"].any() and not np.allclose(d["fc_W"], trained["fc_W"])


def test_a_point_of_the_plane_projects_to_its_coordinates(landscape):
    point = landscape.point(0.3, -0.2)
    np.testing.assert_allclose(landscape.project([point]), [[0.3, -0.2]], atol=1e-9)
    path = landscape.project()
    assert path.shape == (len(landscape.path.snapshots), 2)
    np.testing.assert_allclose(path[-1], [0, 0], atol=1e-12)


def test_cancelling_stops_the_grid_with_one_clear_error(landscape):
    with pytest.raises(GraphLabError, match="cancelled"):
        landscape.plane(5, cancelled=lambda: True)


@pytest.mark.parametrize("name", ["batchnorm-dropout-mlp", "two-layer-net-spiral"])
def test_other_training_graphs_line_and_plane(name):
    landscape = Landscape(train_with_path(open_graph(name), epochs=1), workers=1)
    _, line = landscape.line(points=3)
    path = landscape.path
    assert line[0] == pytest.approx(loss_with(landscape, path.initial), rel=1e-5)
    _, grid = landscape.plane(3)
    assert grid[1, 1] == pytest.approx(loss_with(landscape, path.trained), rel=1e-5)
