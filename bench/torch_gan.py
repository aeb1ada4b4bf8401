# SPDX-License-Identifier: GPL-3.0-or-later
"""PyTorch side of bench-gan: the DCGAN samples trained on Fashion-MNIST.

samples/fashion_dcgan_generator.json in torch: Linear 64 -> 3136 LeakyReLU
(0.3, Keras' slope, as the engine's leaky_relu) -> (64, 7, 7) ->
ConvTranspose2d 64 3x3 stride 2 LeakyReLU -> ConvTranspose2d 32 3x3 stride 2
LeakyReLU -> Conv2d 1 3x3 same tanh; samples/fashion_dcgan_discriminator.json:
Conv2d 32 3x3 stride 2 same LeakyReLU -> Dropout 0.3 -> Conv2d 64 3x3
stride 2 same LeakyReLU -> Dropout 0.3 -> Flatten -> Linear 1, with binary
cross-entropy on the logit (the engine fuses sigmoid and cross-entropy the
same way). "same" padding as the engine and Keras place it (torch_vae.py
says how). One GAN step as nn_gan_step with k = 1: D on a real batch
labelled 1 and on G(z) (detached) labelled 0, the two losses added, one
Adam step of D; then G(z) through D labelled 1, one Adam step of G. Adam:
lr 0.0002, beta_1 0.5, eps 1e-7 (Keras'); images uint8 / 127.5 - 1
(normalize=symmetric), reshuffled every pass; batch 64; latent N(0, 1).

Commands on stdin (torch_common.serve):
    train STEPS WARMUP -> "result STEPS_PER_S"   (after WARMUP untimed steps)
    quit
"""

import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

import torch_common

LATENT = 64
SLOPE = 0.3


class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        self.project = nn.Linear(LATENT, 7 * 7 * 64)
        self.up_14 = nn.ConvTranspose2d(64, 64, 3, stride=2)
        self.up_28 = nn.ConvTranspose2d(64, 32, 3, stride=2)
        self.image = nn.Conv2d(32, 1, 3, padding=1)

    def forward(self, z):
        h = F.leaky_relu(self.project(z), SLOPE).view(-1, 64, 7, 7)
        h = F.leaky_relu(self.up_14(h)[:, :, :14, :14], SLOPE)
        h = F.leaky_relu(self.up_28(h)[:, :, :28, :28], SLOPE)
        return torch.tanh(self.image(h))


class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.down_14 = nn.Conv2d(1, 32, 3, stride=2)
        self.down_7 = nn.Conv2d(32, 64, 3, stride=2)
        self.real = nn.Linear(7 * 7 * 64, 1)

    def forward(self, x):
        h = F.dropout(F.leaky_relu(self.down_14(F.pad(x, (0, 1, 0, 1))), SLOPE), 0.3, True)
        h = F.dropout(F.leaky_relu(self.down_7(F.pad(h, (0, 1, 0, 1))), SLOPE), 0.3, True)
        return self.real(h.flatten(1))


class Bench:
    def __init__(self, args):
        self.images = torch_common.read_idx(
            torch_common.find_idx(args.dir, "train-images-idx3-ubyte"))
        self.n = self.images.shape[0]
        self.batch = args.batch
        self.rng = np.random.default_rng(args.seed)
        torch.manual_seed(args.seed)
        self.g, self.d = Generator(), Discriminator()
        torch_common.keras_init_(self.g)
        torch_common.keras_init_(self.d)
        adam = dict(lr=0.0002, betas=(0.5, 0.999), eps=1e-7)
        self.opt_g = torch.optim.Adam(self.g.parameters(), **adam)
        self.opt_d = torch.optim.Adam(self.d.parameters(), **adam)
        self.order = self.rng.permutation(self.n)
        self.pos = 0
        self.ones = torch.ones(self.batch, 1)
        self.zeros = torch.zeros(self.batch, 1)

    def real_batch(self):
        if self.pos + self.batch > self.n:
            self.order = self.rng.permutation(self.n)
            self.pos = 0
        idx = self.order[self.pos:self.pos + self.batch]
        self.pos += self.batch
        x = torch.from_numpy(self.images[idx]).to(torch.float32).div_(127.5).sub_(1.0)
        return x.unsqueeze(1)

    def step(self):
        bce = F.binary_cross_entropy_with_logits
        self.opt_d.zero_grad(set_to_none=True)
        fake = self.g(torch.randn(self.batch, LATENT)).detach()
        d_loss = bce(self.d(self.real_batch()), self.ones) + bce(self.d(fake), self.zeros)
        d_loss.backward()
        self.opt_d.step()
        self.opt_g.zero_grad(set_to_none=True)
        g_loss = bce(self.d(self.g(torch.randn(self.batch, LATENT))), self.ones)
        g_loss.backward()
        self.opt_g.step()
        return d_loss.item(), g_loss.item()

    def time_train(self, steps, warmup):
        for _ in range(warmup):
            self.step()
        t0 = time.perf_counter()
        for _ in range(steps):
            self.step()
        return [f"{steps / (time.perf_counter() - t0):.4f}"]


def main():
    args = torch_common.parse_args(__doc__.splitlines()[0], batch=64, steps=20, warmup=3)
    bench = Bench(args)
    info = torch_common.describe("DCGAN")
    return torch_common.serve(info, {"train": (2, bench.time_train)})


if __name__ == "__main__":
    sys.exit(main())
