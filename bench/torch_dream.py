# SPDX-License-Identifier: GPL-3.0-or-later
"""PyTorch side of bench-generate: DeepDream on fashion_convnet's conv2 and conv3.

The computation of the engine's nn_dream with its defaults: the layers
conv2 and conv3 (weight 1 each), 3 octaves of scale 1.4, STEPS gradient
ascent steps per octave of step 0.01. The loss is the sum over the layers
of the mean of the activations squared over the interior (a border of 2
cells dropped, fewer on a map too small to keep a cell); the gradient of
the image is divided by its mean absolute value (floored at 1e-8); the
octaves go from the smallest (int(side / 1.4^k)) to the full size with
bilinear resizing (align_corners=False, no antialiasing, as the engine's),
and after each octave the detail lost by shrinking the original is added
back, as the Keras recipe does. The model is what the engine runs up to
conv3: Conv2d 32 3x3 ReLU -> MaxPool 2 -> Conv2d 64 3x3 ReLU -> MaxPool 2
-> Conv2d 64 3x3 ReLU, holding the engine's weights (kernels (kh, kw, in,
out) become (out, in, kh, kw)). Tensors are (N, C, H, W) stored
channels-last (DEEPSCOPE_TORCH_CHANNELS_LAST=0: channels-first).

bench-generate writes one float32 file and names it in
DEEPSCOPE_BENCH_DREAM_FILE: conv1's kernel (3, 3, 1, 32) and bias (32),
conv2's (3, 3, 32, 64) and (64), conv3's (3, 3, 64, 64) and (64), the
image's side S, then the image (S, S, 1), then the engine's losses at
the first and the last step of each octave (6 values). It starts this
script once and drives it over stdin/stdout:
    check STEPS   -> "result START_DIFF END_DIFF"  (the first octave's
                     starting loss and the last octave's final loss against
                     the engine's, relative differences)
    dream STEPS   -> "result SECONDS"   (one dream, timed)
    quit
"""

import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

import torch_common

OCTAVES = 3
OCTAVE_SCALE = 1.4
STEP_SIZE = 0.01
BORDER = 2


class Base(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3)
        self.conv2 = nn.Conv2d(32, 64, 3)
        self.conv3 = nn.Conv2d(64, 64, 3)

    def forward(self, x):
        a2 = F.relu(self.conv2(F.max_pool2d(F.relu(self.conv1(x)), 2)))
        a3 = F.relu(self.conv3(F.max_pool2d(a2, 2)))
        return a2, a3


def layer_loss(a):
    h, w = a.shape[2], a.shape[3]
    by, bx = min(BORDER, (h - 1) // 2), min(BORDER, (w - 1) // 2)
    return a[:, :, by:h - by, bx:w - bx].pow(2).mean()


class Bench:
    def __init__(self, path):
        data = np.fromfile(path, dtype=np.float32)
        pos = 0

        def take(*shape):
            nonlocal pos
            n = int(np.prod(shape))
            if pos + n > data.size:
                raise ValueError(f"{path}: shorter than the weights and image it should hold")
            a = data[pos:pos + n].reshape(shape)
            pos += n
            return a

        self.model = Base()
        with torch.no_grad():
            for conv, cin in ((self.model.conv1, 1), (self.model.conv2, 32),
                              (self.model.conv3, 64)):
                k, b = take(3, 3, cin, conv.out_channels), take(conv.out_channels)
                conv.weight.copy_(torch.from_numpy(k.transpose(3, 2, 0, 1).copy()))
                conv.bias.copy_(torch.from_numpy(b.copy()))
        for p in self.model.parameters():
            p.requires_grad_(False)
        self.model.eval()
        side = int(take(1)[0])
        image = take(side, side, 1)
        self.engine_losses = take(2 * OCTAVES).astype(np.float64)
        if pos != data.size:
            raise ValueError(f"{path}: {data.size - pos} values more than expected")
        self.image = torch.from_numpy(image.transpose(2, 0, 1)[None].copy())
        self.channels_last = os.environ.get("DEEPSCOPE_TORCH_CHANNELS_LAST", "1") != "0"
        if self.channels_last:
            self.model.to(memory_format=torch.channels_last)
            self.image = self.image.contiguous(memory_format=torch.channels_last)

    def resize(self, x, h, w):
        y = F.interpolate(x, size=(h, w), mode="bilinear", align_corners=False)
        if self.channels_last:
            y = y.contiguous(memory_format=torch.channels_last)
        return y

    def ascent(self, img, steps):
        first = last = None
        for _ in range(steps):
            img = img.detach().requires_grad_(True)
            a2, a3 = self.model(img)
            loss = layer_loss(a2) + layer_loss(a3)
            (g,) = torch.autograd.grad(loss, img)
            with torch.no_grad():
                g = g / g.abs().mean().clamp_min(1e-8)
                img = img + STEP_SIZE * g
            value = float(loss)
            first = value if first is None else first
            last = value
        return img.detach(), first, last

    def dream(self, steps):
        H, W = self.image.shape[2], self.image.shape[3]
        shapes = [(int(H / OCTAVE_SCALE ** (OCTAVES - 1 - o)),
                   int(W / OCTAVE_SCALE ** (OCTAVES - 1 - o))) for o in range(OCTAVES)]
        shrunk = self.resize(self.image, *shapes[0])
        img = shrunk.clone()
        losses = []
        for o, (h, w) in enumerate(shapes):
            if o > 0:
                img = self.resize(img, h, w)
            img, first, last = self.ascent(img, steps)
            losses += [first, last]
            with torch.no_grad():
                same = self.resize(self.image, h, w)
                img = img + same - self.resize(shrunk, h, w)
            shrunk = same
        return img, losses

    def check(self, steps):
        _, losses = self.dream(steps)
        e = self.engine_losses
        start = abs(losses[0] - e[0]) / max(abs(e[0]), 1e-12)
        end = abs(losses[-1] - e[-1]) / max(abs(e[-1]), 1e-12)
        return [f"{start:.6g}", f"{end:.6g}"]

    def time_dream(self, steps):
        t0 = time.perf_counter()
        self.dream(steps)
        return [f"{time.perf_counter() - t0:.6f}"]


def main():
    args = torch_common.parse_args(__doc__.splitlines()[0], batch=1, steps=20, warmup=0)
    path = os.environ.get("DEEPSCOPE_BENCH_DREAM_FILE")
    if not path:
        print("error DEEPSCOPE_BENCH_DREAM_FILE names no file: bench-generate starts this script",
              flush=True)
        return 1
    bench = Bench(path)
    layout = "channels_last" if bench.channels_last else "channels_first"
    info = torch_common.describe(f"mkldnn {torch.backends.mkldnn.is_available()} {layout}")
    return torch_common.serve(info, {
        "check": (1, bench.check),
        "dream": (1, bench.time_dream),
    })


if __name__ == "__main__":
    sys.exit(main())
