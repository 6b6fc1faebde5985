"""Forward time of ResNet-18 imported from ONNX into the engine, against onnxruntime on the
same model and input, in one run.

    .venv/bin/python benchmarks/onnx_resnet18.py [--batch 8] [--size 64] [--rounds 10]
                                                 [--threads 2]

ResNet-18 is written as torchvision defines it (tests/graphlab/torchvision_nets.py, random
weights, 10 classes), exported by torch.onnx (TorchScript, opset 18) and imported with
``graphlab.export.import_onnx``. Both run float32 inference on the CPU with ``--threads``
threads; after one warm-up call each, the two take turns ``--rounds`` times (so both see the
same load on a shared machine). Prints the median of each and the engine/onnxruntime ratio.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = str(args.threads)

    import numpy as np
    import onnxruntime as ort
    import torch

    from graphlab.export import import_onnx
    from tests.graphlab.torchvision_nets import ResNet18, export_onnx

    torch.manual_seed(0)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "resnet18.onnx"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            export_onnx(ResNet18(num_classes=10), path, args.size)
        graph = import_onnx(path).compile()
        options = ort.SessionOptions()
        options.intra_op_num_threads = options.inter_op_num_threads = args.threads
        session = ort.InferenceSession(str(path), options)
    x = np.random.default_rng(0).standard_normal((args.batch, 3, args.size, args.size))
    x = x.astype(np.float32)
    runs = {
        "engine": lambda: graph.forward({"x": x}, train=False)["scores"],
        "onnxruntime": lambda: session.run(["scores"], {"x": x})[0],
    }
    outputs = {name: np.asarray(run()) for name, run in runs.items()}  # warm-up
    gap = float(np.abs(outputs["engine"] - outputs["onnxruntime"]).max())
    times = {name: [] for name in runs}
    for round_ in range(args.rounds):
        order = list(runs) if round_ % 2 == 0 else list(runs)[::-1]
        for name in order:
            start = time.perf_counter()
            runs[name]()
            times[name].append((time.perf_counter() - start) * 1000)
    engine, onnxrt = (statistics.median(times[name]) for name in ("engine", "onnxruntime"))
    print(f"ResNet-18, batch {args.batch}, {args.size}x{args.size}, {args.threads} threads, {args.rounds} rounds; largest output difference {gap:.2g}")  # fmt: skip
    print("| model | engine ms | onnxruntime ms | engine/onnxruntime |")
    print("|---|---:|---:|---:|")
    print(f"| resnet18 | {engine:.1f} | {onnxrt:.1f} | {engine / onnxrt:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
