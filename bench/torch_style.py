# SPDX-License-Identifier: GPL-3.0-or-later
"""PyTorch timing of neural style transfer, the computation of the engine's
nn_style_transfer with the random filters and its defaults, to set beside
`deepscope-cli style ... --size SIDE --iterations N`'s iterations/s.

The network: Conv2d 32 3x3 same ReLU (conv1) -> AvgPool 2 -> Conv2d 32
(conv2) -> AvgPool 2 -> Conv2d 64 (conv3) -> AvgPool 2 -> Conv2d 64
(conv4), Glorot-uniform kernels, zero biases (the weights' values do not
change the time). Style layers conv1..conv4 (Gram over 4 c^2 (hw)^2, the
style weight 1e6 shared), content conv4 (summed squared difference,
weight 1), total variation sum((dy^2 + dx^2)^1.25) over all but the last
row and column (weight 1e-4), Adam at 0.02 on the image from the content.

    /usr/bin/python3 bench/torch_style.py [SIDE [ITERATIONS]]
prints "torch: SIDE x SIDE, N iterations, S s, R iterations/s" (N timed
iterations after one untimed). bench/bench-style runs it in turns with the
engine and prints the ratio.
"""

import sys
import time

import torch
import torch.nn.functional as F
from torch import nn


def network():
    layers, convs, ch = [], [], 3
    for i, out in enumerate((32, 32, 64, 64)):
        if i:
            layers.append(nn.AvgPool2d(2))
        conv = nn.Conv2d(ch, out, 3, padding=1)
        nn.init.xavier_uniform_(conv.weight)
        nn.init.zeros_(conv.bias)
        layers += [conv, nn.ReLU()]
        convs.append(len(layers) - 1)
        ch = out
    return nn.Sequential(*layers).requires_grad_(False), convs


def features(net, convs, x):
    out = []
    for i, layer in enumerate(net):
        x = layer(x)
        if i in convs:
            out.append(x)
    return out


def gram(f):
    c = f.shape[1]
    f = f.reshape(c, -1)
    return f @ f.t()


def main():
    side = int(sys.argv[1]) if len(sys.argv) > 1 else 256
    iterations = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    torch.manual_seed(1)
    net, convs = network()
    content = torch.rand(1, 3, side, side)
    style = torch.rand(1, 3, side, side)
    grams = [gram(f) for f in features(net, convs, style)]
    target = features(net, convs, content)[-1]
    img = content.clone().requires_grad_(True)
    opt = torch.optim.Adam([img], lr=0.02)
    per_layer = 1e6 / len(grams)
    start = None
    # one untimed iteration first (autograd's first pass allocates), as
    # bench-style leaves out the engine's first
    for it in range(iterations + 1):
        if it == 1:
            start = time.perf_counter()
        opt.zero_grad()
        fs = features(net, convs, img)
        loss = ((fs[-1] - target) ** 2).sum()
        for f, g in zip(fs, grams):
            c, hw = f.shape[1], f.shape[2] * f.shape[3]
            loss = loss + per_layer * ((gram(f) - g) ** 2).sum() / (4.0 * c * c * hw * hw)
        dy = img[:, :, :-1, :-1] - img[:, :, 1:, :-1]
        dx = img[:, :, :-1, :-1] - img[:, :, :-1, 1:]
        loss = loss + 1e-4 * (dy * dy + dx * dx).pow(1.25).sum()
        loss.backward()
        opt.step()
    seconds = time.perf_counter() - start
    print(f"torch: {side} x {side}, {iterations} iterations, {seconds:.2f} s, "
          f"{iterations / seconds:.2f} iterations/s")


if __name__ == "__main__":
    main()
