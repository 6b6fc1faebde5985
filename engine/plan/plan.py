"""The compiled training plan and its per-node fallback, behind one ``step(feeds)`` API."""

from __future__ import annotations

import numpy as np

from engine.plan.match import NotCovered, match_chain


class TrainingPlan:
    """Forward and backward of a covered graph through fused stages and reused buffers.

    ``step(feeds)`` returns the loss as a float and leaves dL/dparam in ``grads`` (parameter
    id -> array of the parameter's shape, overwritten by the next step). Parameters are read
    from ``graph.params`` at every step, so an optimizer may update them in place.
    """

    compiled = True
    reason = ""

    def __init__(self, graph, loss: str, chain) -> None:
        self.graph, self.loss, self.chain = graph, loss, chain
        self.grads = {pid: graph.xp.zeros_like(graph.params[pid]) for pid in chain.params}

    def step(self, feeds) -> float:
        graph, chain = self.graph, self.chain
        params = graph.params
        x = graph._feed_value(chain.data, feeds)
        labels = graph._feed_value(chain.labels, feeds)
        for stage in chain.stages:
            x = stage.forward(x, params)
        loss = chain.loss.forward(x, labels)
        grad = chain.loss.backward(loss)
        for stage in reversed(chain.stages):
            grad = stage.backward(grad, self.grads, params)
        return float(loss)


class PerNodePlan:
    """The same API over the plain per-node path (Graph.forward/backward in training mode)."""

    compiled = False

    def __init__(self, graph, loss: str, reason: str, rng=None) -> None:
        self.graph, self.loss, self.reason = graph, loss, reason
        self.rng = rng if rng is not None else np.random.default_rng(0)
        self.grads: dict = {}

    def step(self, feeds) -> float:
        graph = self.graph
        graph.forward(feeds, train=True, rng=self.rng)
        graph.backward(self.loss, wrt=list(graph.params))
        self.grads = {pid: graph.grads[pid] for pid in graph.params if pid in graph.grads}
        return float(graph.values[self.loss])


def compile_training_plan(graph, loss: str | None = None, *, rng=None):
    """A :class:`TrainingPlan` for ``graph`` when it is covered, else a :class:`PerNodePlan`.

    loss: the node to minimise (default: the graph's single output). rng: the generator the
    per-node fallback passes to stochastic ops. ``plan.compiled`` says which one you got and
    ``plan.reason`` why a graph was not compiled.
    """
    loss = loss or graph.output()
    try:
        chain = match_chain(graph, loss)
    except NotCovered as exc:
        return PerNodePlan(graph, loss, str(exc), rng)
    return TrainingPlan(graph, loss, chain)
