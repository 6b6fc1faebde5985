"""A custom op as an engine op: one dynamically made :class:`~engine.ops.Op` class per definition.

A trusted definition's source is compiled with ``compile``/``exec`` in a namespace of its own
(holding ``np``) and its ``forward``/``backward`` run on numpy arrays: on the GPU the inputs
come to the CPU (``cupy.asnumpy``) and the results go back. Whatever the user's code does
wrong (an exception, a wrong shape, NaN) becomes a :class:`CustomOpError` naming the op and
the line of the user's code, which the graph turns into the node's problem. Running the code
(compiling it, and each call of its functions) is under :class:`~graphlab.custom_ops.
time_limit.TimeLimit`: code still running after the limit (an endless loop) is stopped with
such an error. An untrusted definition makes a placeholder: it keeps the recorded shapes and
refuses to run.
"""

from __future__ import annotations

import traceback

import numpy as np

from engine.backend import to_numpy
from engine.ops import Op
from engine.ops.base import fmt
from graphlab.custom_ops import time_limit
from graphlab.custom_ops.definition import CustomOpError, OpDefinition, attrs_key

CATEGORY = "My ops"
NOT_TRUSTED = (
    "its code has not been trusted, so it cannot run (open the project again and choose "
    "Run it; on the command line pass --trust; in Python, gl.load(..., trust=True))"
)
GPU_NOTE = (
    "Runs your numpy code on the CPU: on the GPU its inputs are copied to the CPU "
    "(cupy.asnumpy) and its results back, each step."
)


def filename(name: str) -> str:
    """The file name the op's code is compiled under (tracebacks name it)."""
    return f"<custom op {name}>"


def compile_code(definition: OpDefinition) -> dict:
    """Run the source in its own namespace (with ``np``); the namespace, or CustomOpError."""
    namespace = {"np": np, "__name__": f"custom_op_{definition.name}"}
    try:
        code = compile(definition.source, filename(definition.name), "exec")
        with time_limit.TimeLimit(code=filename(definition.name)):
            exec(code, namespace)  # the user trusted this code
    except (Exception, time_limit.CallTimedOut) as exc:
        raise CustomOpError(_failure(definition, "its code", exc)) from None
    return namespace


def _failure(definition: OpDefinition, what: str, exc: BaseException) -> str:
    """'custom op 'f': forward raised ValueError: ... (line 7: return x / y)', or 'custom op
    'f': forward ran over 5 s and was stopped (an endless loop?) (line 3: while True:)'."""
    line = getattr(exc, "lineno", None) if isinstance(exc, SyntaxError) else None
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename == filename(definition.name):
            line = frame.lineno
    if isinstance(exc, time_limit.CallTimedOut) and exc.seconds is None:
        happened = "was still running when training was stopped (an endless loop?)"
    elif isinstance(exc, time_limit.CallTimedOut):
        happened = f"ran over {exc.seconds:g} s and was stopped (an endless loop?)"
    else:
        happened = f"raised {type(exc).__name__}: {exc}"
    text = f"custom op {definition.name!r}: {what} {happened}"
    lines = definition.source.splitlines()
    if line is not None and 0 < line <= len(lines):
        text += f" (line {line}: {lines[line - 1].strip()})"
    return text


