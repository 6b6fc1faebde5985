"""Ops written by the user in Python (numpy), Qt-free: definitions read without running them,
the trust that lets their code run, their registration in the engine's op registry, the
gradient check, the time limit on their code, and their place in projects and in the user's
op folder (docs/architecture.md, "Custom ops")."""

from graphlab.custom_ops import time_limit
from graphlab.custom_ops.check import CheckReport, PortCheck, check_op
from graphlab.custom_ops.definition import (
    TEMPLATE,
    CustomOpError,
    OpDefinition,
    parse_definition,
)
from graphlab.custom_ops.runtime import CATEGORY, CustomOp, uses_custom_ops
from graphlab.custom_ops.store import (
    custom_ops_field,
    read_custom_ops,
    read_folder,
    save_to_folder,
)
from graphlab.custom_ops.trust import (
    REFUSAL,
    distrust,
    forget_all,
    install,
    is_trusted,
    registered,
    require_trust,
    trust,
    user_ops,
)

__all__ = [
    "CATEGORY",
    "REFUSAL",
    "TEMPLATE",
    "CheckReport",
    "CustomOp",
    "CustomOpError",
    "OpDefinition",
    "PortCheck",
    "check_op",
    "custom_ops_field",
    "distrust",
    "forget_all",
    "install",
    "is_trusted",
    "parse_definition",
    "read_custom_ops",
    "read_folder",
    "registered",
    "require_trust",
    "save_to_folder",
    "time_limit",
    "trust",
    "user_ops",
    "uses_custom_ops",
]
