# SPDX-License-Identifier: GPL-3.0-or-later
"""PyTorch side of bench-mlp: the same Fashion-MNIST MLP, data and batch policy.

Model: Flatten -> Linear(784, 512) -> ReLU -> Linear(512, 10), cross-entropy
on the logits (what the engine fuses softmax + sparse categorical
cross-entropy into), RMSprop with Keras' settings (rho 0.9, eps 1e-7),
batch 128. Images stay uint8 and are converted to float32 / 255 per batch;
the training order is reshuffled at the start of every epoch, as the engine
does.

bench-mlp starts this script once and drives it over stdin/stdout so the
two sides take turns, a few dozen steps each, in the same session:
    steps N   ->  "times T1 ... TN LOSS" (each step's seconds, the last loss)
    quit
Run by hand with --rounds N it measures on its own and prints the median.

Meant for Debian's python3-torch under /usr/bin/python3. That build takes
its float32 GEMM from libblas.so.3, the alternatives link that points at
OpenBLAS (pthread build) on a stock Debian 12, so OPENBLAS_CORETYPE in the
environment selects its kernels exactly as for the engine; the script
reports the core OpenBLAS actually chose.
"""

import argparse
import ctypes
import ctypes.util
import gzip
import os
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


def glorot_(linear):
    # Keras' defaults: glorot_uniform kernel, zero bias.
    nn.init.xavier_uniform_(linear.weight)
    nn.init.zeros_(linear.bias)


class Bench:
    def __init__(self, directory, batch, seed):
        self.images = read_idx(find_idx(directory, "train-images-idx3-ubyte"))
        self.labels = read_idx(find_idx(directory, "train-labels-idx1-ubyte")).astype(np.int64)
        self.n = self.images.shape[0]
        self.batch = batch
        self.rng = np.random.default_rng(seed)
        torch.manual_seed(seed)
        self.model = nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(),
                                   nn.Linear(512, 10))
        glorot_(self.model[1])
        glorot_(self.model[3])
        self.loss_fn = nn.CrossEntropyLoss()
        self.opt = torch.optim.RMSprop(self.model.parameters(), lr=0.001, alpha=0.9, eps=1e-7)
        self.order = self.rng.permutation(self.n)
        self.pos = 0

    def next_batch(self):
        if self.pos + self.batch > self.n:
            # Drop the short tail: every timed step has a full batch.
            self.order = self.rng.permutation(self.n)
            self.pos = 0
        idx = self.order[self.pos:self.pos + self.batch]
        self.pos += self.batch
        x = torch.from_numpy(self.images[idx]).to(torch.float32).div_(255.0)
        y = torch.from_numpy(self.labels[idx])
        return x, y

    def step(self):
        x, y = self.next_batch()
        self.opt.zero_grad(set_to_none=True)
        loss = self.loss_fn(self.model(x), y)
        loss.backward()
        self.opt.step()
        return loss.item()

    def timed_steps(self, n):
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

    def run(self, steps, warmup):
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


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", default=os.environ.get("DEEPSCOPE_FASHION_MNIST_DIR",
                                                    "/usr/share/datasets/fashion-mnist"))
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=0,
                    help="measure on its own; without it, serve commands on stdin")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    bench = Bench(args.dir, args.batch, args.seed)
    info = (f"torch {torch.__version__} threads {torch.get_num_threads()} "
            f"openblas-core {openblas_core()} "
            f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '')} "
            f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', '')}")

    if args.rounds > 0:
        print(info)
        rates = []
        for r in range(args.rounds):
            rate, secs, loss, med = bench.run(args.steps, args.warmup)
            rates.append(rate)
            print(f"round {r + 1}: {rate:.0f} samples/s ({secs:.3f} s, loss {loss:.4f}, "
                  f"median step {args.batch / med:.0f} samples/s)")
        print(f"median: {statistics.median(rates):.0f} samples/s")
        return 0

    print("ready " + info, flush=True)
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        if words[0] == "quit":
            break
        if words[0] == "steps" and len(words) == 2:
            times, loss = bench.timed_steps(int(words[1]))
            print("times " + " ".join(f"{t:.9f}" for t in times) + f" {loss:.6f}", flush=True)
        else:
            print("error unknown command", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
