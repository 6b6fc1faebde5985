"""fork_map: results in order from forked workers, errors re-raised, cancel stops them."""

import pytest

from engine.errors import GraphLabError
from graphlab.course.parallel import fork_map

BIG = 10**6


def square_or_fail(n: int) -> int:
    if n == 7:
        raise ValueError("seven")
    return n * n + BIG  # BIG: inherited by the forked children, not pickled


@pytest.mark.parametrize("workers", [1, 2])
def test_results_come_back_in_order_with_progress(workers):
    seen = []
    items = [1, 2, 3, 4, 5]
    results = fork_map(square_or_fail, items, workers, lambda d, t: seen.append((d, t)))
    assert results == [n * n + BIG for n in items]
    assert seen == [(d, 5) for d in range(1, 6)]


@pytest.mark.parametrize("workers", [1, 2])
def test_an_error_in_a_worker_is_raised_in_the_caller(workers):
    with pytest.raises(ValueError, match="seven"):
        fork_map(square_or_fail, [6, 7, 8], workers)


@pytest.mark.parametrize("workers", [1, 2])
def test_cancel_raises_one_clear_error(workers):
    with pytest.raises(GraphLabError, match="the sweep was cancelled"):
        fork_map(square_or_fail, [1, 2], workers, cancelled=lambda: True, what="the sweep")
