"""The compiled training plan and its per-node fallback, behind one ``step(feeds)`` API."""

from __future__ import annotations

import contextlib
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from engine.plan.match import NotCovered, match_chain


class TrainingPlan:
    """Forward and backward of a covered graph through fused stages and reused buffers.

    ``step(feeds)`` returns the loss (data loss plus penalties) as a float and leaves dL/dparam
    in ``grads`` (parameter id -> array of the parameter's shape, overwritten by the next
    step). Parameters are read from ``graph.params`` at every step, so an optimizer may update
    them in place.

    With ``threads`` > 1 (CPU only) the batch is split into that many parts, each run by its
    own Python thread with its own buffers, and the gradients are summed (the penalties are
    added once, after the parts); BLAS is limited to one thread meanwhile (through
    threadpoolctl when installed) so the threads do not compete.
    """

    compiled = True
    reason = ""

    def __init__(self, graph, loss: str, chains: list) -> None:
        self.graph, self.loss, self.chains = graph, loss, chains
        zeros = graph.xp.zeros_like
        self.grads = {pid: zeros(graph.params[pid]) for pid in chains[0].params}
        self._part_grads = [self.grads] + [
            {pid: zeros(graph.params[pid]) for pid in chain.params} for chain in chains[1:]
        ]
        self._pool = ThreadPoolExecutor(len(chains) - 1) if len(chains) > 1 else None
        self._one_blas_thread = _blas_limiter() if self._pool else contextlib.nullcontext
        self._eval_chain = None

    @property
    def scores(self) -> str:
        """The node whose output the data loss scores (what :meth:`evaluate` returns)."""
        return self.chains[0].scores

    def step(self, feeds) -> float:
        graph, first = self.graph, self.chains[0]
        x = graph.feed_value(first.data, feeds)
        labels = graph.feed_value(first.labels, feeds)
        batch = labels.shape[0]
        parts = max(1, min(len(self.chains), batch))
        if parts == 1:
            loss = first.loss.value(self._run(first, x, labels, self.grads, 1.0))
        else:
            loss = self._run_parts(x, labels, parts)
        return loss + float(first.penalties.total(graph.params, self.grads))

    def _run_parts(self, x, labels, parts: int) -> float:
        """The data loss of the batch split into ``parts``, one per thread; the gradients
        summed into ``grads``."""
        batch = labels.shape[0]
        bounds = [batch * i // parts for i in range(parts + 1)]
        jobs = [
            (chain, x[lo:hi], labels[lo:hi], grads, (hi - lo) / batch)
            for chain, grads, lo, hi in zip(
                self.chains, self._part_grads, bounds[:-1], bounds[1:], strict=False
            )
        ]
        with self._one_blas_thread():
            futures = [self._pool.submit(self._run, *job) for job in jobs[1:]]
            loss = self._run(*jobs[0]) + sum(f.result() for f in futures)
        for grads in self._part_grads[1:parts]:
            for pid, grad in grads.items():
                self.grads[pid] += grad
        return float(loss)

    def evaluate(self, feeds, params=None):
        """(mean data loss plus penalties, scores (N, M)) of the batch in ``feeds``, forward
        only, with ``params`` (default: the graph's). A chain of its own does it, so evaluation
        may run in another thread while this plan trains (one evaluation at a time); a plan
        holds no dropout or batchnorm, so this equals the graph in eval mode."""
        graph = self.graph
        if self._eval_chain is None:
            self._eval_chain = match_chain(graph, self.loss)
        chain, params = self._eval_chain, graph.params if params is None else params
        x = graph.feed_value(chain.data, feeds)
        for stage in chain.stages:
            x = stage.forward(x, params)
        loss = chain.loss.forward(x, graph.feed_value(chain.labels, feeds))
        return chain.loss.value(loss) + float(chain.penalties.total(params)), x

    def _run(self, chain, x, labels, grads, share: float):
        """Forward and backward of one part of the batch; its loss is weighted by ``share``."""
        params = self.graph.params
        for stage in chain.stages:
            x = stage.forward(x, params)
        loss = chain.loss.forward(x, labels)
        grad = chain.loss.backward(loss, share)
        for stage in reversed(chain.stages):
            grad = stage.backward(grad, grads, params)
        return loss if share == 1.0 else loss * share


def _blas_limiter():
    """A context-manager factory that holds BLAS to one thread (a no-op without threadpoolctl)."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return contextlib.nullcontext
    controller = ThreadpoolController()
    return lambda: controller.limit(limits=1, user_api="blas")


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


def compile_training_plan(graph, loss: str | None = None, *, threads: int = 1, rng=None):
    """A :class:`TrainingPlan` for ``graph`` when it is covered, else a :class:`PerNodePlan`.

    loss: the node to minimise (default: the graph's single output). threads: Python threads
    that each take a part of the batch (CPU only). rng: the generator the per-node fallback
    passes to stochastic ops. ``plan.compiled`` says which one you got and ``plan.reason``
    why a graph was not compiled.
    """
    loss = loss or graph.output()
    threads = threads if graph.device == "cpu" else 1
    try:
        chains = [match_chain(graph, loss) for _ in range(max(1, threads))]
    except NotCovered as exc:
        return PerNodePlan(graph, loss, str(exc), rng)
    return TrainingPlan(graph, loss, chains)
