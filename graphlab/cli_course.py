"""``graphlab race`` and ``graphlab check``: the course's optimizer race and sanity checks."""

from __future__ import annotations

import sys

from engine.errors import GraphLabError
from graphlab.cli_args import add_command, add_graph_argument, add_seed_argument, positive_int
from graphlab.course.surfaces import OPTIMIZERS, SURFACES, surface


def _optimizer_list(text: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in OPTIMIZERS]
    if unknown or not names:
        raise GraphLabError(
            f"--optimizers {text!r}: expected names from {', '.join(OPTIMIZERS)}, comma-separated"
        )
    return names


def _rates(text: str | None) -> dict[str, float]:
    """'sgd=0.1,adam=0.3' -> {'sgd': 0.1, 'adam': 0.3}."""
    rates = {}
    for item in filter(None, (text or "").split(",")):
        name, _, value = item.partition("=")
        try:
            rates[name.strip()] = float(value)
        except ValueError:
            raise GraphLabError(f"--lr {text!r}: {item!r} is not NAME=number") from None
        if rates[name.strip()] <= 0:
            raise GraphLabError(f"--lr {text!r}: learning rates must be above 0")
    return rates


def cmd_race(args) -> int:
    from graphlab.course.race import Race

    names = _optimizer_list(args.optimizers)
    given = _rates(args.lr)
    extra = set(given) - set(names)
    if extra:
        raise GraphLabError(f"--lr names {', '.join(sorted(extra))}, not in --optimizers")
    race = Race(surface(args.surface), {n: given.get(n) for n in names}, seed=args.seed)
    race.step(args.steps)
    for name, runner in race.runners.items():
        state = "diverged" if runner.diverged else f"loss {runner.losses[-1]:.6g}"
        print(
            f"{name:9s} lr {runner.lr:<8g} {state}, "
            f"distance to the minimum {runner.distance_to_minimum():.3g}"
        )
    if args.png:
        from graphlab.course.render import race_png

        try:
            race_png(race, args.png)
        except OSError as exc:
            raise GraphLabError(f"{args.png}: cannot write ({exc.strerror or exc})") from None
        print(f"wrote {args.png}")
    return 0


def add_race(sub) -> None:
    p = add_command(
        sub,
        "race",
        cmd_race,
        "optimizers racing on a 2-D surface (lecture 7)",
        "Run the engine's optimizers from one start point on a two-parameter "
        "surface and report where each one ended; --png draws the paths and losses.",
    )
    p.add_argument("--surface", choices=sorted(SURFACES), default="ravine")
    p.add_argument(
        "--optimizers", default=",".join(OPTIMIZERS), help="comma-separated (default: all six)"
    )
    p.add_argument("--lr", metavar="NAME=X,...", help="learning rates (default: the surface's)")
    p.add_argument(
        "--steps", type=positive_int, default=200, help="steps of each optimizer (default 200)"
    )
    add_seed_argument(p, "seed of the minibatch noise")
    p.add_argument("--png", metavar="FILE.png", help="draw the race into this PNG")


def cmd_check(args) -> int:
    from graphlab.course.sanity import run_checks
    from graphlab.examples import open_graph

    doc = open_graph(args.graph)
    say = lambda line: print(line, file=sys.stderr, flush=True)  # noqa: E731
    report = run_checks(doc, sweep_steps=args.sweep_steps, workers=args.workers, progress=say)
    print(report.text())
    if report.sweep is not None:
        for lr, loss in zip(report.sweep.lrs, report.sweep.losses, strict=True):
            print(f"      lr {lr:<10.3g} final loss {loss:.4g}")
    return 0 if report.passed else 1


def add_check(sub) -> None:
    p = add_command(
        sub,
        "check",
        cmd_check,
        "the sanity checks of 'babysitting the learning process'",
        "On GRAPH's dataset: initial loss against its expected value, loss rising "
        "with regularization, overfitting 20 examples, and a learning-rate sweep with a "
        "suggested rate. Exit status 1 if any check fails.",
    )
    add_graph_argument(p)
    p.add_argument(
        "--sweep-steps", type=positive_int, default=200, help="steps per rate (default 200)"
    )
    p.add_argument(
        "--workers", type=positive_int, help="processes for the sweep (default: the cores)"
    )


REGISTER = [add_race, add_check]
