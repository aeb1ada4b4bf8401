# SPDX-License-Identifier: GPL-3.0-or-later
"""PyTorch side of bench-convnet: the classic small convnet on Fashion-MNIST.

Model (the engine's samples/fashion_convnet.json): Conv2d 32 3x3 ReLU ->
MaxPool 2 -> Conv2d 64 3x3 ReLU -> MaxPool 2 -> Conv2d 64 3x3 ReLU ->
Flatten -> Linear 64 ReLU -> Linear 10, cross-entropy on the logits (what
the engine fuses softmax + sparse categorical cross-entropy into), RMSprop
with Keras' settings (rho 0.9, eps 1e-7, lr 0.001), batch 64. Images stay
uint8 and are converted to float32 / 255 per batch; the training order is
reshuffled every epoch, as the engine does (torch_common.TrainingBench).
Tensors are (N, C, H, W) stored channels-last, which PyTorch's oneDNN
convolutions run fastest here (DEEPSCOPE_TORCH_CHANNELS_LAST=0: its default
channels-first storage).

bench-convnet starts this script once and drives it over stdin/stdout so
both sides run alternately under the same machine load:
    train STEPS WARMUP   -> "result SAMPLES_PER_S SECONDS FINAL_LOSS MEDIAN_STEP_S"
    latency RUNS         -> "result MEDIAN_SECONDS"        (batch 1, inference)
    infer N ROUNDS       -> "result IMAGES_PER_S"           (batch N, inference)
    rss                  -> "result PEAK_RSS_BYTES"
    quit
Run by hand with --rounds N it measures on its own and prints medians.

Meant for Debian's python3-torch under /usr/bin/python3, with
torch.set_num_threads(2) and OMP_WAIT_POLICY=passive (bench-convnet sets
it), and the same OpenBLAS kernel as the engine (OPENBLAS_CORETYPE is
inherited).
"""

import os
import statistics
import sys
import time

import numpy as np
import torch
from torch import nn

import torch_common


def classic_convnet():
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(64, 64, 3), nn.ReLU(),
        nn.Flatten(), nn.Linear(576, 64), nn.ReLU(), nn.Linear(64, 10))


class Bench(torch_common.TrainingBench):
    def __init__(self, directory, batch, seed):
        super().__init__(directory, batch, seed, classic_convnet)
        # Channels-last tensors (as the engine's): PyTorch's oneDNN
        # convolutions train about 40% faster so on this machine than in its
        # default channels-first layout, so the comparison uses them;
        # DEEPSCOPE_TORCH_CHANNELS_LAST=0 measures channels-first instead.
        # Module.to keeps the parameter objects, so the optimizer still has them.
        self.channels_last = os.environ.get("DEEPSCOPE_TORCH_CHANNELS_LAST", "1") != "0"
        if self.channels_last:
            self.model.to(memory_format=torch.channels_last)

    def images_to_tensor(self, idx):
        # (N, 1, 28, 28): one channel; stored channels-last unless asked otherwise.
        x = super().images_to_tensor(idx).unsqueeze(1)
        if self.channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        return x

    def latency(self, runs):
        """Median time of one single-image prediction (softmax included)."""
        self.model.eval()
        dts = []
        with torch.no_grad():
            for i in range(runs + 10):
                x = self.images_to_tensor(np.array([i % self.n]))
                t0 = time.perf_counter()
                torch.softmax(self.model(x), dim=1)
                if i >= 10:
                    dts.append(time.perf_counter() - t0)
        return statistics.median(dts)

    def infer(self, n, rounds):
        """Images per second predicting batches of n (best of the rounds)."""
        self.model.eval()
        best = float("inf")
        with torch.no_grad():
            for r in range(rounds + 1):
                idx = (np.arange(n) + r * n) % self.n
                t0 = time.perf_counter()
                x = self.images_to_tensor(idx)
                torch.softmax(self.model(x), dim=1)
                dt = time.perf_counter() - t0
                if r > 0:
                    best = min(best, dt)
        return n / best


def main():
    args = torch_common.parse_args(__doc__.splitlines()[0], batch=64, steps=100, warmup=10)
    bench = Bench(args.dir, args.batch, args.seed)
    layout = "channels_last" if bench.channels_last else "channels_first"
    info = torch_common.describe(f"mkldnn {torch.backends.mkldnn.is_available()} {layout}")

    if args.rounds > 0:
        rates = torch_common.measure_rounds(bench, args, info)
        print(f"training median: {statistics.median(rates):.0f} samples/s")
        print(f"batch-1 latency: {bench.latency(200) * 1e3:.3f} ms")
        print(f"batch-1000 inference: {bench.infer(1000, 5):.0f} images/s")
        print(f"peak RSS: {torch_common.peak_rss() / 2**20:.0f} MiB")
        return 0

    def train(steps, warmup):
        rate, secs, loss, med = bench.train(steps, warmup)
        return [f"{rate:.3f}", f"{secs:.6f}", f"{loss:.6f}", f"{med:.9f}"]

    return torch_common.serve(info, {
        "train": (2, train),
        "latency": (1, lambda runs: [f"{bench.latency(runs):.9f}"]),
        "infer": (2, lambda n, rounds: [f"{bench.infer(n, rounds):.3f}"]),
        "rss": (0, lambda: [f"{torch_common.peak_rss()}"]),
    })


if __name__ == "__main__":
    sys.exit(main())
