"""``graphlab open``: the window on a graph, or a screenshot of it.

:func:`run_ui` is the one function in ``graphlab`` that imports ``ui`` (and so Qt), lazily, so
``graphlab`` stays Qt-free at import; ``graphlab export --png/--svg`` draws through it too. Options that later steer the window (stepping, training) are collected by
:func:`window_options` and passed to ``ui.app.run_app`` as keyword arguments.
"""

from __future__ import annotations

import argparse
import re

from engine.errors import GraphLabError
from graphlab.atomic import save_target
from graphlab.cli_args import add_command, fraction_between, positive_int
from graphlab.examples import resolve_graph


def parse_size(text: str) -> tuple[int, int]:
    """``1600x1000`` -> (1600, 1000)."""
    match = re.fullmatch(r"\s*(\d+)\s*[xX]\s*(\d+)\s*", text)
    if not match or not (100 <= int(match[1]) <= 10000 and 100 <= int(match[2]) <= 10000):
        raise argparse.ArgumentTypeError(
            f"expected WIDTHxHEIGHT between 100 and 10000, got {text!r}"
        )
    return int(match[1]), int(match[2])


def parse_step(text: str) -> tuple[str, int]:
    """``backward:3`` -> ("backward", 3): a pass of the backprop stepper and a step count."""
    match = re.fullmatch(r"\s*(forward|backward)\s*:\s*(\d+)\s*", text)
    if not match:
        raise argparse.ArgumentTypeError(f"expected forward:N or backward:N, got {text!r}")
    return match[1], int(match[2])


def window_options(args) -> dict:
    """The keyword arguments of ``run_app`` that the command line sets."""
    return {
        "screenshot": args.screenshot,
        "size": args.size,
        "theme": args.theme,
        "step": getattr(args, "step", None),
        "train": getattr(args, "train", None),
        "screenshot_at": getattr(args, "screenshot_at", 1.0),
    }


def run_ui(entry: str, *args, **kwargs):
    """Call ``ui.app.<entry>(*args, **kwargs)``: ``run_app`` starts the window,
    ``export_document_picture`` draws a graph offscreen. Qt is imported here, not before."""
    try:
        from ui import app
    except ImportError as exc:
        raise GraphLabError(f"the window and pictures need Qt (PySide6): {exc}") from None
    return getattr(app, entry)(*args, **kwargs)


def cmd_open(args) -> int:
    if args.graph is not None:
        resolve_graph(args.graph)  # a bad name fails here, with one line and no window
    if args.screenshot:  # a folder, FIFO or device is refused before the window opens
        save_target(args.screenshot, lambda message: GraphLabError(f"--screenshot {message}"))
    return run_ui("run_app", args.graph, **window_options(args))


def add_open(sub) -> None:
    p = add_command(
        sub,
        "open",
        cmd_open,
        "open the window on a graph (default: the last file; the first circuit, with a "
        "welcome page, on the first start)",
        "Open the GraphLab window on GRAPH (a file or bundled example name).",
    )
    p.add_argument("graph", nargs="?", default=None, metavar="GRAPH")
    p.add_argument(
        "--screenshot",
        metavar="FILE.png",
        help="render the window to this PNG once it is laid out, then exit",
    )
    p.add_argument(
        "--size",
        type=parse_size,
        metavar="WxH",
        help="window size in pixels (default 1600x1000 for screenshots)",
    )
    p.add_argument(
        "--theme",
        choices=("system", "light", "dark"),
        help="colour theme of the window and canvas (default: the saved one; at first, the system's)",
    )
    p.add_argument(
        "--step",
        type=parse_step,
        metavar="forward:N|backward:N",
        help="walk the backprop stepper N steps into the forward or backward pass",
    )
    p.add_argument(
        "--train",
        type=positive_int,
        metavar="EPOCHS",
        help="train EPOCHS epochs in the window (as the Start button does); with --screenshot, "
        "render the window with the dashboard once training ends",
    )
    p.add_argument(
        "--screenshot-at",
        type=fraction_between(zero=False, one=True),
        default=1.0,
        metavar="FRACTION",
        help="with --train and --screenshot: render once this fraction of the steps is done "
        "(0.5: mid-training), then stop (default 1: at the end)",
    )
