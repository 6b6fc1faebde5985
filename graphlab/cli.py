"""The ``graphlab`` command: run, check, describe and train graph files without a window.

Exit status: 0 success, 1 a check failed, 2 bad usage or bad input (one line on stderr),
3 an unexpected error (one line on stderr, its traceback in the error log; see
:mod:`graphlab.crashlog`).
"""

from __future__ import annotations

import argparse
import os
import sys

from engine.errors import GraphLabError
from graphlab.budget import parse_size, set_memory_limit
from graphlab.cli_args import INTERRUPTED
from graphlab.crashlog import unexpected_message

DESCRIPTION = """\
GraphLab: build, step through and train computational graphs (CS231n).

Every GRAPH argument is a file (.graphlab project or .json graph) or the name of a
bundled example (see `graphlab examples`).
"""

EPILOG = """\
examples:
  graphlab examples                          list the bundled examples
  graphlab describe cnn-digits               nodes, shapes and parameter count
  graphlab run circuit-add-mul --backward    f = (x + y) z and its gradients
  graphlab gradcheck sigmoid-neuron          analytic vs numerical gradients
  graphlab train cnn-digits --epochs 3       train on the bundled digits
"""


class Parser(argparse.ArgumentParser):
    """argparse that prints one line and exits with status 2 on bad usage."""

    def error(self, message: str):
        if message.endswith("expected one argument"):  # a value such as -1:1 read as an option
            message += " (a value starting with '-' goes in the --option=VALUE form)"
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    from graphlab import (
        cli_course,
        cli_evaluate,
        cli_lessons,
        cli_replay,
        cli_runs,
        cli_search,
        cli_train,
        cli_weights,
        commands,
    )

    parser = Parser(
        prog="graphlab",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--memory-limit",
        type=memory_size,
        metavar="SIZE",
        help="the most memory any one input file may make, e.g. 512M or 2G "
        "(default: a quarter of physical memory)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for register in [
        *commands.REGISTER,
        *cli_train.REGISTER,
        *cli_search.REGISTER,
        *cli_evaluate.REGISTER,
        *cli_course.REGISTER,
        *cli_lessons.REGISTER,
        *cli_replay.REGISTER,
        *cli_runs.REGISTER,
        *cli_weights.REGISTER,
    ]:
        register(sub)
    return parser


def memory_size(text: str) -> int:
    """``512M`` -> bytes, for --memory-limit."""
    try:
        return parse_size(text)
    except GraphLabError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def main(argv: list[str] | None = None) -> int:
    """Run one subcommand; every failure is one line on stderr (status 2, or 3 if unexpected)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:  # plain `graphlab` opens the window on the default example
        args = parser.parse_args([*(sys.argv[1:] if argv is None else argv), "open"])
    set_memory_limit(args.memory_limit)
    try:
        return int(args.handler(args) or 0)
    except GraphLabError as exc:
        print(f"graphlab: error: {_one_line(str(exc))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("graphlab: interrupted", file=sys.stderr)
        return INTERRUPTED
    except BrokenPipeError:  # the reader went away (`graphlab ... | head`): stop quietly
        _silence_stdout()
        return 0
    except Exception as exc:  # a bug: one line here, the traceback in the log
        print(f"graphlab: {_one_line(unexpected_message(exc, f'running graphlab {args.command}'))}",
              file=sys.stderr)  # fmt: skip
        return 3
    finally:
        set_memory_limit(None)


def _silence_stdout() -> None:
    """Point stdout at /dev/null so Python's exit flush does not fail on the closed pipe."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def _one_line(message: str) -> str:
    return " ".join(message.split())


if __name__ == "__main__":
    sys.exit(main())
