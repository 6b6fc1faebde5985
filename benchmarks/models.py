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


def _cnn(name, side, convs, kernel, pad, batch, channels=1):
    layers = []
    for filters in convs:
        layers += [("conv", filters, kernel, pad), ("relu",), ("pool",)]
    return ModelSpec(name, (channels, side, side), (*layers, ("affine", 10)), 10, batch)


MODELS = {
    spec.name: spec
    for spec in (
        _cnn("digits-cnn-b64", 8, (16, 32), 3, 1, 64),
        _cnn("digits-cnn-b256", 8, (16, 32), 3, 1, 256),
        _cnn("mnist-cnn-b64", 28, (8, 16), 5, 2, 64),
        ModelSpec("spiral-mlp-b300", (2,), (("affine", 100), ("relu",), ("affine", 3)), 3, 300),
        _cnn("cifar-cnn-b256", 32, (32, 64, 128), 3, 1, 256, channels=3),
    )
}
#: the CIFAR-sized CNN (3x32x32, conv3x3 32-64-128 with pooling) is a GPU benchmark
DEFAULT_MODELS = {"cpu": [m for m in MODELS if not m.startswith("cifar")], "cuda": list(MODELS)}


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


def spec_params(spec: ModelSpec, graph) -> dict:
    """The parameters of an engine ``graph`` built elsewhere with ``spec``'s layers, under the
    names :func:`torch_model` reads ('conv0.w', 'fc6.b', ...), as numpy arrays.

    The graph's conv2d and affine nodes, in graph order, are matched to the spec's conv and
    affine layers; their 'w' and 'b' inputs are the weights and biases.
    """
    from engine.backend import to_numpy

    layers = [
        (i, layer[0]) for i, layer in enumerate(spec.layers) if layer[0] in ("conv", "affine")
    ]
    nodes = [n for n in graph.order if graph.ops[n].name in ("conv2d", "affine")]
    if len(layers) != len(nodes):
        raise ValueError(f"{spec.name}: {len(layers)} weighted layers, the graph has {len(nodes)}")
    params = {}
    for (i, kind), nid in zip(layers, nodes, strict=True):
        prefix = "conv" if kind == "conv" else "fc"
        for port in ("w", "b"):
            params[f"{prefix}{i}.{port}"] = to_numpy(graph.params[graph.sources[nid][port]])
    return params
