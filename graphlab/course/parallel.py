"""Spread independent computations over forked worker processes, one BLAS thread each.

``fork_map(f, items, workers)`` returns ``[f(item) for item in items]`` computed in up to
``workers`` forked children (``f`` and its data are inherited, not pickled; the results come
back through a queue). With one worker it runs in the calling process. ``progress(done,
total)`` follows the results; ``cancelled()`` is polled, and a True stops the children and
raises GraphLabError. An exception in ``f`` is re-raised in the caller.
Measured on the two-core machines: small convolutions ran 2x faster on one BLAS thread each
in two processes than on two BLAS threads in one.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
from collections.abc import Callable, Sequence
from typing import Any


def default_workers(count: int) -> int:
    return max(1, min(os.cpu_count() or 1, count))


def fork_map(
    function: Callable[[Any], Any],
    items: Sequence[Any],
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] = lambda: False,
    what: str = "the computation",
) -> list[Any]:
    from engine.errors import GraphLabError

    workers = min(workers or default_workers(len(items)), max(1, len(items)))
    results: list[Any] = [None] * len(items)
    if workers <= 1:
        for index, item in enumerate(items):
            if cancelled():
                raise GraphLabError(f"{what} was cancelled")
            results[index] = function(item)
            if progress:
                progress(index + 1, len(items))
        return results
    context = multiprocessing.get_context("fork")
    out = context.Queue()
    jobs = list(enumerate(items))
    children = [
        context.Process(target=_child, args=(function, jobs[w::workers], out), daemon=True)
        for w in range(workers)
    ]
    for child in children:
        child.start()
    try:
        for done in range(1, len(items) + 1):
            index, ok, value = _next(out, children, cancelled, what)
            if not ok:
                raise value
            results[index] = value
            if progress:
                progress(done, len(items))
    finally:
        for child in children:
            if child.is_alive():
                child.terminate()
            child.join()
    return results


def _child(function, jobs, out) -> None:
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
    for index, item in jobs:
        try:
            out.put((index, True, function(item)))
        except Exception as exc:  # re-raised in the parent
            out.put((index, False, exc))


def _next(out, children, cancelled, what):
    from engine.errors import GraphLabError

    while True:
        if cancelled():
            raise GraphLabError(f"{what} was cancelled")
        try:
            return out.get(timeout=0.1)
        except queue.Empty:
            if not any(c.is_alive() for c in children) and out.empty():
                raise GraphLabError(f"a worker process of {what} ended unexpectedly") from None
