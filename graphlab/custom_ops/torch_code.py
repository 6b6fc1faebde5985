"""Custom ops in the PyTorch export: each one a ``torch.autograd.Function`` calling its numpy code.

The generated file holds each op's source as a string, runs it in a namespace of its own
and calls its ``forward``/``backward`` from :data:`NUMPY_OP` (tensors to numpy and back), so
the exported module trains with the user's own backward.
"""

from __future__ import annotations

NUMPY_OP = '''

class NumpyOp(torch.autograd.Function):
    """An op written in numpy for GraphLab: forward and backward call its own code (on the CPU:
    tensors go to numpy and back)."""

    @staticmethod
    def forward(ctx, code, attrs, *inputs):
        arrays = [t.detach().cpu().numpy() for t in inputs]
        out, ctx.cache = code["forward"](*arrays, attrs=attrs)
        ctx.code, ctx.attrs, ctx.inputs = code, attrs, inputs
        return torch.as_tensor(out, dtype=inputs[0].dtype, device=inputs[0].device)

    @staticmethod
    def backward(ctx, dout):
        grads = ctx.code["backward"](dout.detach().cpu().numpy(), ctx.cache, attrs=ctx.attrs)
        if len(ctx.inputs) == 1 and not isinstance(grads, (tuple, list)):
            grads = (grads,)
        return (None, None, *(
            None if g is None else torch.as_tensor(g, dtype=t.dtype, device=t.device)
            for g, t in zip(grads, ctx.inputs)
        ))


def numpy_op(name, source):
    """Run a custom op's source in a namespace of its own; its functions by name."""
    import numpy

    namespace = {"np": numpy}
    exec(compile(source, f"<custom op {name}>", "exec"), namespace)
    return namespace
'''


def code_name(name: str) -> str:
    """The module-level variable holding op ``name``'s namespace."""
    return f"{name.upper()}_OP"


def expression(op, arguments: list[str], attrs) -> str:
    """The call of custom op ``op`` on the variables ``arguments`` with validated ``attrs``."""
    return f"NumpyOp.apply({code_name(op.name)}, {dict(attrs)!r}, {', '.join(arguments)})"


def helpers(ops) -> str:
    """The module-level code for the custom ops ``ops`` (none: '')."""
    if not ops:
        return ""
    parts = [NUMPY_OP]
    for op in sorted(ops, key=lambda o: o.name):
        parts.append(
            f"\n\n#: custom op {op.name!r}, as written in GraphLab\n"
            f"{code_name(op.name)} = numpy_op({op.name!r}, {op.definition.source!r})\n"
        )
    return "".join(parts)
