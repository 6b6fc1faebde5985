"""A second, faster way to run one training step of a graph (see ARCHITECTURE.md).

``plan = compile_training_plan(graph)``; ``loss = plan.step(feeds)`` runs forward and backward
and leaves the parameter gradients in ``plan.grads``, equal to the per-node path's.
"""

from engine.plan.plan import PerNodePlan, TrainingPlan, compile_training_plan

__all__ = ["PerNodePlan", "TrainingPlan", "compile_training_plan"]
