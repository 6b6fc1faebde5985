"""Numbers of the class templates view: a linear classifier's weights seen as pictures.

A linear softmax classifier ``scores = x W + b`` (W (D, C)) is trained on image data with the
engine's own graph and optimizer, a few minibatch steps at a time; each column of W reshaped
to the image (C_img, H, W) is the template of one class: the picture whose dot product with
an image is that class's score.
"""

from __future__ import annotations

import numpy as np

from engine.build import GraphBuilder
from engine.optim import make_optimizer
from graphlab.datasets import Dataset, digits


def templates_of(weights: np.ndarray, image_shape: tuple[int, ...]) -> np.ndarray:
    """Each column of ``weights`` (D, C) as an image: (C, H, W) for one channel, (C, H, W, 3)
    for colour; D must equal the product of ``image_shape`` (channels, H, W) or (H, W)."""
    weights = np.asarray(weights)
    if weights.ndim != 2 or weights.shape[0] != int(np.prod(image_shape)):
        raise ValueError(
            f"weights of shape {weights.shape} do not hold images of shape {tuple(image_shape)}"
        )
    pictures = weights.T.reshape(weights.shape[1], *image_shape)
    if len(image_shape) == 3:
        pictures = pictures[:, 0] if image_shape[0] == 1 else np.moveaxis(pictures, 1, -1)
    return pictures


def template_parameter(doc) -> tuple[str, tuple[int, ...]] | None:
    """The graph's first parameter of shape (D, C) whose D is the size of one image fed to its
    data input, and that image shape; None when it has none (it is no linear classifier on
    images)."""
    node = doc.nodes.get(doc.dataset.get("data_input", ""))
    image_shape = tuple(node.attrs.get("shape", ()))[1:] if node is not None else ()
    if len(image_shape) not in (2, 3):
        return None
    size = int(np.prod(image_shape))
    for nid, candidate in doc.nodes.items():
        shape = candidate.attrs.get("shape", ()) if candidate.op == "parameter" else ()
        if len(shape) == 2 and shape[0] == size:
            return nid, image_shape
    return None


def graph_templates(doc) -> tuple[str, np.ndarray] | None:
    """(parameter id, pictures) of the graph's stored template weights (see
    :func:`template_parameter`); None when it has none or they are not trained yet."""
    found = template_parameter(doc)
    if found is None or found[0] not in doc.params:
        return None
    nid, image_shape = found
    return nid, templates_of(doc.params[nid], image_shape)


class TemplateTraining:
    """Train a linear softmax classifier on an image dataset (default: digits) step by step.

    The pixels are scaled to 0..1 and the mean image is subtracted (as in the notes).
    """

    def __init__(
        self,
        data: Dataset | None = None,
        lr: float = 0.5,
        reg: float = 1e-3,
        batch: int = 128,
        seed: int = 0,
    ) -> None:
        data = data if data is not None else digits()
        self.image_shape = tuple(data.X.shape[1:])
        self.class_names = data.class_names
        X = data.X.reshape(len(data.X), -1).astype(np.float32)
        X = X / max(float(X.max()), 1.0)
        self.X, self.y = X - X.mean(axis=0), data.y
        self.batch, self.rng = batch, np.random.default_rng(seed)
        self.graph = self._graph(X.shape[1], data.num_classes, reg, seed)
        self.optimizer = make_optimizer("sgd", self.graph.params, lr=lr)
        self.steps, self.loss = 0, float("nan")

    @staticmethod
    def _graph(features: int, classes: int, reg: float, seed: int):
        b = GraphBuilder()
        x = b.add("input", id="x", shape=[-1, features])
        y = b.add("input", id="y", shape=[-1], dtype="int")
        w = b.add("parameter", id="W", shape=[features, classes], init="small")
        bias = b.add("parameter", id="b", shape=[classes], init="zeros")
        data_loss = b.add("softmax_cross_entropy", b.add("affine", x, w, bias, id="scores"), y)
        b.add("add", data_loss, b.add("l2_penalty", w, strength=reg), id="loss")
        return b.build(seed=seed)

    def step(self, count: int = 1) -> float:
        """``count`` minibatch steps of gradient descent; returns the last minibatch loss."""
        for _ in range(count):
            rows = self.rng.integers(0, len(self.X), self.batch)
            values = self.graph.forward({"x": self.X[rows], "y": self.y[rows]})
            self.optimizer.step(self.graph.backward(wrt=["W", "b"]))
            self.loss = float(values["loss"])
            self.steps += 1
        return self.loss

    def accuracy(self) -> float:
        """Accuracy on the whole training set."""
        scores = self.X @ self.graph.params["W"] + self.graph.params["b"]
        return float(np.mean(scores.argmax(axis=1) == self.y))

    def templates(self) -> np.ndarray:
        """The current templates, one picture per class (see :func:`templates_of`)."""
        return templates_of(np.asarray(self.graph.params["W"]), self.image_shape)
