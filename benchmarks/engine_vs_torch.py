"""Time one full training step (forward, backward, Adam; float32) of the engine and of PyTorch.

    .venv/bin/python benchmarks/engine_vs_torch.py [--device cpu|cuda] [--threads 2] [--steps 100]

Each measurement runs in its own process (torch's OpenMP threads and numpy's OpenBLAS threads
slow each other down inside one process), engine and torch alternating, with the same thread
count for both. Prints the median step time of each and the engine/torch ratio per model.
The engine runs the benchmark models as engine Graphs through the compiled training plan.
Exit status 2 when the device cannot be used.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.models import MODELS, engine_graph, sample_batch, torch_model  # noqa: E402

WARMUP = 20
BATCHES = 8  # distinct batches cycled through, made once before timing


def engine_worker(spec, device: str, steps: int, threads: int) -> list[float]:
    """Step times (seconds) of the engine: plan step plus engine.optim.Adam."""
    import numpy as np

    from engine.optim import Adam
    from engine.plan import compile_training_plan

    graph = engine_graph(spec, device=device)
    plan = compile_training_plan(graph, "loss", threads=threads)
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

    return _time(step, steps)


def _engine_sync(device: str):
    if device == "cpu":
        return lambda: None
    import cupy

    return cupy.cuda.Device().synchronize


def torch_worker(spec, device: str, steps: int, threads: int) -> list[float]:
    """Step times (seconds) of the same model in PyTorch with torch.optim.Adam."""
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

    return _time(step, steps)


def _time(step, steps: int) -> list[float]:
    for i in range(WARMUP):
        step(i)
    times = []
    for i in range(steps):
        start = time.perf_counter()
        step(i)
        times.append(time.perf_counter() - start)
    return times


def run_worker(framework: str, model: str, args) -> list[float]:
    """Run one measurement in a fresh process with the thread count fixed before imports."""
    env = dict(os.environ)
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[name] = str(args.threads)
    command = [sys.executable, __file__, "--worker", framework, "--models", model]
    command += ["--device", args.device, "--threads", str(args.threads)]
    command += ["--steps", str(args.steps), "--plan-threads", str(args.plan_threads)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{framework} worker for {model} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


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
    parser.add_argument("--steps", type=int, default=50, help="timed steps per process")
    parser.add_argument("--rounds", type=int, default=4, help="processes per framework and model")
    parser.add_argument("--models", default=",".join(MODELS), help="comma-separated names")
    parser.add_argument(
        "--plan-threads",
        type=int,
        default=1,
        help="Python threads of the engine's training plan, each taking a part of the batch "
        "with one BLAS thread (default 1: one Python thread, --threads BLAS threads)",
    )
    parser.add_argument("--worker", choices=("engine", "torch"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    models = args.models.split(",")
    unknown = [m for m in models if m not in MODELS]
    if unknown:
        parser.error(f"unknown model {', '.join(unknown)} (known: {', '.join(MODELS)})")

    if args.worker:
        spec = MODELS[models[0]]
        if args.worker == "engine":
            times = engine_worker(spec, args.device, args.steps, args.plan_threads)
        else:
            times = torch_worker(spec, args.device, args.steps, args.threads)
        print(json.dumps(times))
        return 0

    problem = device_problem(args.device)
    if problem:
        print(f"cannot benchmark on {args.device}: {problem}", file=sys.stderr)
        return 2
    print(f"date: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC")
    print(f"machine: {machine()}")
    print(
        f"device: {args.device}, threads: {args.threads} (plan threads: {args.plan_threads}), "
        f"steps: {args.rounds} x {args.steps}"
    )
    times = {(m, f): [] for m in models for f in ("engine", "torch")}
    round_ratios = {m: [] for m in models}
    for round_ in range(args.rounds):
        order = ("engine", "torch") if round_ % 2 == 0 else ("torch", "engine")
        for model in models:
            medians = {}
            for framework in order:
                measured = run_worker(framework, model, args)
                times[model, framework] += measured
                medians[framework] = statistics.median(measured)
            round_ratios[model].append(medians["engine"] / medians["torch"])
    print("\n| model | engine median (ms) | torch median (ms) | engine/torch | per-round range |")
    print("|---|---:|---:|---:|---:|")
    for model in models:
        engine = statistics.median(times[model, "engine"]) * 1e3
        torch = statistics.median(times[model, "torch"]) * 1e3
        low, high = min(round_ratios[model]), max(round_ratios[model])
        print(
            f"| {model} | {engine:.3f} | {torch:.3f} | {engine / torch:.2f} | {low:.2f}-{high:.2f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