class CustomOp(Op):
    """Base of the dynamically made classes; ``code`` is None for a placeholder."""

    category = CATEGORY
    user = True

    def __init__(self, definition: OpDefinition, code: dict | None, problem: str = "") -> None:
        self.definition, self.code, self.problem = definition, code, problem
        self._shapes: dict = {}

    @property
    def runnable(self) -> bool:
        return self.code is not None

    # -- calling the user's code -------------------------------------------------------

    def _call(self, what: str, *args, attrs):
        if self.code is None:
            raise CustomOpError(self.problem or f"custom op {self.name!r}: {NOT_TRUSTED}")
        try:
            with np.errstate(all="ignore"), time_limit.TimeLimit(code=filename(self.name)):
                return self.code[what](*args, attrs=dict(attrs))
        except (Exception, time_limit.CallTimedOut) as exc:
            raise CustomOpError(_failure(self.definition, what, exc)) from None

    def _wrong(self, what: str, message: str) -> CustomOpError:
        return CustomOpError(f"custom op {self.name!r}: {what} {message}")

    # -- the op contract ---------------------------------------------------------------

    def infer_shape(self, shapes, attrs):
        """The output shape, found once per input shapes and attrs (a failure too: code that
        ran out of time is not run again by each analysis of the graph)."""
        key = (tuple(tuple(s) for s in shapes), attrs_key(attrs))
        if key not in self._shapes:
            try:
                self._shapes[key] = self._find_shape(*key, attrs)
            except CustomOpError as exc:
                self._shapes[key] = exc
        found = self._shapes[key]
        if isinstance(found, CustomOpError):
            raise CustomOpError(str(found))
        return found

    def _find_shape(self, shapes, key, attrs):
        if self.problem:
            raise CustomOpError(self.problem)
        if self.code is None:
            for inputs, attr_text, output in self.definition.shapes:
                if inputs == shapes and attr_text == key:
                    return output
            listed = ", ".join(fmt(s) for s in shapes)
            raise CustomOpError(
                f"custom op {self.name!r}: its shape for inputs {listed} was never recorded, "
                f"and {NOT_TRUSTED}"
            )
        if "output_shape" in self.code:
            result = self._call("output_shape", *shapes, attrs=attrs)
            if not isinstance(result, tuple | list) or not all(
                d is None or (isinstance(d, int | np.integer) and d >= 0) for d in result
            ):
                raise self._wrong("output_shape", f"returned {result!r}, not a shape")
            return tuple(None if d is None else int(d) for d in result)
        # forward on zeros, unknown sizes as 2 and then 3: a size that follows them is unknown
        outs = []
        for fill in (2, 3):
            zeros = [np.zeros([fill if d is None else d for d in s]) for s in shapes]
            outs.append(np.shape(self._output(self._call("forward", *zeros, attrs=attrs))))
        if len(outs[0]) != len(outs[1]):
            raise self._wrong("forward", "gave outputs of different ranks for different batches")
        return tuple(a if a == b else None for a, b in zip(*outs, strict=True))

    def _output(self, result):
        if not (isinstance(result, tuple | list) and len(result) == 2):
            raise self._wrong("forward", "must return (out, cache)")
        return np.asarray(result[0])

    def forward(self, xp, inputs, attrs, ctx):
        arrays = [to_numpy(a) for a in inputs]
        result = self._call("forward", *arrays, attrs=attrs)
        out = self._output(result)
        expected = self.infer_shape([a.shape for a in arrays], attrs)
        if out.shape != expected or not np.issubdtype(out.dtype, np.number):
            raise self._wrong("forward", f"returned shape {fmt(out.shape)}, expected {fmt(expected)}")  # fmt: skip
        if not np.all(np.isfinite(out)):
            raise self._wrong("forward", "returned NaN or infinity")
        dtype = next((a.dtype for a in inputs if np.issubdtype(a.dtype, np.floating)), np.float32)
        return xp.asarray(out, dtype=dtype), (result[1], [(a.shape, a.dtype) for a in inputs])

    def backward(self, xp, saved, grad_out, attrs, needed=None):
        cache, like = saved
        grads = self._call("backward", to_numpy(grad_out), cache, attrs=attrs)
        if len(self.inputs) == 1 and not isinstance(grads, tuple | list):
            grads = (grads,)
        if not isinstance(grads, tuple | list) or len(grads) != len(self.inputs):
            raise self._wrong("backward", f"must return {len(self.inputs)} gradients (one per input)")  # fmt: skip
        result = []
        for port, grad, (shape, dtype), want in zip(
            self.inputs, grads, like, needed or [True] * len(like), strict=True
        ):
            if grad is None or not want:
                result.append(None)
                continue
            grad = np.asarray(grad)
            if grad.shape != tuple(shape):
                raise self._wrong("backward", f"returned d{port} of shape {fmt(grad.shape)}, expected {fmt(shape)}")  # fmt: skip
            if not np.all(np.isfinite(grad)):
                raise self._wrong("backward", f"returned NaN or infinity in d{port}")
            result.append(xp.asarray(grad, dtype=dtype))
        return result

    def code_lines(self, phase: str) -> list[str]:
        """The explanation's lines: the user's function for ``phase`` and the GPU note."""
        lines = self.definition.source.splitlines()
        start = next((i for i, t in enumerate(lines) if t.startswith(f"def {phase}(")), None)
        if start is None:
            return [GPU_NOTE]
        end = start + 1
        while end < len(lines) and (not lines[end].strip() or lines[end][:1] in " \t#"):
            end += 1
        shown = lines[start:end]
        while shown and not shown[-1].strip():
            shown.pop()
        return [f"your {phase} code (custom op {self.name}):", *shown, GPU_NOTE]


def uses_custom_ops(graph) -> bool:
    """Whether an engine graph runs user code (which, unlike a built-in op, may never return)."""
    return any(isinstance(op, CustomOp) for op in graph.ops.values())


def make_op(definition: OpDefinition, code: dict | None, problem: str = "") -> CustomOp:
    """An instance of a new Op class for ``definition`` (runnable when ``code`` is given)."""
    trusted = code is not None
    formula = f"out = {definition.name}({', '.join(definition.ports)})"
    cls = type(
        f"CustomOp_{definition.name}",
        (CustomOp,),
        {
            "name": definition.name,
            "inputs": definition.ports,
            "attrs": definition.attrs,
            "formula": formula if trusted else formula + " (not trusted: cannot run)",
            "rule": "backward(dout, cache) -> one gradient per input, as you wrote it",
        },
    )
    return cls(definition, code, problem)
