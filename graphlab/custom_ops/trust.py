"""Which custom op code may run in this process, and the ops registered for it.

Trust is given to a source text (its SHA-256), never to a name: a person trusts a project's
code when opening it (the window asks; ``--trust`` on the command line) or by writing it in
the editor. :func:`install` registers each definition in the engine's op registry: a runnable
op for trusted code (compiled there, the one place user code is executed), a placeholder
otherwise. Loading a file calls :func:`install_placeholders`, which never compiles anything.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from engine.errors import GraphLabError
from engine.ops import REGISTRY, register_user, unregister_user
from graphlab.custom_ops.definition import CustomOpError, OpDefinition
from graphlab.custom_ops.runtime import CustomOp, compile_code, make_op

_TRUSTED: set[str] = set()

REFUSAL = "contains custom op code; pass --trust to run it"


def fingerprint(definition: OpDefinition) -> str:
    return hashlib.sha256(definition.source.encode()).hexdigest()


def is_trusted(definition: OpDefinition) -> bool:
    return fingerprint(definition) in _TRUSTED


def trust(definitions: Iterable[OpDefinition]) -> None:
    """Let these sources run, and register them as runnable ops."""
    definitions = list(definitions)
    _TRUSTED.update(fingerprint(d) for d in definitions)
    install(definitions)


def distrust(definitions: Iterable[OpDefinition]) -> None:
    """Stop these sources from running: their ops become placeholders."""
    definitions = list(definitions)
    _TRUSTED.difference_update(fingerprint(d) for d in definitions)
    install(definitions)


def install(definitions: Iterable[OpDefinition]) -> None:
    """Register each definition (replacing an op of that name): runnable when its code is
    trusted, else a placeholder; code that fails to compile gives a placeholder whose
    problem says why (the nodes show it)."""
    for definition in definitions:
        runnable = is_trusted(definition)
        if _up_to_date(registered(definition.name), definition, runnable):
            continue
        code, problem = None, ""
        if runnable:
            try:
                code = compile_code(definition)
            except CustomOpError as exc:
                problem = str(exc)
        register_user(make_op(definition, code, problem))


def install_placeholders(definitions: Iterable[OpDefinition]) -> None:
    """What loading does: register the definitions without compiling any code (an op already
    registered for the same trusted source stays runnable)."""
    for definition in definitions:
        current = registered(definition.name)
        kept = _up_to_date(current, definition, is_trusted(definition))
        if not kept and not _up_to_date(current, definition, False):
            register_user(make_op(definition, None))


def _up_to_date(op: CustomOp | None, definition: OpDefinition, runnable: bool) -> bool:
    """Whether ``op`` already is what installing ``definition`` (runnable or not) gives."""
    if op is None or op.definition.source != definition.source or op.runnable != runnable:
        return False
    return is_trusted(definition) if runnable else op.definition.shapes == definition.shapes


def registered(name: str) -> CustomOp | None:
    """The custom op registered as ``name``, if any."""
    op = REGISTRY.get(name)
    return op if getattr(op, "user", False) else None


def user_ops() -> dict[str, CustomOp]:
    """Every registered custom op by name."""
    return {name: op for name, op in sorted(REGISTRY.items()) if op.user}


def forget_all() -> None:
    """Unregister every custom op and forget every trusted source (tests)."""
    for name in list(user_ops()):
        unregister_user(name)
    _TRUSTED.clear()


def require_trust(doc, trusted: bool, where: str) -> None:
    """For the command line: refuse a document holding op code unless ``trusted`` (--trust),
    else trust and register its code."""
    if not doc.custom_ops:
        return
    if not trusted:
        raise GraphLabError(f"{where} {REFUSAL}")
    trust(doc.custom_ops.values())
