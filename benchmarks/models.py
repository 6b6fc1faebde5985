"""The benchmark models, each built twice from one spec: an engine Graph and a torch module.

Layers are tuples: ("conv", filters, kernel, pad), ("relu",), ("pool",) (2x2 max pool) and
("affine", outputs). Both builds start from the same parameters (the engine graph's), so their
losses and gradients agree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from engine.build import GraphBuilder


@dataclass(frozen=True)
class ModelSpec:
    name: str
    input_shape: tuple[int, ...]  # one sample: (C, H, W) or (D,)
    layers: tuple[tuple, ...]
    classes: int
    batch: int


def _cnn(name, side, convs, kernel, pad, batch):
    layers = []
    for filters in convs:
        layers += [("conv", filters, kernel, pad), ("relu",), ("pool",)]
    return ModelSpec(name, (1, side, side), (*layers, ("affine", 10)), 10, batch)


MODELS = {
    spec.name: spec
    for spec in (
        _cnn("digits-cnn-b64", 8, (16, 32), 3, 1, 64),
        _cnn("digits-cnn-b256", 8, (16, 32), 3, 1, 256),
        _cnn("mnist-cnn-b64", 28, (8, 16), 5, 2, 64),
        ModelSpec("spiral-mlp-b300", (2,), (("affine", 100), ("relu",), ("affine", 3)), 3, 300),
    )
}


def engine_graph(spec: ModelSpec, seed: int = 0, dtype: str = "float32", device: str = "cpu"):
    """The model as an engine Graph: inputs 'x' and 'labels', loss node 'loss'."""
    b = GraphBuilder()
    node = b.add("input", id="x", shape=[-1, *spec.input_shape])
    shape = spec.input_shape
    for i, layer in enumerate(spec.layers):
        kind = layer[0]
        if kind == "conv":
            _, filters, kernel, pad = layer
            w = b.add("parameter", id=f"conv{i}.w", shape=[filters, shape[0], kernel, kernel])
            bias = b.add("parameter", id=f"conv{i}.b", shape=[filters], init="zeros")
            node = b.add("conv2d", node, w, bias, id=f"conv{i}", kernel=kernel, pad=pad)
            shape = (filters, shape[1] + 2 * pad - kernel + 1, shape[2] + 2 * pad - kernel + 1)
        elif kind == "pool":
            node = b.add("maxpool", node, id=f"pool{i}")
            shape = (shape[0], shape[1] // 2, shape[2] // 2)
        elif kind == "relu":
            node = b.add("relu", node, id=f"relu{i}")
        else:
            outputs = layer[1]
            w = b.add("parameter", id=f"fc{i}.w", shape=[math.prod(shape), outputs])
            bias = b.add("parameter", id=f"fc{i}.b", shape=[outputs], init="zeros")
            node = b.add("affine", node, w, bias, id=f"fc{i}")
            shape = (outputs,)
    labels = b.add("input", id="labels", shape=[-1], dtype="int")
    b.add("softmax_cross_entropy", node, labels, id="loss")
    return b.build(seed=seed, dtype=dtype, device=device)


def torch_model(spec: ModelSpec, params: dict, torch):
    """The same model as a torch.nn.Sequential, parameters copied from ``params`` (numpy)."""
    nn = torch.nn
    modules, tensors = [], []
    for i, layer in enumerate(spec.layers):
        kind = layer[0]
        if kind == "conv":
            w = params[f"conv{i}.w"]
            conv = nn.Conv2d(w.shape[1], w.shape[0], layer[2], padding=layer[3])
            tensors += [(conv.weight, w), (conv.bias, params[f"conv{i}.b"])]
            modules.append(conv)
        elif kind == "pool":
            modules.append(nn.MaxPool2d(2))
        elif kind == "relu":
            modules.append(nn.ReLU())
        else:
            w = params[f"fc{i}.w"]
            linear = nn.Linear(*w.shape)
            tensors += [(linear.weight, w.T), (linear.bias, params[f"fc{i}.b"])]
            modules += [nn.Flatten(), linear] if len(spec.input_shape) > 1 else [linear]
    with torch.no_grad():
        for tensor, value in tensors:
            tensor.copy_(torch.from_numpy(np.ascontiguousarray(value)))
    return nn.Sequential(*modules)


def sample_batch(spec: ModelSpec, rng: np.random.Generator, batch: int | None = None):
    """(x float32 (N, *input_shape), labels int64 (N,)): images in [0, 1) or a spiral."""
    batch = batch or spec.batch
    labels = rng.integers(0, spec.classes, size=batch)
    if len(spec.input_shape) == 1:
        radius = rng.uniform(0.0, 1.0, size=batch)
        angle = labels * 4.0 + radius * 4.0 + rng.normal(0.0, 0.2, size=batch)
        x = np.stack([radius * np.sin(angle), radius * np.cos(angle)], axis=1)
    else:
        x = rng.uniform(0.0, 1.0, size=(batch, *spec.input_shape))
    return x.astype(np.float32), labels.astype(np.int64)
