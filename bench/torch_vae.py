# SPDX-License-Identifier: GPL-3.0-or-later
"""PyTorch side of bench-generate: the book's convolutional VAE trained on Fashion-MNIST.

samples/fashion_vae_conv.json in torch: encoder Conv2d 32 3x3 stride 2 same
ReLU -> Conv2d 64 3x3 stride 2 same ReLU -> Flatten -> Linear 16 ReLU ->
z_mean (2), z_log_var (2); z = mean + exp(log_var / 2) * eps; decoder Linear
3136 ReLU -> (64, 7, 7) -> ConvTranspose2d 64 3x3 stride 2 ReLU ->
ConvTranspose2d 32 3x3 stride 2 ReLU -> ConvTranspose2d 1 3x3 sigmoid.
Padding "same" as the engine and Keras place it: a strided convolution on
an even side pads one row and column after the image, none before (torch's
padding=1 would pad one on each side and shift every output by a pixel);
a strided transposed convolution keeps the first 2n of its 2n + 1 rows.
The loss is the engine's: binary cross-entropy averaged over the pixels plus
beta (1/784) times the KL term summed over the latent axis and averaged over
the batch; Adam, lr 0.001, eps 1e-7; images float32 / 255, reshuffled every
epoch, batch 128.

The weights are the engine's own initial weights, which bench-generate
writes (float32, native order) to the file DEEPSCOPE_BENCH_VAE_FILE names,
in the model's order: conv1, conv2, dense, z_mean, z_log_var kernels and
biases, then the decoder's dense, deconv1, deconv2 and image_out; kernels
as the engine stores them ((kh, kw, in, out) for Conv2D, (kh, kw, out, in)
for Conv2DTranspose, (in, out) for Dense), the Dense layers next to the
flattening in its (h, w, c) order. Every "train" starts again from them
with a new optimizer, as each engine round starts from a copy. Without the
file (by hand), Keras' initialisation, seeded.

Commands on stdin (torch_common.serve):
    check N          -> "result LOSS KL_LOSS RECONSTRUCTION_LOSS": one forward
                        pass at inference (z = mean) on training images 0..N-1,
                        to compare with the engine's on the same weights
    train STEPS WARMUP -> "result SAMPLES_PER_S"   (after WARMUP untimed steps)
    quit
"""

import os
import sys

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

import torch_common

BETA = 1.0 / 784


class Vae(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, stride=2)
        self.conv2 = nn.Conv2d(32, 64, 3, stride=2)
        self.dense = nn.Linear(7 * 7 * 64, 16)
        self.z_mean = nn.Linear(16, 2)
        self.z_log_var = nn.Linear(16, 2)
        self.dec_dense = nn.Linear(2, 7 * 7 * 64)
        self.deconv1 = nn.ConvTranspose2d(64, 64, 3, stride=2)
        self.deconv2 = nn.ConvTranspose2d(64, 32, 3, stride=2)
        self.image_out = nn.ConvTranspose2d(32, 1, 3, padding=1)

    def forward(self, x, sample=True):
        # "same" with stride 2 on an even side: the extra row and column after.
        h = F.relu(self.conv1(F.pad(x, (0, 1, 0, 1))))
        h = F.relu(self.conv2(F.pad(h, (0, 1, 0, 1))))
        h = F.relu(self.dense(h.flatten(1)))
        mean, log_var = self.z_mean(h), self.z_log_var(h)
        z = mean + torch.exp(log_var / 2) * torch.randn_like(mean) if sample else mean
        d = F.relu(self.dec_dense(z)).view(-1, 64, 7, 7)
        d = F.relu(self.deconv1(d)[:, :, :14, :14])
        d = F.relu(self.deconv2(d)[:, :, :28, :28])
        return torch.sigmoid(self.image_out(d)), mean, log_var


