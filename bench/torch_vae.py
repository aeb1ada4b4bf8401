# SPDX-License-Identifier: GPL-3.0-or-later
"""PyTorch side of bench-generate: the book's convolutional VAE trained on Fashion-MNIST.

samples/fashion_vae_conv.json in torch: encoder Conv2d 32 3x3 stride 2 same
ReLU -> Conv2d 64 3x3 stride 2 same ReLU -> Flatten -> Linear 16 ReLU ->
z_mean (2), z_log_var (2); z = mean + exp(log_var / 2) * eps; decoder Linear
3136 ReLU -> (64, 7, 7) -> ConvTranspose2d 64 3x3 stride 2 ReLU ->
ConvTranspose2d 32 3x3 stride 2 ReLU -> ConvTranspose2d 1 3x3 sigmoid
(padding "same" as Keras: padding 1, output_padding 1 on the strided ones).
The loss is the engine's: binary cross-entropy averaged over the pixels plus
beta (1/784) times the KL term summed over the latent axis and averaged over
the batch; Adam, lr 0.001; images float32 / 255, reshuffled every epoch,
batch 128. The weights are Keras' initialisation (keras_init_, seeded), not
the engine's: what is timed, samples per second, does not depend on them.

Commands on stdin (torch_common.serve):
    train STEPS  -> "result SAMPLES_PER_S"   (after 3 untimed warm-up steps)
    quit
"""

import sys
import time

import torch
import torch.nn.functional as F
from torch import nn

import torch_common

BETA = 1.0 / 784


class Vae(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, stride=2, padding=1)
        self.conv2 = nn.Conv2d(32, 64, 3, stride=2, padding=1)
        self.dense = nn.Linear(7 * 7 * 64, 16)
        self.z_mean = nn.Linear(16, 2)
        self.z_log_var = nn.Linear(16, 2)
        self.dec_dense = nn.Linear(2, 7 * 7 * 64)
        self.deconv1 = nn.ConvTranspose2d(64, 64, 3, stride=2, padding=1, output_padding=1)
        self.deconv2 = nn.ConvTranspose2d(64, 32, 3, stride=2, padding=1, output_padding=1)
        self.image_out = nn.ConvTranspose2d(32, 1, 3, padding=1)

    def forward(self, x):
        h = F.relu(self.conv2(F.relu(self.conv1(x))))
        h = F.relu(self.dense(h.flatten(1)))
        mean, log_var = self.z_mean(h), self.z_log_var(h)
        z = mean + torch.exp(log_var / 2) * torch.randn_like(mean)
        d = F.relu(self.dec_dense(z)).view(-1, 64, 7, 7)
        d = F.relu(self.deconv2(F.relu(self.deconv1(d))))
        return torch.sigmoid(self.image_out(d)), mean, log_var


class Bench(torch_common.TrainingBench):
    def __init__(self, args):
        super().__init__(args.dir, args.batch, args.seed, Vae)
        for m in self.model.modules():
            if isinstance(m, nn.ConvTranspose2d):
                nn.init.xavier_uniform_(m.weight)
                nn.init.zeros_(m.bias)
        self.opt = torch.optim.Adam(self.model.parameters(), lr=0.001, eps=1e-7)

    def step(self):
        x, _ = self.next_batch()
        x = x.unsqueeze(1)
        self.opt.zero_grad(set_to_none=True)
        out, mean, log_var = self.model(x)
        rec = F.binary_cross_entropy(out, x)
        kl = -0.5 * (1 + log_var - mean.pow(2) - log_var.exp()).sum(1).mean()
        loss = rec + BETA * kl
        loss.backward()
        self.opt.step()
        return loss.item()

    def time_train(self, steps):
        rate, _, _, _ = self.train(steps, 3)
        return [f"{rate:.3f}"]


def main():
    args = torch_common.parse_args(__doc__.splitlines()[0], batch=128, steps=20, warmup=3)
    bench = Bench(args)
    info = torch_common.describe("conv VAE")
    return torch_common.serve(info, {"train": (1, bench.time_train)})


if __name__ == "__main__":
    sys.exit(main())
