# SPDX-License-Identifier: GPL-3.0-or-later
"""PyTorch side of bench-inspect: the filter grid of fashion_convnet's conv2.

The computation of the engine's nn_inspector_filters on the convnet
sample's second convolution, one image per filter, all 64 together: from
the engine's own starting images (gray 0.5 plus noise), 40 steps of
gradient ascent on the mean of filter b's output over its positions for
image b, the gradient of each image divided by its root mean square and
times the step size 0.2; an image whose gradient is zero everywhere gets
fresh uniform noise instead (0.05, doubled each time up to 2), as the
engine does. The model is what the engine computes up to conv2: Conv2d 32
3x3 ReLU -> MaxPool 2 -> Conv2d 64 3x3 ReLU, holding the engine's weights
(its kernels are (kh, kw, in, out) and become (out, in, kh, kw)). Tensors
are (N, C, H, W) stored channels-last, as torch_convnet.py has them
(DEEPSCOPE_TORCH_CHANNELS_LAST=0: channels-first).

bench-inspect writes one float32 file and names it in
DEEPSCOPE_BENCH_INSPECT_FILE: conv1's kernel (3, 3, 1, 32) and bias (32),
conv2's kernel (3, 3, 32, 64) and bias (64), the starting images
(64, 28, 28, 1), then the engine's 64 starting means and its 64 gains. It
starts this script once and drives it over stdin/stdout:
    check STEPS     -> "result START_DIFF ALIVE MEDIAN_GAIN MEDIAN_ABS_LOG_RATIO"
                       (conv2's means on the starting images against the
                       engine's, largest difference relative to the largest
                       mean; then, over the ALIVE filters whose mean on the
                       starting image is above 0 on both sides, the median
                       gain after STEPS steps and the median of
                       |log(gain / the engine's gain)|. A filter dead at the
                       start gets random noise, whose numbers differ between
                       the two sides, so its gain is not compared.)
    filters STEPS   -> "result SECONDS"   (the ascent alone, timed)
    quit
"""

import math
import os
import statistics
import sys
import time

import numpy as np
import torch
from torch import nn

import torch_common

N_FILTERS = 64
STEP_SIZE = 0.2
NOISE = 0.02
KICK_MIN = 0.05
KICK_MAX = 2.0
GAIN_FLOOR = 1e-6


def conv_base():
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU())


class Bench:
    def __init__(self, path):
        data = np.fromfile(path, dtype=np.float32)
        pos = 0

        def take(*shape):
            nonlocal pos
            n = int(np.prod(shape))
            if pos + n > data.size:
                raise ValueError(f"{path}: shorter than the weights and images it should hold")
            a = data[pos:pos + n].reshape(shape)
            pos += n
            return a

        k1, b1 = take(3, 3, 1, 32), take(32)
        k2, b2 = take(3, 3, 32, 64), take(64)
        start = take(N_FILTERS, 28, 28, 1)
        self.engine_start = take(N_FILTERS).astype(np.float64)
        self.engine_gains = take(N_FILTERS).astype(np.float64)
        if pos != data.size:
            raise ValueError(f"{path}: {data.size - pos} values more than expected")

        self.model = conv_base()
        with torch.no_grad():
            self.model[0].weight.copy_(torch.from_numpy(k1.transpose(3, 2, 0, 1).copy()))
            self.model[0].bias.copy_(torch.from_numpy(b1.copy()))
            self.model[3].weight.copy_(torch.from_numpy(k2.transpose(3, 2, 0, 1).copy()))
            self.model[3].bias.copy_(torch.from_numpy(b2.copy()))
        for p in self.model.parameters():
            p.requires_grad_(False)
        self.model.eval()
        self.start = torch.from_numpy(start.transpose(0, 3, 1, 2).copy())
        self.channels_last = os.environ.get("DEEPSCOPE_TORCH_CHANNELS_LAST", "1") != "0"
        if self.channels_last:
            self.model.to(memory_format=torch.channels_last)
            self.start = self.start.contiguous(memory_format=torch.channels_last)
        self.gen = torch.Generator().manual_seed(1)

    def means(self, x):
        """Per image b, the mean of filter b's output over its positions: (n,)."""
        out = self.model(x)
        idx = torch.arange(out.shape[0])
        return out[idx, idx].mean(dim=(1, 2))

    def ascent(self, steps):
        """The images after `steps` steps, and the means on the starting ones."""
        x = self.start.clone()
        n = x.shape[0]
        kick = torch.full((n,), max(NOISE, KICK_MIN))
        start_means = None
        for step in range(steps):
            x.requires_grad_(True)
            m = self.means(x)
            if step == 0:
                start_means = m.detach().clone()
            (g,) = torch.autograd.grad(m.sum(), x)
            with torch.no_grad():
                rms = g.pow(2).mean(dim=(1, 2, 3)).sqrt()
                live = rms > 0
                scale = torch.where(live, STEP_SIZE / torch.where(live, rms, torch.ones_like(rms)),
                                    torch.zeros_like(rms))
                x = x.detach() + scale.view(-1, 1, 1, 1) * g
                if not bool(live.all()):
                    for b in torch.nonzero(~live).flatten().tolist():
                        u = torch.rand(x[b].shape, generator=self.gen)
                        x[b] += kick[b] * (2 * u - 1)
                        kick[b] = min(2 * float(kick[b]), KICK_MAX)
        return x, start_means

    def check(self, steps):
        x, start_means = self.ascent(steps)
        with torch.no_grad():
            final = self.means(x).double().numpy()
        start = start_means.double().numpy()
        diff = np.max(np.abs(start - self.engine_start)) / max(np.max(np.abs(self.engine_start)),
                                                               GAIN_FLOOR)
        gains = final / np.maximum(start, GAIN_FLOOR)
        alive = (start > 0) & (self.engine_start > 0) & (gains > 0) & (self.engine_gains > 0)
        logs = np.abs(np.log(gains[alive] / self.engine_gains[alive]))
        median_gain = statistics.median(gains[alive].tolist()) if logs.size else math.nan
        median_log = statistics.median(logs.tolist()) if logs.size else math.nan
        return [f"{diff:.6g}", f"{int(alive.sum())}", f"{median_gain:.6g}", f"{median_log:.6g}"]

    def time_filters(self, steps):
        t0 = time.perf_counter()
        self.ascent(steps)
        return [f"{time.perf_counter() - t0:.6f}"]


def main():
    args = torch_common.parse_args(__doc__.splitlines()[0], batch=N_FILTERS, steps=40, warmup=0)
    path = os.environ.get("DEEPSCOPE_BENCH_INSPECT_FILE")
    if not path:
        print("error DEEPSCOPE_BENCH_INSPECT_FILE names no file: bench-inspect starts this script",
              flush=True)
        return 1
    bench = Bench(path)
    layout = "channels_last" if bench.channels_last else "channels_first"
    info = torch_common.describe(f"mkldnn {torch.backends.mkldnn.is_available()} {layout}")
    if args.rounds > 0:
        print(info)
        times = [float(bench.time_filters(args.steps)[0]) for _ in range(args.rounds)]
        print(f"filter grid, {args.steps} steps: median {statistics.median(times):.3f} s")
        return 0
    return torch_common.serve(info, {
        "check": (1, bench.check),
        "filters": (1, bench.time_filters),
    })


if __name__ == "__main__":
    sys.exit(main())
