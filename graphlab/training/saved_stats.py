"""What a reopened project's dashboard shows before any training: the statistics of its
saved weights on one batch of held-out samples (nothing is updated)."""

from __future__ import annotations

from engine.metrics import Histogram, StatsEvent

#: samples in the batch, and bins per histogram (as the training statistics)
BATCH, BINS = 64, 30


def saved_statistics(run, step: int) -> StatsEvent:
    """Activation and gradient histograms of ``run``'s activation nodes (every computed node
    when there are none) for its graph as saved: one eval-mode forward and backward pass over
    the first BATCH validation (else training) samples, stamped ``step``."""
    split = run.data.splits.val if len(run.data.splits.val) else run.data.splits.train
    graph, trainer, xp = run.graph, run.trainer, run.graph.xp
    rows = slice(0, min(BATCH, len(split)))
    graph.forward(
        {
            trainer.data_input: xp.asarray(split.X[rows], dtype=graph.dtype),
            trainer.label_input: xp.asarray(split.y[rows]),
        },
        train=False,
    )
    graph.backward(trainer.loss)
    nodes = [n for n in graph.order if graph.ops[n].category == "Activations"]
    nodes = nodes or [n for n in graph.order if graph.ops[n].inputs and n != trainer.loss]
    event = StatsEvent(trainer.epoch, step)
    for nid in nodes:
        event.activation_histograms[nid] = Histogram.of(graph.values[nid], BINS)
        event.gradient_histograms[nid] = Histogram.of(graph.grads[nid], BINS)
    return event
