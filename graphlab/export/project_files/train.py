"""Train this project's model with GraphLab's settings, on one process or many (DDP).

    python train.py                                          one process (CPU, or GPU 0)
    torchrun --standalone --nproc_per_node=N train.py        N processes on this machine
    torchrun --nnodes=M --node_rank=R --nproc_per_node=N \\
        --rdzv_backend=c10d --rdzv_endpoint=HOST:PORT train.py   M machines

Written by ``graphlab export GRAPH --torch-project DIR``; needs numpy and torch, not GraphLab.
project.json holds the optimizer, its settings, the learning-rate schedule (per step, as
GraphLab's), the epochs, the batch size (the global batch: each of N processes takes
batch_size // N) and the seed; weights.npz the initial parameters (frozen ones stay put).
Processes talk through gloo on CPUs and nccl on GPUs. Rank 0 writes OUT/metrics.csv
(GraphLab's metrics format: epoch,step,loss,lr,train_acc,val_acc), a checkpoint per epoch
(OUT/checkpoints/epoch-E.pt) and the final state dict OUT/model.pt, which
``graphlab import-weights PROJECT.graphlab OUT/model.pt --metrics OUT/metrics.csv`` reads back.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import os
import time
from pathlib import Path

import data
import numpy as np
import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

CONFIG = data.CONFIG
TRAINING = CONFIG["training"]
MODEL = CONFIG["model"]


def setup() -> tuple[int, int, torch.device]:
    """(rank, world size, device); joins the process group when torchrun started several."""
    cuda = torch.cuda.is_available()
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world > 1:
        local = int(os.environ.get("LOCAL_RANK", "0"))
        if cuda:
            torch.cuda.set_device(local)
        dist.init_process_group("nccl" if cuda else "gloo")
        device = torch.device("cuda", local) if cuda else torch.device("cpu")
        return dist.get_rank(), world, device
    return 0, 1, torch.device("cuda" if cuda else "cpu")


def make_model(device: torch.device) -> torch.nn.Module:
    """The exported module with its initial weights (weights.npz)."""
    module = importlib.import_module("model")
    return getattr(module, MODEL["class"])().to(device)


def lr_at(step: int) -> float:
    """GraphLab's schedule: the learning rate before step ``step`` (0, 1, ...)."""
    schedule = TRAINING["schedule"]
    name, lr0 = schedule["name"], schedule["lr0"]
    if name == "step":
        return lr0 * schedule["gamma"] ** (step // schedule["every"])
    if name == "exponential":
        return lr0 * math.exp(-schedule["k"] * step)
    if name == "1/t":
        return lr0 / (1.0 + schedule["k"] * step)
    return lr0


def outputs_of(net, X: torch.Tensor, y: torch.Tensor) -> tuple:
    """The model's outputs for a batch: its predictions, then the loss."""
    out = net(**{MODEL["data_argument"]: X, MODEL["label_argument"]: y})
    return out if isinstance(out, tuple) else (out,)


def accuracy(net, shard: tuple, device: torch.device, world: int) -> float | None:
    """Accuracy (eval mode) over every process's shard of a split, or None without scores."""
    if MODEL["scores_output"] is None:
        return None
    net.eval()
    X, y = shard
    counts = torch.zeros(2, dtype=torch.float64, device=device)
    with torch.no_grad():
        for start in range(0, len(X), 1000):
            xb, yb = X[start : start + 1000].to(device), y[start : start + 1000].to(device)
            scores = outputs_of(net, xb, yb)[MODEL["scores_output"]]
            counts[0] += (scores.argmax(dim=1) == yb).sum()
    counts[1] = len(X)
    if world > 1:
        dist.all_reduce(counts)
    net.train()
    return float(counts[0] / counts[1]) if counts[1] else None


def cell(value) -> str:
    return "" if value is None else f"{value:.6g}"


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=TRAINING["epochs"])
    parser.add_argument("--batch-size", type=int, default=TRAINING["batch_size"])
    parser.add_argument("--out", default="output", help="folder for metrics, checkpoints, model")
    parser.add_argument("--resume", help="a checkpoint (OUT/checkpoints/epoch-E.pt) to go on from")
    args = parser.parse_args(argv)
    rank, world, device = setup()
    seed = TRAINING["seed"]
    torch.manual_seed(seed + rank)
    model = make_model(device)
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = getattr(torch.optim, TRAINING["optimizer"])(trainable, **TRAINING["settings"])
    net = DistributedDataParallel(model) if world > 1 else model
    loader, shards = data.loaders(args.batch_size, rank, world, seed)
    if TRAINING["full_batch"]:  # L-BFGS: one step on the whole training split per epoch
        loader = torch.utils.data.DataLoader(loader.dataset, batch_size=len(loader.dataset))
    first_epoch, step = 0, 0
    if args.resume:
        saved = torch.load(args.resume, map_location=device, weights_only=True)
        model.load_state_dict(saved["model"])
        optimizer.load_state_dict(saved["optimizer"])
        first_epoch, step = saved["epoch"], saved["step"]
    out = Path(args.out)
    metrics = None
    if rank == 0:
        (out / "checkpoints").mkdir(parents=True, exist_ok=True)
        metrics = open(out / "metrics.csv", "w", newline="")  # noqa: SIM115
        metrics.write("epoch,step,loss,lr,train_acc,val_acc\r\n")
    rng = np.random.default_rng([seed, rank])
    result = {}
    for epoch in range(first_epoch + 1, first_epoch + args.epochs + 1):
        started = time.perf_counter()
        if hasattr(loader.sampler, "set_epoch"):
            loader.sampler.set_epoch(epoch)
        net.train()
        rows = []
        for X, y in loader:
            if CONFIG.get("augment"):
                X = torch.from_numpy(data.augment(X.numpy(), rng))
            X, y = X.to(device), y.to(device)
            lr = lr_at(step)
            for group in optimizer.param_groups:
                group["lr"] = lr

            def closure(X=X, y=y):
                optimizer.zero_grad()
                loss = outputs_of(net, X, y)[-1]
                loss.backward()
                return loss

            loss = optimizer.step(closure).detach().clone()
            if world > 1:
                dist.all_reduce(loss)
                loss /= world
            step += 1
            rows.append((epoch, step, float(loss), lr))
        train_acc = accuracy(net, shards["train"], device, world)
        val_acc = accuracy(net, shards["val"], device, world)
        result = {"epoch": epoch, "step": step, "loss": rows[-1][2], "train_acc": train_acc,
                  "val_acc": val_acc}  # fmt: skip
        if rank == 0:
            for i, (e, s, value, rate) in enumerate(rows):
                end = i == len(rows) - 1
                accs = f"{cell(train_acc)},{cell(val_acc)}" if end else ","
                metrics.write(f"{e},{s},{value:.6g},{rate:.6g},{accs}\r\n")
            metrics.flush()
            state = {"epoch": epoch, "step": step, "model": model.state_dict(),
                     "optimizer": optimizer.state_dict()}  # fmt: skip
            torch.save(state, out / "checkpoints" / f"epoch-{epoch}.pt")
            print(f"epoch {epoch}: loss {rows[-1][2]:.4f}, train accuracy {cell(train_acc)}, "
                  f"val accuracy {cell(val_acc)} ({time.perf_counter() - started:.1f} s)",
                  flush=True)  # fmt: skip
    result["test_acc"] = accuracy(net, shards["test"], device, world)
    if rank == 0:
        metrics.close()
        torch.save(model.state_dict(), out / "model.pt")
        (out / "result.json").write_text(json.dumps(result, indent=2) + "\n")
        print(f"test accuracy {cell(result['test_acc'])}; wrote {out / 'model.pt'}", flush=True)
    if world > 1:
        dist.barrier()  # rank 0 has written its files; leave together
        dist.destroy_process_group()
    return result


if __name__ == "__main__":
    main()
