"""The compiled training plan gives the per-node path's losses and gradients."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.models import DEFAULT_MODELS, MODELS, engine_graph, sample_batch
from engine.build import GraphBuilder
from engine.kernels.chwn import maxpool2x2_backward, maxpool2x2_forward
from engine.optim import Adam
from engine.plan import compile_training_plan
from engine.plan.conv_block import ConvBlock


def per_node(graph, feeds):
    """Loss and parameter gradients of the plain per-node path."""
    graph.forward(feeds, train=True)
    graph.backward("loss", wrt=list(graph.params))
    return float(graph.values["loss"]), {k: graph.grads[k] for k in graph.params}


def assert_same(plan_loss, plan_grads, loss, grads):
    assert plan_loss == pytest.approx(loss, rel=1e-5)
    assert sorted(plan_grads) == sorted(grads)
    for key, expected in grads.items():
        got = plan_grads[key]
        assert got.shape == expected.shape and got.dtype == np.float32, key
        scale = float(np.max(np.abs(expected)))
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5 * scale, err_msg=key)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("name", DEFAULT_MODELS["cpu"])  # the CIFAR CNN: float64 test above
def test_benchmark_models_match_over_adam_steps(name, threads):
    spec = MODELS[name]
    compiled, plain = engine_graph(spec, seed=3), engine_graph(spec, seed=3)
    plan = compile_training_plan(compiled, "loss", threads=threads)
    assert plan.compiled, plan.reason
    opt_plan, opt_plain = Adam(compiled.params, lr=1e-2), Adam(plain.params, lr=1e-2)
    rng = np.random.default_rng(0)
    for batch in (8, 8, 5, 1):  # a new batch size reallocates the plan's buffers
        x, labels = sample_batch(spec, rng, batch)
        feeds = {"x": x, "labels": labels}
        loss, grads = per_node(plain, feeds)
        assert_same(plan.step(feeds), plan.grads, loss, grads)
        opt_plan.step(plan.grads)
        opt_plain.step(grads)
    for key, value in plain.params.items():
        np.testing.assert_allclose(compiled.params[key], value, rtol=1e-4, atol=1e-6)


def cnn_variant(layers, input_shape=(2, 9, 7), classes=4):
    """A graph of conv/pool/dense layers given as (op, attrs) pairs, ending in the loss."""
    b = GraphBuilder()
    node = b.add("input", id="x", shape=[-1, *input_shape])
    for i, (op, attrs) in enumerate(layers):
        attrs = dict(attrs)
        if op == "conv2d":
            filters, channels, kernel = attrs.pop("filters"), attrs.pop("channels"), attrs["kernel"]
            w = b.add("parameter", id=f"w{i}", shape=[filters, channels, kernel, kernel])
            bias = b.add("parameter", id=f"b{i}", shape=[filters], init="small")
            node = b.add(op, node, w, bias, id=f"n{i}", **attrs)
        elif op in ("affine", "matmul"):
            w = b.add("parameter", id=f"w{i}", shape=attrs.pop("shape"))
            if op == "affine":
                bias = b.add("parameter", id=f"b{i}", shape=[w_cols(b, f"w{i}")], init="small")
                node = b.add(op, node, w, bias, id=f"n{i}")
            else:
                node = b.add(op, node, w, id=f"n{i}")
        elif op == "add":
            bias = b.add("parameter", id=f"b{i}", shape=attrs.pop("shape"), init="small")
            node = b.add(op, bias, node, id=f"n{i}")
        else:
            node = b.add(op, node, id=f"n{i}", **attrs)
    labels = b.add("input", id="labels", shape=[-1], dtype="int")
    b.add("softmax_cross_entropy", node, labels, id="loss")
    return b.build(seed=1)


def w_cols(builder, wid):
    return next(n for n in builder.nodes if n.id == wid).attrs["shape"][1]


VARIANTS = {
    # odd conv output (9x7 -> pool keeps 4x3), conv -> conv without pool, stride 2, flatten, matmul + add
    "odd-pool-stride2-matmul": [
        ("conv2d", {"filters": 3, "channels": 2, "kernel": 3, "pad": 1}),
        ("relu", {}),
        ("maxpool", {"kernel": 2, "stride": 2}),
        ("conv2d", {"filters": 4, "channels": 3, "kernel": 3, "pad": 1, "stride": 2}),
        ("tanh", {}),
        ("flatten", {}),
        ("matmul", {"shape": [16, 4]}),
        ("add", {"shape": [4]}),
    ],
    "conv-conv-pool-no-relu-affine": [
        ("conv2d", {"filters": 3, "channels": 2, "kernel": 2}),
        ("conv2d", {"filters": 2, "channels": 3, "kernel": 1}),
        ("maxpool", {}),
        ("affine", {"shape": [24, 5]}),
        ("relu", {}),
        ("affine", {"shape": [5, 4]}),
    ],
    # second conv on a wide-enough grid: the shifted col2im, pooled over odd sizes and not
    "shifted-fold-odd-pool": [
        ("conv2d", {"filters": 3, "channels": 2, "kernel": 3, "pad": 1}),
        ("relu", {}),
        ("conv2d", {"filters": 2, "channels": 3, "kernel": 3, "pad": 1}),
        ("relu", {}),
        ("maxpool", {}),
        ("affine", {"shape": [24, 4]}),
    ],
    "shifted-fold-unpooled": [
        ("conv2d", {"filters": 3, "channels": 2, "kernel": 3, "pad": 1}),
        ("conv2d", {"filters": 2, "channels": 3, "kernel": 3, "pad": 1}),
        ("relu", {}),
        ("reshape", {"shape": [-1, 126]}),
        ("affine", {"shape": [126, 4]}),
    ],
}


@pytest.mark.parametrize("name", list(VARIANTS))
def test_covered_variants_match(name):
    graph = cnn_variant(VARIANTS[name])
    plan = compile_training_plan(graph)
    assert plan.compiled, plan.reason
    assert {type(s).__name__ for s in plan.chains[0].stages} >= {"ConvBlock"}
    rng = np.random.default_rng(2)
    feeds = {"x": rng.standard_normal((6, 2, 9, 7)), "labels": rng.integers(0, 4, 6)}
    loss = plan.step(feeds)
    grads = {k: v.copy() for k, v in plan.grads.items()}
    assert_same(loss, grads, *per_node(graph, feeds))


def test_uncovered_graph_falls_back_to_per_node():
    """A 3x3 pool is outside the plan (the penalty added to the loss is not): per-node
    results."""
    b = GraphBuilder()
    x = b.add("input", id="x", shape=[-1, 1, 6, 6])
    w = b.add("parameter", id="w", shape=[2, 1, 3, 3])
    bias = b.add("parameter", id="b", shape=[2], init="zeros")
    conv = b.add("conv2d", x, w, bias, kernel=3, pad=1)
    pool = b.add("maxpool", b.add("relu", conv), id="pool", kernel=3)
    fc_w = b.add("parameter", id="fc.w", shape=[8, 3])
    fc_b = b.add("parameter", id="fc.b", shape=[3], init="zeros")
    scores = b.add("affine", pool, fc_w, fc_b)
    labels = b.add("input", id="labels", shape=[-1], dtype="int")
    data_loss = b.add("softmax_cross_entropy", scores, labels)
    b.add("add", data_loss, b.add("l2_penalty", fc_w), id="loss")
    graph, reference = b.build(seed=4), b.build(seed=4)

    plan = compile_training_plan(graph, "loss")
    assert not plan.compiled
    assert 'node "pool" (maxpool) cannot follow' in plan.reason
    rng = np.random.default_rng(5)
    feeds = {"x": rng.uniform(size=(4, 1, 6, 6)), "labels": rng.integers(0, 3, 4)}
    assert_same(plan.step(feeds), plan.grads, *per_node(reference, feeds))


def test_plan_reports_which_node_is_not_covered():
    b = GraphBuilder()
    x = b.add("input", id="x", shape=[-1, 1, 6, 6])
    w = b.add("parameter", id="w", shape=[2, 1, 3, 3])
    bias = b.add("parameter", id="b", shape=[2], init="zeros")
    pool = b.add("avgpool", b.add("conv2d", x, w, bias, kernel=3), id="pool")
    fc_w = b.add("parameter", id="fc.w", shape=[8, 3])
    fc_b = b.add("parameter", id="fc.b", shape=[3], init="zeros")
    labels = b.add("input", id="labels", shape=[-1], dtype="int")
    b.add("softmax_cross_entropy", b.add("affine", pool, fc_w, fc_b), labels, id="loss")
    plan = compile_training_plan(b.build())
    assert not plan.compiled
    assert 'node "pool" (avgpool)' in plan.reason


def test_fused_pool_routes_ties_to_the_first_maximum(torch):
    """The plan's 2x2 pool kernel on images full of ties gives torch's max_pool2d gradient."""
    rng = np.random.default_rng(8)
    x = rng.integers(0, 2, size=(3, 2, 6, 4)).astype(np.float32)  # ties in most windows
    n, c, h, w = x.shape
    # blocks[c, di * 2 + dj, ho, wo, n] = x[n, c, 2 ho + di, 2 wo + dj]
    blocks = x.reshape(n, c, h // 2, 2, w // 2, 2).transpose(1, 3, 5, 2, 4, 0).reshape(c, 4, -1)
    out, scratch = (
        np.empty((c, blocks.shape[2]), np.float32),
        np.empty((c, blocks.shape[2]), np.float32),
    )
    masks = np.empty((3, *out.shape), bool)
    maxpool2x2_forward(np, np.ascontiguousarray(blocks), out, scratch, masks)
    grad = rng.standard_normal(out.shape).astype(np.float32)
    dy = np.empty_like(blocks)
    maxpool2x2_backward(np, grad, dy, masks)
    dx = dy.reshape(c, 2, 2, h // 2, w // 2, n).transpose(5, 0, 3, 1, 4, 2).reshape(x.shape)

    tx = torch.tensor(x, dtype=torch.float32, requires_grad=True)
    expected = torch.nn.functional.max_pool2d(tx, 2)
    unblock = grad.reshape(c, h // 2, w // 2, n).transpose(3, 0, 1, 2)
    expected.backward(torch.tensor(unblock))
    np.testing.assert_array_equal(
        out.reshape(unblock.shape[1:] + (n,)).transpose(3, 0, 1, 2), expected.detach().numpy()
    )
    np.testing.assert_array_equal(dx, tx.grad.numpy())


@pytest.mark.parametrize("name", list(MODELS))
def test_float64_plan_equals_per_node_to_rounding(name):
    """In float64 the reordered sums differ only by rounding: a much tighter check."""
    spec = MODELS[name]
    compiled, plain = (engine_graph(spec, seed=9, dtype="float64") for _ in range(2))
    plan = compile_training_plan(compiled, threads=2)
    x, labels = sample_batch(spec, np.random.default_rng(3), 6)
    feeds = {"x": x, "labels": labels}
    loss, grads = per_node(plain, feeds)
    assert plan.step(feeds) == pytest.approx(loss, rel=1e-12)
    for key, expected in grads.items():
        assert plan.grads[key].dtype == np.float64
        np.testing.assert_allclose(plan.grads[key], expected, rtol=1e-9, atol=1e-13, err_msg=key)


@pytest.mark.parametrize("name", list(MODELS))
def test_evaluate_equals_the_eval_mode_forward_and_leaves_training_intact(name):
    """plan.evaluate at another batch size gives the graph's eval-mode loss and scores; the
    next training step (back at the training batch size) still gives per-node gradients."""
    spec = MODELS[name]
    compiled, plain = (engine_graph(spec, seed=4, dtype="float64") for _ in range(2))
    plan = compile_training_plan(compiled)
    rng = np.random.default_rng(8)
    train = dict(zip(("x", "labels"), sample_batch(spec, rng, 6), strict=True))
    plan.step(train)
    for batch in (11, 3):
        x, labels = sample_batch(spec, rng, batch)
        loss, scores = plan.evaluate({"x": x, "labels": labels})
        plain.forward({"x": x, "labels": labels}, train=False)
        assert loss == pytest.approx(float(plain.values["loss"]), rel=1e-12)
        expected = plain.values[plain.sources["loss"]["scores"]]
        assert scores.shape == expected.shape == (batch, expected.shape[1])
        np.testing.assert_allclose(scores, expected, rtol=1e-10, atol=1e-12)
    loss, grads = per_node(plain, train)
    assert plan.step(train) == pytest.approx(loss, rel=1e-12)
    for key, expected in grads.items():
        np.testing.assert_allclose(plan.grads[key], expected, rtol=1e-9, atol=1e-13, err_msg=key)


def test_conv_buffers_are_kept_per_batch_size_and_evaluation_has_its_own():
    spec = MODELS["digits-cnn-b64"]
    plan = compile_training_plan(engine_graph(spec, seed=1))
    rng = np.random.default_rng(2)

    def batch(n):
        return dict(zip(("x", "labels"), sample_batch(spec, rng, n), strict=True))

    def last_block(chain):  # the second conv layer: its backward computes dx
        return [s for s in chain.stages if isinstance(s, ConvBlock) and s.need_dx][-1]

    train = batch(6)
    plan.step(train)
    block = last_block(plan.chains[0])
    cols, dcols = block.cols, block.dcols
    plan.step(batch(5))  # an epoch's last, smaller batch
    assert block.batch == 5 and block.cols is not cols
    plan.step(train)
    assert block.cols is cols and block.dcols is dcols  # reused, not allocated again
    for n in (11, 3, 4, 5, 7):
        plan.evaluate(batch(n))
    assert block.batch == 6 and block.cols is cols  # evaluation left training's buffers alone
    evaluating = last_block(plan._eval_chain)
    assert sorted(evaluating._buffers) == [3, 4, 5, 7]  # the sizes used last
    assert not any(buffers["has_dx"] for buffers in evaluating._buffers.values())
