"""Time one full training step (forward, backward, Adam; float32) of the engine and of PyTorch.

    .venv/bin/python benchmarks/engine_vs_torch.py [--device cpu|cuda] [--threads 2]
                                                   [--rounds 20] [--steps 10]

The engine and torch each run in their own process (torch's OpenMP threads and numpy's
OpenBLAS threads slow each other down inside one process) with the same thread count; blocks
of steps alternate between the two processes, so that both see the same load on a shared
machine. Prints the median step time of each (over all blocks, after warm-up) and the
engine/torch ratio per model.
The engine runs the benchmark models as engine Graphs through the compiled training plan.
Exit status 2 when the device cannot be used.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.models import DEFAULT_MODELS, MODELS, engine_graph, sample_batch, torch_model  # noqa: E402

WARMUP = 20
BATCHES = 8  # distinct batches cycled through, made once before timing
#: --plan-threads auto: models with this many conv multiply-adds per sample (the 28x28 CNN has
#: 780K, the digits CNN 82K) split each batch between Python threads
AUTO_THREADS_MACS = 300_000
PAUSE = 0.15  # seconds between blocks: longer than OpenBLAS threads spin (2^28 cycles)


def engine_step(spec, device: str, threads: int, plan_threads: str):
    """One engine training step, step(i): plan step plus engine.optim.Adam."""
    import numpy as np

    from engine.optim import Adam
    from engine.plan import compile_training_plan

    graph = engine_graph(spec, device=device)
    if plan_threads == "auto":
        heavy = conv_macs_per_sample(graph) >= AUTO_THREADS_MACS
        plan_threads = threads if heavy else 1
    plan = compile_training_plan(graph, "loss", threads=int(plan_threads))
    if not plan.compiled:
        raise SystemExit(f"{spec.name}: the training plan did not compile ({plan.reason})")
    opt = Adam(graph.params, lr=1e-3)
    rng = np.random.default_rng(1)
    feeds = []
    for _ in range(BATCHES):
        x, labels = sample_batch(spec, rng)
        feeds.append({"x": graph.xp.asarray(x), "labels": graph.xp.asarray(labels)})
    sync = _engine_sync(device)

    def step(i: int) -> None:
        plan.step(feeds[i % BATCHES])
        opt.step(plan.grads)
        sync()

    return step


def conv_macs_per_sample(graph) -> int:
    """Multiply-adds of the graph's conv layers for one sample."""
    total = 0
    for conv in graph.nodes_of("conv2d"):
        filter_size = math.prod(graph.shapes[graph.sources[conv]["w"]][1:])
        total += math.prod(graph.shapes[conv][1:]) * filter_size
    return total


def _engine_sync(device: str):
    if device == "cpu":
        return lambda: None
    import cupy

    return cupy.cuda.Device().synchronize


def torch_step(spec, device: str, threads: int):
    """One training step of the same model in PyTorch with torch.optim.Adam, step(i)."""
    import numpy as np
    import torch

    torch.set_num_threads(threads)
    graph = engine_graph(spec)
    params = {k: np.asarray(v) for k, v in graph.params.items()}
    model = torch_model(spec, params, torch).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.functional.cross_entropy
    rng = np.random.default_rng(1)
    batches = []
    for _ in range(BATCHES):
        x, labels = sample_batch(spec, rng)
        batches.append((torch.from_numpy(x).to(device), torch.from_numpy(labels).to(device)))

    def step(i: int) -> None:
        x, labels = batches[i % BATCHES]
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), labels)
        loss.backward()
        opt.step()
        loss.item()  # the engine returns the loss as a float too (and syncs the device)

    return step


def serve(step) -> None:
    """Worker loop: warm up, say 'ready', then time ``n`` steps for each line 'n' on stdin."""
    for i in range(WARMUP):
        step(i)
    print("ready", flush=True)
    done = WARMUP
    for line in sys.stdin:
        times = []
        for i in range(done, done + int(line)):
            start = time.perf_counter()
            step(i)
            times.append(time.perf_counter() - start)
        done += len(times)
        print(json.dumps(times), flush=True)


