# SPDX-License-Identifier: GPL-3.0-or-later
"""PyTorch side of bench-convnet: the classic small convnet on Fashion-MNIST.

Model (the engine's samples/fashion_convnet.json): Conv2d 32 3x3 ReLU ->
MaxPool 2 -> Conv2d 64 3x3 ReLU -> MaxPool 2 -> Conv2d 64 3x3 ReLU ->
Flatten -> Linear 64 ReLU -> Linear 10, cross-entropy on the logits (what
the engine fuses softmax + sparse categorical cross-entropy into), RMSprop
with Keras' settings (rho 0.9, eps 1e-7, lr 0.001), batch 64. Images stay
uint8 and are converted to float32 / 255 per batch; the training order is
reshuffled every epoch, as the engine does. PyTorch is channels-first
(N, C, H, W), its native layout.

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

import argparse
import ctypes
import ctypes.util
import gzip
import os
import resource
import statistics
import struct
import sys
import time

import numpy as np
import torch
from torch import nn


def read_idx(path):
    """Reads an IDX file (plain or gzip) into a uint8 numpy array."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != 8:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    ndim = data[3]
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    body = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if body.size != int(np.prod(dims)):
        raise ValueError(f"{path}: size does not match its header")
    return body.reshape(dims)


def find_idx(directory, stem):
    for name in (stem + ".gz", stem):
        p = os.path.join(directory, name)
        if os.path.exists(p):
            return p
    raise FileNotFoundError(os.path.join(directory, stem))


def openblas_core():
    """The kernel set of the OpenBLAS already loaded by torch, if any."""
    for name in ("libopenblas.so.0", ctypes.util.find_library("openblas")):
        if not name:
            continue
        try:
            lib = ctypes.CDLL(name, mode=os.RTLD_NOLOAD | os.RTLD_GLOBAL)
        except OSError:
            continue
        lib.openblas_get_corename.restype = ctypes.c_char_p
        return lib.openblas_get_corename().decode()
    return "none"


def keras_init_(module):
    # Keras' defaults: glorot_uniform kernels, zero biases.
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.xavier_uniform_(m.weight)
            nn.init.zeros_(m.bias)


def classic_convnet():
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(64, 64, 3), nn.ReLU(),
        nn.Flatten(), nn.Linear(576, 64), nn.ReLU(), nn.Linear(64, 10))


class Bench:
    def __init__(self, directory, batch, seed):
        self.images = read_idx(find_idx(directory, "train-images-idx3-ubyte"))
        self.labels = read_idx(find_idx(directory, "train-labels-idx1-ubyte")).astype(np.int64)
        self.n = self.images.shape[0]
        self.batch = batch
        self.rng = np.random.default_rng(seed)
        torch.manual_seed(seed)
        self.model = classic_convnet()
        keras_init_(self.model)
        self.loss_fn = nn.CrossEntropyLoss()
        self.opt = torch.optim.RMSprop(self.model.parameters(), lr=0.001, alpha=0.9, eps=1e-7)
        self.order = self.rng.permutation(self.n)
        self.pos = 0

    def images_to_tensor(self, idx):
        return torch.from_numpy(self.images[idx]).to(torch.float32).div_(255.0).unsqueeze(1)

    def next_batch(self):
        if self.pos + self.batch > self.n:
            # Drop the short tail: every timed step has a full batch.
            self.order = self.rng.permutation(self.n)
            self.pos = 0
        idx = self.order[self.pos:self.pos + self.batch]
        self.pos += self.batch
        return self.images_to_tensor(idx), torch.from_numpy(self.labels[idx])

    def step(self):
        x, y = self.next_batch()
        self.opt.zero_grad(set_to_none=True)
        loss = self.loss_fn(self.model(x), y)
        loss.backward()
        self.opt.step()
        return loss.item()

    def train(self, steps, warmup):
        self.model.train()
        for _ in range(warmup):
            self.step()
        t0 = t = time.perf_counter()
        loss = 0.0
        dts = []
        for _ in range(steps):
            loss = self.step()
            t1 = time.perf_counter()
            dts.append(t1 - t)
            t = t1
        secs = t - t0
        return steps * self.batch / secs, secs, loss, statistics.median(dts)

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


def peak_rss():
    # ru_maxrss is in KiB on Linux
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", default=os.environ.get("DEEPSCOPE_FASHION_MNIST_DIR",
                                                    "/usr/share/datasets/fashion-mnist"))
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=0,
                    help="measure on its own; without it, serve commands on stdin")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    bench = Bench(args.dir, args.batch, args.seed)
    info = (f"torch {torch.__version__} threads {torch.get_num_threads()} "
            f"openblas-core {openblas_core()} mkldnn {torch.backends.mkldnn.is_available()} "
            f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '')} "
            f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', '')}")

    if args.rounds > 0:
        print(info)
        rates = []
        for r in range(args.rounds):
            rate, secs, loss, med = bench.train(args.steps, args.warmup)
            rates.append(rate)
            print(f"round {r + 1}: {rate:.0f} samples/s ({secs:.3f} s, loss {loss:.4f}, "
                  f"median step {args.batch / med:.0f} samples/s)")
        print(f"training median: {statistics.median(rates):.0f} samples/s")
        print(f"batch-1 latency: {bench.latency(200) * 1e3:.3f} ms")
        print(f"batch-1000 inference: {bench.infer(1000, 5):.0f} images/s")
        print(f"peak RSS: {peak_rss() / 2**20:.0f} MiB")
        return 0

    print("ready " + info, flush=True)
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        if words[0] == "quit":
            break
        if words[0] == "train" and len(words) == 3:
            rate, secs, loss, med = bench.train(int(words[1]), int(words[2]))
            print(f"result {rate:.3f} {secs:.6f} {loss:.6f} {med:.9f}", flush=True)
        elif words[0] == "latency" and len(words) == 2:
            print(f"result {bench.latency(int(words[1])):.9f}", flush=True)
        elif words[0] == "infer" and len(words) == 3:
            print(f"result {bench.infer(int(words[1]), int(words[2])):.3f}", flush=True)
        elif words[0] == "rss":
            print(f"result {peak_rss()}", flush=True)
        else:
            print("error unknown command", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
