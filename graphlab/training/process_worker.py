"""Training in a forked child process, so the trainer's Python code never competes with the
window for the GIL (a thread would: each redraw then waits for the interpreter lock).

The run is prepared in the window's process and inherited by the fork (nothing to pickle);
the child runs the same :class:`TrainingWorker` with a bridge that sends every event through a
pipe, and a second pipe carries Pause, Resume, Stop and the plot choices to it. At the end it
sends the trained parameters, state and optimizer state (as soon as the trainer's loop ends,
before the final results), which :meth:`TrainingProcess.apply` copies into the window's run
(its graph and trainer then equal the child's) before ``TrainingRun.finish`` writes them into
the document. The child never touches Qt. Custom op code has no time limit in the child:
Stop interrupts op code still running a second later (``TrainingWorker.stop``), and when the
graph uses custom ops, a child that has not sent its trained values :data:`STOP_GRACE`
seconds after Stop (op code the interruption cannot reach, such as a ``time.sleep``) is
terminated; the run then ends with the parameters it started from. A graph of built-in ops
always ends its step, however slow, so its child is waited for.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import threading
import time

from engine.backend import to_numpy
from graphlab.custom_ops import time_limit, uses_custom_ops
from graphlab.training.worker import TrainingBridge, TrainingWorker

LOST = "the training process ended unexpectedly (out of memory?); the parameters are unchanged"
#: seconds the child has after Stop to send its trained values, before it is terminated
STOP_GRACE = 2.0
#: seconds more it has, once they came, for its final results
RESULTS_GRACE = 10.0
STOP_LOST = (
    "the training process did not stop within {:g} s of Stop (a custom op that cannot be "
    "interrupted?) and was ended; the parameters are those before the run"
)
RESULTS_LOST = (
    "the training process did not end within {:g} s of Stop and was ended; the trained "
    "parameters are kept, without the final results"
)
#: seconds between the reader's checks of the grace while no message comes
READ_WAIT = 0.1


class PipeBridge:
    """The child's side of the bridge: the same methods, each a message to the window (steps
    and epochs go in batches, at most every FLUSH_SECONDS, to keep the per-step cost small: a
    full-batch run ends an epoch at every step). A thread of its own sends what waited longer
    (the epoch published as the run pauses, the last step before a long evaluation)."""

    FLUSH_SECONDS = 0.02

    def __init__(self, conn) -> None:
        self.conn, self.lock = conn, threading.Lock()
        self.steps: list[tuple[int, int, float, float]] = []
        self.epochs: list = []
        self.flushed = time.perf_counter()
        threading.Thread(target=self._send_late, daemon=True).start()

    def _send_late(self) -> None:
        while True:
            time.sleep(self.FLUSH_SECONDS)
            if time.perf_counter() - self.flushed >= self.FLUSH_SECONDS:
                try:
                    self._send()
                except OSError:  # the window is gone: nothing left to tell
                    return

    def _send(self, *message) -> None:
        with self.lock:
            if not (message or self.steps or self.epochs):
                return
            if self.steps or self.epochs:
                self.conn.send(("batch", (self.steps, self.epochs)))
                self.steps, self.epochs = [], []
            if message:
                self.conn.send(message)
            self.flushed = time.perf_counter()

    def on_step(self, event) -> None:
        with self.lock:  # Pause/Stop send from the control thread: no step may slip between
            self.steps.append((event.epoch, event.step, event.loss, event.lr))
        if time.perf_counter() - self.flushed >= self.FLUSH_SECONDS:
            self._send()

    def on_epoch(self, event) -> None:
        with self.lock:
            self.epochs.append(event)

    def on_stats(self, event) -> None:
        self._send("stats", event)

    def set(self, **values) -> None:
        values.pop("finished", None)  # sent last, after the trained values
        self._send("set", values)


def blas_threads() -> int:
    """BLAS threads for the child: one core is left to the window (a BLAS thread that loses
    its core stalls every matrix product of the others)."""
    return max(1, (os.cpu_count() or 2) - 1)


def _child(run, events, control, stats_every: int | None, grid: int | None, choice) -> None:
    """The child process: train ``run`` (inherited), obey ``control``, report on ``events``."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(blas_threads())
    time_limit.no_limit_in_this_process()  # a long call freezes nothing here; Stop ends it
    # each epoch's evaluation overlaps the next epoch's steps, on the core BLAS leaves idle
    run.trainer.background_evaluation = True
    bridge = PipeBridge(events)
    worker = TrainingWorker(run, bridge, stats_every, grid)
    worker.conv_layer, worker.image_index, weights = choice
    worker.set_weights(weights)
    worker.on_trained = lambda: bridge._send("final", trained_values(run))

    def obey():
        while True:
            try:
                command, *args = control.recv()
            except EOFError:
                worker.stop()
                return
            if command == "choose":
                worker.conv_layer, worker.image_index, weights = args
                worker.set_weights(weights)
            else:
                getattr(worker, command)()

    threading.Thread(target=obey, daemon=True).start()
    worker.run()
    bridge._send("set", {"finished": True})