def read_engine_weights(path):
    """The engine's weights as torch parameters' values, in Vae's order."""
    data = np.fromfile(path, dtype=np.float32)
    pos = 0

    def take(*shape):
        nonlocal pos
        n = int(np.prod(shape))
        if pos + n > data.size:
            raise ValueError(f"{path}: shorter than the VAE's weights")
        a = data[pos:pos + n].reshape(shape)
        pos += n
        return a

    w = {}
    w["conv1.weight"] = take(3, 3, 1, 32).transpose(3, 2, 0, 1)
    w["conv1.bias"] = take(32)
    w["conv2.weight"] = take(3, 3, 32, 64).transpose(3, 2, 0, 1)
    w["conv2.bias"] = take(64)
    # Flatten: the engine's rows run (h, w, c), torch's (c, h, w).
    w["dense.weight"] = take(3136, 16).reshape(7, 7, 64, 16).transpose(2, 0, 1, 3).reshape(3136, 16).T
    w["dense.bias"] = take(16)
    w["z_mean.weight"] = take(16, 2).T
    w["z_mean.bias"] = take(2)
    w["z_log_var.weight"] = take(16, 2).T
    w["z_log_var.bias"] = take(2)
    # Reshape to (7, 7, 64): the engine's columns run (h, w, c), torch's view (c, h, w).
    w["dec_dense.weight"] = take(2, 3136).reshape(2, 7, 7, 64).transpose(0, 3, 1, 2).reshape(2, 3136).T
    w["dec_dense.bias"] = take(3136).reshape(7, 7, 64).transpose(2, 0, 1).reshape(3136)
    w["deconv1.weight"] = take(3, 3, 64, 64).transpose(3, 2, 0, 1)
    w["deconv1.bias"] = take(64)
    w["deconv2.weight"] = take(3, 3, 32, 64).transpose(3, 2, 0, 1)
    w["deconv2.bias"] = take(32)
    w["image_out.weight"] = take(3, 3, 1, 32).transpose(3, 2, 0, 1)
    w["image_out.bias"] = take(1)
    if pos != data.size:
        raise ValueError(f"{path}: {data.size - pos} floats more than the VAE's weights")
    return {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in w.items()}


class Bench(torch_common.TrainingBench):
    def __init__(self, args):
        super().__init__(args.dir, args.batch, args.seed, Vae)
        path = os.environ.get("DEEPSCOPE_BENCH_VAE_FILE")
        if path:
            self.start = read_engine_weights(path)
        else:
            for m in self.model.modules():
                if isinstance(m, nn.ConvTranspose2d):
                    nn.init.xavier_uniform_(m.weight)
                    nn.init.zeros_(m.bias)
            self.start = {k: v.detach().clone() for k, v in self.model.state_dict().items()}
        self.reset()

    def reset(self):
        """The starting weights and a new optimizer."""
        with torch.no_grad():
            for name, p in self.model.named_parameters():
                p.copy_(self.start[name])
        self.opt = torch.optim.Adam(self.model.parameters(), lr=0.001, eps=1e-7)

    def losses(self, x, sample):
        out, mean, log_var = self.model(x, sample)
        rec = F.binary_cross_entropy(out, x)
        kl = -0.5 * (1 + log_var - mean.pow(2) - log_var.exp()).sum(1).mean()
        return rec + BETA * kl, kl, rec

    def step(self):
        x, _ = self.next_batch()
        x = x.unsqueeze(1)
        self.opt.zero_grad(set_to_none=True)
        loss, _, _ = self.losses(x, True)
        loss.backward()
        self.opt.step()
        return loss.item()

    def check(self, n):
        """One forward pass at inference on training images 0..n-1."""
        self.reset()
        self.model.eval()
        with torch.no_grad():
            x = self.images_to_tensor(np.arange(n)).unsqueeze(1)
            loss, kl, rec = self.losses(x, False)
        self.model.train()
        return [f"{loss.item():.9g}", f"{kl.item():.9g}", f"{rec.item():.9g}"]

    def time_train(self, steps, warmup):
        self.reset()
        rate, _, _, _ = self.train(steps, warmup)
        return [f"{rate:.3f}"]


def main():
    args = torch_common.parse_args(__doc__.splitlines()[0], batch=128, steps=20, warmup=3)
    bench = Bench(args)
    weights = "engine weights" if os.environ.get("DEEPSCOPE_BENCH_VAE_FILE") else "keras init"
    info = torch_common.describe("conv VAE", weights)
    return torch_common.serve(info, {"check": (1, bench.check), "train": (2, bench.time_train)})


if __name__ == "__main__":
    sys.exit(main())