class Worker:
    """One framework's model in its own process, the thread count fixed before any import."""

    def __init__(self, framework: str, model: str, args) -> None:
        env = dict(os.environ)
        for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env[name] = str(args.threads)
        command = [sys.executable, __file__, "--worker", framework, "--models", model]
        command += ["--device", args.device, "--threads", str(args.threads)]
        command += ["--plan-threads", str(args.plan_threads)]
        self.name = f"{framework} worker for {model}"
        self.process = subprocess.Popen(
            command, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        self._read()  # 'ready'

    def _read(self) -> str:
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit(f"{self.name} stopped (exit status {self.process.wait()})")
        return line

    def time(self, steps: int) -> list[float]:
        self.process.stdin.write(f"{steps}\n")
        self.process.stdin.flush()
        return json.loads(self._read())

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait()


def device_problem(device: str) -> str | None:
    """Why ``device`` cannot be used by both the engine and torch, or None."""
    if device == "cpu":
        return None
    from engine.backend import cuda_unavailable_reason

    reason = cuda_unavailable_reason()
    if reason:
        return reason
    import torch

    return None if torch.cuda.is_available() else "CUDA is not available to PyTorch."


def machine() -> str:
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
        cpu = next(line.split(":", 1)[1].strip() for line in lines if "model name" in line)
    except (OSError, StopIteration):
        cpu = platform.processor() or platform.machine()
    return f"{cpu}, {os.cpu_count()} logical CPUs, {platform.system()} {platform.release()}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument("--threads", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--steps", type=int, default=10, help="timed steps per block")
    parser.add_argument("--rounds", type=int, default=20, help="blocks per framework and model")
    parser.add_argument(
        "--models", help="comma-separated names (default: all for cuda; all but cifar for cpu)"
    )
    parser.add_argument(
        "--plan-threads",
        default="auto",
        help="Python threads of the engine's training plan, each taking a part of the batch "
        "with one BLAS thread; 'auto': --threads for conv-heavy models (28x28), else 1",
    )
    parser.add_argument("--worker", choices=("engine", "torch"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    models = args.models.split(",") if args.models else DEFAULT_MODELS[args.device]
    unknown = [m for m in models if m not in MODELS]
    if unknown:
        parser.error(f"unknown model {', '.join(unknown)} (known: {', '.join(MODELS)})")

    if args.worker:
        spec = MODELS[models[0]]
        if args.worker == "engine":
            serve(engine_step(spec, args.device, args.threads, args.plan_threads))
        else:
            serve(torch_step(spec, args.device, args.threads))
        return 0

    problem = device_problem(args.device)
    if problem:
        print(f"cannot benchmark on {args.device}: {problem}", file=sys.stderr)
        return 2
    print(f"date: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC")
    print(f"machine: {machine()}")
    print(
        f"device: {args.device}, threads: {args.threads} (plan threads: {args.plan_threads}), "
        f"steps: {args.rounds} blocks x {args.steps}"
    )
    print(
        "\n| model | engine median (ms) | torch median (ms) | engine/torch | block ratios p25-p75 |"
    )
    print("|---|---:|---:|---:|---:|")
    for model in models:
        engine, torch, ratios = measure(model, args)
        low, _, high = statistics.quantiles(ratios, n=4)
        print(
            f"| {model} | {engine:.3f} | {torch:.3f} | {engine / torch:.3g} | {low:.2f}-{high:.2f} |"
        )
    return 0


def measure(model: str, args) -> tuple[float, float, list[float]]:
    """Median step times (ms) of engine and torch, and the ratio of each pair of blocks.

    Blocks of ``args.steps`` steps alternate between the two processes (the order flips
    every block), so both see the same load on a shared machine.
    """
    workers = {f: Worker(f, model, args) for f in ("engine", "torch")}
    times = {f: [] for f in workers}
    ratios = []
    try:
        for block in range(args.rounds):
            order = ("engine", "torch") if block % 2 == 0 else ("torch", "engine")
            medians = {}
            for framework in order:
                measured = workers[framework].time(args.steps)
                times[framework] += measured
                medians[framework] = statistics.median(measured)
                time.sleep(PAUSE)  # lets the other process's spinning threads go idle
            ratios.append(medians["engine"] / medians["torch"])
    finally:
        for worker in workers.values():
            worker.close()
    engine, torch = (statistics.median(times[f]) * 1e3 for f in ("engine", "torch"))
    return engine, torch, ratios


if __name__ == "__main__":
    sys.exit(main())
