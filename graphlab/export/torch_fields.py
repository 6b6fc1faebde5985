"""PyTorch expression fields of the ops whose attrs do not map one-to-one onto a torch call:
padded and grouped convolution, pooling with pads or ceil mode, ONNX-style flatten, pad,
squeeze and unsqueeze. :func:`fields` returns what the expression in
``torch_export.EXPRESSIONS`` names besides the ports and attrs."""

from __future__ import annotations

from engine.ops.base import normalise_axes
from engine.ops.cnn import Pool, padding
from graphlab.export import ExportError

#: engine pad mode -> torch's F.pad mode
PAD_MODES = {"constant": "constant", "reflect": "reflect", "edge": "replicate", "wrap": "circular"}


def _torch_pad(pads) -> tuple[int, ...]:
    """Begins then ends of the spatial axes in F.pad's order, last axis first: (left, right,
    top, bottom) for images."""
    ndim = len(pads) // 2
    return tuple(w for axis in reversed(range(ndim)) for w in (pads[axis], pads[ndim + axis]))


def _window_input(x: str, attrs, fill: str, limit: int, ndim: int = 2) -> tuple[str, int]:
    """(the input expression, torch's own symmetric padding): torch pads symmetrically by at
    most ``limit``; anything else is an explicit F.pad of ``fill`` first."""
    pads = padding(attrs, ndim)
    if len(set(pads)) == 1 and pads[0] <= limit:
        return x, pads[0]
    return f"F.pad({x}, {_torch_pad(pads)}, value={fill})", 0


def _conv(x, attrs, shape):
    conv_x, pad = _window_input(x, attrs, "0.0", max(padding(attrs)))
    extra = "".join(f", {key}={attrs[key]}" for key in ("dilation", "groups") if attrs[key] != 1)
    return {"conv_x": conv_x, "conv_pad": pad, "conv_extra": extra}


def _maxpool(x, attrs, shape):
    ndim = len(shape) - 2
    pool_x, pad = _window_input(x, attrs, "float('-inf')", attrs["kernel"] // 2, ndim)
    plain = pad == 0 and attrs["dilation"] == 1 and not attrs["ceil_mode"]
    extra = "" if plain else f", {pad}, {attrs['dilation']}, {attrs['ceil_mode']}"
    stride = Pool.window(attrs)[1]
    return {"pool_x": pool_x, "pool_extra": extra, "window_stride": stride, "d": ndim}


def _avgpool(x, attrs, shape):
    ndim = len(shape) - 2
    if attrs["dilation"] != 1:
        raise ExportError(f"PyTorch's avg_pool{ndim}d has no dilation")
    kernel, stride = Pool.window(attrs)
    pool_x, pad = _window_input(x, attrs, "0.0", attrs["kernel"] // 2, ndim)
    explicit = pool_x != x  # an F.pad whose cells torch counts as the input's
    include = attrs["count_include_pad"] or explicit  # torch's own padding counts as asked
    plain = pad == 0 and not attrs["ceil_mode"] and include
    extra = "" if plain else f", {pad}, {attrs['ceil_mode']}, {include}"
    fields = {"pool_x": pool_x, "pool_extra": extra, "window_stride": stride, "divide": ""}
    fields["d"] = ndim
    if explicit and not attrs["count_include_pad"]:  # the mean over the input's cells only:
        # a pooled mask gives the counts
        ones = f"torch.ones_like({x}[:1, :1])"
        mask = f"F.pad({ones}, {_torch_pad(padding(attrs, ndim))})"
        fields["divide"] = (
            f" / F.avg_pool{ndim}d({mask}, {kernel}, {stride}, 0, {attrs['ceil_mode']}, True)"
        )
    return fields


def _flatten(x, attrs, shape):
    axis = attrs["axis"] + len(shape) if attrs["axis"] < 0 else attrs["axis"]
    if axis == 0:
        return {"flat_expr": f"{x}.reshape(1, -1)"}
    if axis == len(shape):
        return {"flat_expr": f"{x}.reshape(-1, 1)"}
    tail = f".flatten(0, {axis - 1})" if axis > 1 else ""
    return {"flat_expr": f"{x}.flatten({axis}){tail}"}


def _pad(x, attrs, shape):
    widths = list(_torch_pad(attrs["pads"]))
    while len(widths) > 2 and widths[-2:] == [0, 0]:  # torch pads only the last axes
        widths = widths[:-2]
    mode = PAD_MODES[attrs["mode"]]
    value = f", value={attrs['value']!r}" if mode == "constant" else ""
    return {"pad_args": f"{tuple(widths)}, mode={mode!r}{value}"}


def _squeeze(x, attrs, shape):
    if attrs["axes"] is None:
        return {"dims": ""}
    return {"dims": str(normalise_axes(attrs["axes"], len(shape)))}


def _unsqueeze(x, attrs, shape):
    axes = normalise_axes(attrs["axes"], len(shape) + len(attrs["axes"]))
    return {"unsqueezes": "".join(f".unsqueeze({a})" for a in axes)}


def _nll(x, attrs, shape):
    options = f", reduction={attrs['reduction']!r}"
    if attrs["ignore_index"] is not None:
        options += f", ignore_index={attrs['ignore_index']}"
    if attrs["class_weights"] is not None:
        weights = list(attrs["class_weights"])
        options += f", weight=torch.tensor({weights}, dtype={x}.dtype)"
    return {"nll_options": options}


FIELDS = {
    "nll_loss": _nll,
    "conv2d": _conv,
    "maxpool": _maxpool,
    "avgpool": _avgpool,
    "flatten": _flatten,
    "pad": _pad,
    "squeeze": _squeeze,
    "unsqueeze": _unsqueeze,
}


def fields(op: str, x: str, attrs, shape) -> dict:
    """The extra expression fields of ``op`` on input variable ``x`` of ``shape``."""
    return FIELDS[op](x, attrs, shape) if op in FIELDS else {}
