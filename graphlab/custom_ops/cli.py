"""``--trust`` for the commands that run a graph (run, train, gradcheck, export --torch)."""

from __future__ import annotations

from graphlab.custom_ops.trust import require_trust
from graphlab.examples import open_graph


def add_trust_argument(parser) -> None:
    parser.add_argument(
        "--trust",
        action="store_true",
        help="run the custom op code (Python) the project contains; read it first",
    )


def open_trusted(args, needed: bool = True):
    """Load GRAPH; a project holding custom op code is refused (status 2) unless --trust
    was given, in which case its code is trusted. ``needed=False`` loads without asking."""
    doc = open_graph(args.graph)
    if needed:
        require_trust(doc, args.trust, args.graph)
    return doc
