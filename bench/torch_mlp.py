# SPDX-License-Identifier: GPL-3.0-or-later
"""PyTorch side of bench-mlp: the same Fashion-MNIST MLP, data and batch policy.

Model: Flatten -> Linear(784, 512) -> ReLU -> Linear(512, 10), cross-entropy
on the logits (what the engine fuses softmax + sparse categorical
cross-entropy into), RMSprop with Keras' settings (rho 0.9, eps 1e-7),
batch 128. Images stay uint8 and are converted to float32 / 255 per batch;
the training order is reshuffled at the start of every epoch, as the engine
does (torch_common.TrainingBench).

bench-mlp starts this script once and drives it over stdin/stdout so the
two sides take turns, a few dozen steps each, in the same session:
    steps N   ->  "result T1 ... TN LOSS" (each step's seconds, the last loss)
    quit
Run by hand with --rounds N it measures on its own and prints the median.

Meant for Debian's python3-torch under /usr/bin/python3. That build takes
its float32 GEMM from libblas.so.3, the alternatives link that points at
OpenBLAS (pthread build) on a stock Debian 12, so OPENBLAS_CORETYPE in the
environment selects its kernels exactly as for the engine; the script
reports the core OpenBLAS actually chose.
"""

import statistics
import sys
import time

from torch import nn

import torch_common


def fashion_mlp():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 10))


class Bench(torch_common.TrainingBench):
    def __init__(self, directory, batch, seed):
        super().__init__(directory, batch, seed, fashion_mlp)

    def timed_steps(self, n):
        """Each of n steps' seconds, and the last loss."""
        self.model.train()
        times = []
        loss = 0.0
        t = time.perf_counter()
        for _ in range(n):
            loss = self.step()
            t1 = time.perf_counter()
            times.append(t1 - t)
            t = t1
        return times, loss


def main():
    args = torch_common.parse_args(__doc__.splitlines()[0], batch=128, steps=300, warmup=20)
    bench = Bench(args.dir, args.batch, args.seed)
    info = torch_common.describe()

    if args.rounds > 0:
        rates = torch_common.measure_rounds(bench, args, info)
        print(f"median: {statistics.median(rates):.0f} samples/s")
        return 0

    def steps(n):
        times, loss = bench.timed_steps(n)
        return [f"{t:.9f}" for t in times] + [f"{loss:.6f}"]

    return torch_common.serve(info, {"steps": (1, steps)})


if __name__ == "__main__":
    sys.exit(main())
