"""Optimizers from the curriculum (lecture 7): SGD, momentum, Nesterov, AdaGrad, RMSProp, Adam.

``opt = Adam(params, lr=1e-3)`` keeps ``params`` (name -> array, e.g. ``graph.params``) and
``opt.step(grads)`` updates those arrays in place; names missing from ``grads`` and names in
``frozen`` are left alone. ``opt.lr`` may change between steps (schedules set it). The update
rules follow PyTorch's optimizers of the same name, so results match them step for step.

State (velocities, moments) lives in one flat preallocated buffer per kind, created with the
parameters' array module (numpy or cupy). When every parameter has a gradient, a step gathers
the gradients into one flat buffer and runs a handful of in-place ufuncs over it, then
subtracts each slice of the flat update from its parameter.

:class:`engine.lbfgs.LBFGS` is for full-batch deterministic problems: ``step(closure)`` with a
line search; it is registered here beside the others.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, ClassVar

from engine.backend import array_module_of, fused_kernels
from engine.errors import GraphLabError
from engine.kernels import cuda
from engine.ops.base import Attr

LR_DOC = "learning rate (step size)"


class FlatLayout:
    """Where each non-frozen parameter lies in one flat vector of all of them."""

    def __init__(self, params: Mapping[str, Any], frozen=()) -> None:
        self.params = params
        self.frozen = set(frozen)
        self.keys = [k for k in params if k not in self.frozen]
        self.slices: dict[str, slice] = {}
        offset = 0
        for key in self.keys:
            self.slices[key] = slice(offset, offset + params[key].size)
            offset += params[key].size
        self.size = offset
        first = params[self.keys[0]] if self.keys else None
        self.xp = array_module_of(first if first is not None else 0.0)
        self.dtype = first.dtype if first is not None else "float64"

    def empty(self):
        return self.xp.empty(self.size, dtype=self.dtype)

    def gather(self, arrays: Mapping[str, Any], out):
        """Copy ``arrays`` (one per key) into the flat vector ``out``; returns ``out``."""
        if len(self.keys) == 1:
            self.xp.copyto(out, arrays[self.keys[0]].reshape(-1))
        elif self.keys:
            self.xp.concatenate([arrays[k].reshape(-1) for k in self.keys], out=out)
        return out

    def subtract(self, flat, keys) -> None:
        """params[key] -= the slice of ``flat`` belonging to key, for each of ``keys``."""
        for key in keys:
            param = self.params[key]
            param -= flat[self.slices[key]].reshape(param.shape)

    def scatter(self, flat) -> None:
        """params[key][...] = the slice of ``flat`` belonging to key, in place."""
        for key in self.keys:
            param = self.params[key]
            self.xp.copyto(param, flat[self.slices[key]].reshape(param.shape))


class Optimizer:
    """Base of the first-order optimizers: flat gradient, flat state, in-place updates.

    Subclasses set ``settings`` (Attr records, also read by the command line and the app),
    ``state_names`` (flat buffers to allocate, zero-filled) and ``direction`` (which writes
    the update, to be subtracted from the parameters, into ``out``).
    """

    name: ClassVar[str]
    settings: ClassVar[tuple[Attr, ...]]
    state_names: ClassVar[tuple[str, ...]] = ()
    #: whether one step takes the whole training split
    full_batch: ClassVar[bool] = False

    def __init__(self, params: Mapping[str, Any], frozen=(), **settings) -> None:
        configure(self, params, frozen, settings)
        #: steps taken by each parameter; t is the count of the one being updated
        self.steps = dict.fromkeys(self.layout.keys, 0)
        self.t = 0
        self._grad, self._update, self._scratch = (self.layout.empty() for _ in range(3))
        self.state = {name: self.xp.zeros_like(self._grad) for name in self.state_names}
        self._init_state()

    @property
    def frozen(self) -> set[str]:
        return self.layout.frozen

    def steps_per_epoch(self, samples: int, batch_size: int) -> int:
        """Steps in one pass over ``samples`` training samples: one per minibatch."""
        return -(-samples // batch_size)

    def _init_state(self) -> None:
        """Fill state buffers that do not start at zero."""

    def step(self, grads: Mapping[str, Any], check_finite: bool = False) -> bool:
        """Move every non-frozen parameter that has a gradient against it, in place.

        With ``check_finite``, a gradient or update that is NaN or infinite (or so large that
        its squared norm overflows: above ~1e19 in float32) leaves the parameters untouched and the step returns False; the state
        is untouched too when the gradient was at fault.
        """
        layout, steps = self.layout, self.steps
        present = [k for k in layout.keys if k in grads]
        counts = {steps[k] for k in present}
        if len(present) == len(layout.keys) and len(counts) <= 1:  # one flat update
            layout.gather(grads, self._grad)
            groups = [(present, slice(None))]
        else:  # each parameter keeps its own step count (Adam's bias correction)
            groups = [([k], layout.slices[k]) for k in present]
            for key, part in groups:
                self.xp.copyto(self._grad[part], grads[key[0]].reshape(-1))
        if check_finite and not all(_finite(self._grad[part]) for _, part in groups):
            return False
        for keys, part in groups:
            for key in keys:
                steps[key] += 1
            self.t = steps[keys[0]]
            state = {name: buffer[part] for name, buffer in self.state.items()}
            self.direction(self._grad[part], self._update[part], self._scratch[part], state)
        if check_finite and not all(_finite(self._update[part]) for _, part in groups):
            return False
        layout.subtract(self._update, present)
        return True

    def nonfinite(self) -> list[str]:
        """After a step that returned False: the keys whose gradient or update was not finite."""
        slices = self.layout.slices.items()
        return [k for k, s in slices if not (_finite(self._grad[s]) and _finite(self._update[s]))]

    def direction(self, grad, out, scratch, state) -> None:
        """Write the step to subtract from the parameters into ``out`` (1-D views).

        grad may be overwritten; scratch is free working space of the same size.
        """
        raise NotImplementedError


def _lr() -> Attr:
    return Attr("lr", "float", 1e-2, LR_DOC, minimum=0.0, exclusive_minimum=True)


def _eps(default: float) -> Attr:
    return Attr("eps", "float", default, "added to the denominator", minimum=0.0)


class SGD(Optimizer):
    """Vanilla gradient descent: x -= lr * dx."""

    name = "sgd"
    settings = (_lr(),)

    def direction(self, grad, out, scratch, state):
        self.xp.multiply(grad, self.lr, out=out)


class Momentum(Optimizer):
    """SGD with momentum (PyTorch form): v = rho * v + dx; x -= lr * v."""

    name = "momentum"
    settings = (_lr(), Attr("momentum", "float", 0.9, "rho, friction", minimum=0.0, maximum=1.0))
    state_names = ("velocity",)

    def direction(self, grad, out, scratch, state):
        velocity = state["velocity"]
        velocity *= self.momentum
        velocity += grad
        self.xp.multiply(velocity, self.lr, out=out)


class Nesterov(Momentum):
    """Nesterov momentum (PyTorch form): v = rho * v + dx; x -= lr * (dx + rho * v).

    With a constant lr this equals the curriculum's change of variables
    x += -rho * v_old + (1 + rho) * v_new with v = rho * v - lr * dx.
    """

    name = "nesterov"

    def direction(self, grad, out, scratch, state):
        velocity = state["velocity"]
        velocity *= self.momentum
        velocity += grad
        self.xp.multiply(velocity, self.momentum, out=out)
        out += grad
        out *= self.lr


class AdaGrad(Optimizer):
    """AdaGrad: cache += dx**2; x -= lr * dx / (sqrt(cache) + eps) (PyTorch's Adagrad)."""

    name = "adagrad"
    settings = (
        _lr(),
        _eps(1e-7),
        Attr("initial_accumulator_value", "float", 0.0, "cache's starting value", minimum=0.0),
    )
    state_names = ("cache",)

    def _init_state(self):
        self.state["cache"].fill(self.initial_accumulator_value)

    def direction(self, grad, out, scratch, state):
        _accumulate_square(self.xp, state["cache"], grad, scratch, 1.0)
        _scaled_ratio(self.xp, grad, state["cache"], self.eps, self.lr, out)


class RMSProp(Optimizer):
    """RMSProp: cache = decay * cache + (1 - decay) * dx**2; x -= lr * dx / (sqrt(cache) + eps).

    decay is PyTorch's ``alpha``.
    """

    name = "rmsprop"
    settings = (
        _lr(),
        Attr("decay", "float", 0.99, "decay rate of the squared-gradient cache", 0.0, 1.0),
        _eps(1e-7),
    )
    state_names = ("cache",)

    def direction(self, grad, out, scratch, state):
        cache = state["cache"]
        cache *= self.decay
        _accumulate_square(self.xp, cache, grad, scratch, 1.0 - self.decay)
        _scaled_ratio(self.xp, grad, cache, self.eps, self.lr, out)


class Adam(Optimizer):
    """Adam with bias correction, as PyTorch computes it.

    m = b1 m + (1 - b1) dx; v = b2 v + (1 - b2) dx**2;
    x -= lr / (1 - b1**t) * m / (sqrt(v) / sqrt(1 - b2**t) + eps).
    """

    name = "adam"
    settings = (
        Attr("lr", "float", 1e-3, LR_DOC, minimum=0.0, exclusive_minimum=True),
        Attr("beta1", "float", 0.9, "decay of the first moment", minimum=0.0, maximum=1.0),
        Attr("beta2", "float", 0.999, "decay of the second moment", minimum=0.0, maximum=1.0),
        _eps(1e-8),
    )
    state_names = ("m", "v")

    def direction(self, grad, out, scratch, state):
        xp, m, v = self.xp, state["m"], state["v"]
        correction2 = math.sqrt(1.0 - self.beta2**self.t)
        step = self.lr / (1.0 - self.beta1**self.t)
        if fused_kernels(xp):  # the same operations in one launch
            betas = (self.beta1, self.beta2)
            cuda.adam_direction(grad, m, v, out, *betas, 1.0 / correction2, self.eps, step)
            return
        m *= self.beta1
        xp.multiply(grad, 1.0 - self.beta1, out=out)
        m += out
        v *= self.beta2
        _accumulate_square(xp, v, grad, scratch, 1.0 - self.beta2)
        xp.sqrt(v, out=scratch)
        scratch *= 1.0 / correction2
        scratch += self.eps
        xp.divide(m, scratch, out=out)
        out *= step


def _accumulate_square(xp, cache, grad, scratch, weight: float) -> None:
    """cache += weight * grad**2, without temporaries."""
    xp.multiply(grad, grad, out=scratch)
    if weight != 1.0:
        scratch *= weight
    cache += scratch


def _scaled_ratio(xp, grad, cache, eps: float, lr: float, out) -> None:
    """out = lr * grad / (sqrt(cache) + eps), without temporaries."""
    xp.sqrt(cache, out=out)
    out += eps
    xp.divide(grad, out, out=out)
    out *= lr


def _finite(vector) -> bool:
    """One dot product instead of an isfinite mask: NaN and inf (and overflow) make it fail."""
    return math.isfinite(float(vector.dot(vector)))


def configure(optimizer, params: Mapping[str, Any], frozen, settings: Mapping[str, Any]) -> None:
    """Set ``optimizer``'s validated settings as attributes, its parameters and flat layout."""
    for key, value in validate_settings(type(optimizer), settings).items():
        setattr(optimizer, key, value)
    optimizer.params = params
    optimizer.layout = FlatLayout(params, frozen)
    optimizer.xp = optimizer.layout.xp


def validate_settings(cls, given: Mapping[str, Any]) -> dict[str, Any]:
    """Settings of an optimizer or schedule class: defaults filled in, each one validated."""
    known = {attr.name: attr for attr in cls.settings}
    unknown = set(given) - set(known)
    if unknown:
        raise GraphLabError(
            f"{cls.name} has no setting {', '.join(sorted(unknown))} "
            f"(its settings: {', '.join(known)})"
        )
    values = {}
    for name, attr in known.items():
        value = given.get(name, attr.default)
        values[name] = attr.validate(value)
    return values


def _registry() -> dict[str, type]:
    from engine.lbfgs import LBFGS  # it builds on this module's FlatLayout and settings

    classes = (SGD, Momentum, Nesterov, AdaGrad, RMSProp, Adam, LBFGS)
    return {cls.name: cls for cls in classes}


def optimizer_names() -> tuple[str, ...]:
    return tuple(_registry())


def optimizer_class(name: str) -> type:
    """The optimizer class registered as ``name`` (its ``settings`` list the Attr records)."""
    registry = _registry()
    if name not in registry:
        raise GraphLabError(f"unknown optimizer {name!r}: expected one of {', '.join(registry)}")
    return registry[name]


def make_optimizer(name: str, params: Mapping[str, Any], frozen=(), **settings):
    """``make_optimizer('adam', graph.params, lr=1e-3)``."""
    return optimizer_class(name)(params, frozen=frozen, **settings)