def trained_values(run) -> dict:
    """Parameters, op state, optimizer state and progress of a run, as numpy arrays."""
    trainer, graph = run.trainer, run.graph
    optimizer = trainer.optimizer
    return {
        "params": {k: to_numpy(v) for k, v in graph.params.items()},
        "state": {n: {k: to_numpy(v) for k, v in s.items()} for n, s in graph.state.items() if s},
        "optimizer": {k: to_numpy(v) for k, v in getattr(optimizer, "state", {}).items()},
        "optimizer_steps": dict(getattr(optimizer, "steps", {})),
        "step": trainer.step,
        "epoch": trainer.epoch,
    }


class TrainingProcess:
    """A TrainingWorker in a forked process, with the thread worker's interface."""

    def __init__(
        self, run, bridge: TrainingBridge, stats_every: int | None = 10, grid: int | None = 60
    ):
        self.training, self.bridge = run, bridge
        self.exception: BaseException | None = None  # only in the child: its message comes
        self.stats_every, self.grid = stats_every, grid
        self.conv_layer: str | None = None
        self.image_index = 0
        self.weights: str | None = None
        self.final: dict | None = None
        self.stopped_at: float | None = None  # time.monotonic() of the first Stop
        #: whether Stop's grace applies: only user code can hang (a slow built-in step ends)
        self.may_hang = uses_custom_ops(run.graph)
        context = multiprocessing.get_context("fork")
        self.events, child_events = context.Pipe(duplex=False)
        child_control, self.control = context.Pipe(duplex=False)
        self._pipes = (child_events, child_control)
        self.process = context.Process(target=self._start_child, daemon=True)
        self.reader = threading.Thread(target=self._read, daemon=True)

    def _start_child(self) -> None:
        choice = (self.conv_layer, self.image_index, self.weights)
        child_events, child_control = self._pipes
        _child(self.training, child_events, child_control, self.stats_every, self.grid, choice)

    def start(self) -> None:
        self.process.start()
        for conn in self._pipes:
            conn.close()
        self.reader.start()

    def _read(self) -> None:
        """The window's reader thread: messages into the bridge until the child is done."""
        bridge = self.bridge
        while True:
            try:
                if not self.events.poll(READ_WAIT):
                    overdue = self._overdue()
                    if overdue:
                        self._end(overdue)
                        return
                    continue
                kind, payload = self.events.recv()
            except (EOFError, OSError):
                bridge.set(error=LOST, finished=True, paused=False)
                return
            if kind == "batch":
                bridge.on_batch(*payload)
            elif kind == "stats":
                bridge.on_stats(payload)
            elif kind == "final":
                self.final = payload
            else:
                bridge.set(**payload)
                if payload.get("finished"):
                    return

    def _overdue(self) -> str | None:
        """After Stop, the sentence for a child past its grace (None while it has time)."""
        if self.stopped_at is None or not self.may_hang:
            return None
        waited = time.monotonic() - self.stopped_at
        if self.final is None and waited > STOP_GRACE:
            return STOP_LOST.format(STOP_GRACE)
        if waited > STOP_GRACE + RESULTS_GRACE:
            return RESULTS_LOST.format(STOP_GRACE + RESULTS_GRACE)
        return None

    def _end(self, message: str) -> None:
        """Terminate the child (kill it if that is not enough) and end the run with ``message``."""
        self.process.terminate()
        self.process.join(1.0)
        if self.process.is_alive():
            self.process.kill()
        self.bridge.set(error=message, finished=True, paused=False)

    # -- control (UI thread) ----------------------------------------------------------------

    def _command(self, *message) -> None:
        with contextlib.suppress(BrokenPipeError, OSError):  # the child may have ended
            self.control.send(message)

    def set_weights(self, param: str | None) -> None:
        self.weights = param
        self._command("choose", self.conv_layer, self.image_index, param)

    def pause(self) -> None:
        self._command("pause")
        self.bridge.set(paused=True)

    def resume(self) -> None:
        self._command("resume")
        self.bridge.set(paused=False)

    def stop(self) -> None:
        self._command("stop")
        self.bridge.set(paused=False)
        if self.stopped_at is None:
            self.stopped_at = time.monotonic()

    def is_alive(self) -> bool:
        return self.reader.is_alive() or self.process.is_alive()

    def join(self, timeout: float | None = None) -> None:
        self.reader.join(timeout)
        if self.reader.is_alive():  # the child still talks (or is within its grace)
            return
        self.process.join(0.5 if timeout is None else timeout)
        if self.process.is_alive():
            self.process.terminate()

    def apply(self) -> None:
        """Copy the child's trained values into the window's run (graph, optimizer, counts)."""
        final = self.final
        if final is None:
            return
        run = self.training
        graph, trainer = run.graph, run.trainer
        xp = graph.xp
        for key, value in final["params"].items():
            xp.copyto(graph.params[key], xp.asarray(value, dtype=graph.params[key].dtype))
        for nid, state in final["state"].items():
            graph.state[nid] = {k: xp.asarray(v, dtype=graph.dtype) for k, v in state.items()}
        optimizer = trainer.optimizer
        for key, value in final["optimizer"].items():
            xp.copyto(optimizer.state[key], xp.asarray(value, dtype=optimizer.state[key].dtype))
        if final["optimizer_steps"]:
            optimizer.steps.update(final["optimizer_steps"])
        trainer.step, trainer.epoch = final["step"], final["epoch"]
