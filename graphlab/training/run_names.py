"""Names that tell a document's runs apart: number, start time, optimizer and learning rate,
epochs (and where a stopped run ended) and the final accuracy."""

from __future__ import annotations


def run_name(
    number: int,
    started: str,
    settings: dict,
    steps: tuple[int, int],
    epochs: tuple[int, int],
    latest: dict[str, float],
) -> str:
    """``"run 3, 14:02: adam lr 0.001, 10 epochs, val 92.4%"``; a run that ended before its
    last step says ``"stopped at 4 / 10 epochs"``. ``steps`` and ``epochs`` are (done,
    planned); ``latest`` the record's latest values (``val_acc``/``train_acc`` in 0-1)."""
    parts = [f"{settings.get('optimizer', '?')} lr {float(settings.get('lr', 0.0)):g}"]
    (steps_done, steps_planned), (epochs_done, epochs_planned) = steps, epochs
    if steps_done < steps_planned:
        parts.append(f"stopped at {epochs_done} / {epochs_planned} epochs")
    else:
        parts.append(f"{epochs_planned} epoch{'s' if epochs_planned != 1 else ''}")
    for key, short in (("val_acc", "val"), ("train_acc", "train")):
        if key in latest:
            parts.append(f"{short} {100 * latest[key]:.1f}%")
            break
    return f"run {number}, {started}: " + ", ".join(parts)


def finished_name(number: int, started: str, session) -> str:
    """:func:`run_name` of a training session (graphlab.training.session) that ended."""
    run, record = session.run, session.record
    return run_name(
        number,
        started,
        run.settings,
        (session.steps_done(), session.total_steps),
        (record.epochs, run.trainer.epochs),
        record.latest,
    )


def ended_text(session, elapsed: float) -> str:
    """The progress line once ``session`` ended: ``"stopped at 18543 / 20000 steps"`` or
    ``"finished 20000 / 20000 steps in 41 s"``."""
    done, total = session.steps_done(), session.total_steps
    if done < total:
        return f"stopped at {done} / {total} steps"
    return f"finished {done} / {total} steps in {elapsed:.0f} s"
