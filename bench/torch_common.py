# SPDX-License-Identifier: GPL-3.0-or-later
"""The harness the PyTorch sides of the benchmarks share (torch_mlp.py, torch_convnet.py).

Each benchmark program (bench-mlp, bench-convnet) starts its script once and
drives it over stdin/stdout, so that the engine and PyTorch take turns under
the same machine load. The script answers "ready INFO" when it has loaded the
data and built its model, then one line per command:
    COMMAND ARGS...   ->  "result V1 ... Vn"
    quit
(an unknown command gets "error unknown command"). Everything here is what
both scripts need for that: the Fashion-MNIST IDX files, the OpenBLAS core
query, Keras' initialisation, the training loop with the engine's batch
policy, the standalone --rounds mode and the command loop.
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
    """The gzip file if there is one, else the plain one (as the engine's loader)."""
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
    """Keras' defaults, which the engine follows: glorot_uniform kernels, zero biases."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.xavier_uniform_(m.weight)
            nn.init.zeros_(m.bias)


def peak_rss():
    """This process's maximum resident set so far, in bytes: VmHWM, as the
    engine's side reads it (ru_maxrss survives exec, so it would count the
    process this one was forked from)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    # ru_maxrss is in KiB on Linux
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def describe(*extra):
    """The "ready" line's INFO: torch, its threads and the BLAS kernel it runs on,
    so that a mismatch with the engine shows in the benchmark's output."""
    words = [f"torch {torch.__version__}", f"threads {torch.get_num_threads()}",
             f"openblas-core {openblas_core()}", *extra,
             f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '')}",
             f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', '')}"]
    return " ".join(words)


def parse_args(description, batch, steps, warmup):
    """The options both scripts take; bench-* passes --dir, --batch and --threads."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--dir", default=os.environ.get("DEEPSCOPE_FASHION_MNIST_DIR",
                                                    "/usr/share/datasets/fashion-mnist"))
    ap.add_argument("--batch", type=int, default=batch)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--steps", type=int, default=steps)
    ap.add_argument("--warmup", type=int, default=warmup)
    ap.add_argument("--rounds", type=int, default=0,
                    help="measure on its own; without it, serve commands on stdin")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    return args


class TrainingBench:
    """A model trained on the Fashion-MNIST training images as the engine trains:
    uint8 images converted to float32 / 255 per batch, the order reshuffled at
    every epoch, cross-entropy on the logits (what the engine fuses softmax +
    sparse categorical cross-entropy into), RMSprop with Keras' settings
    (rho 0.9, eps 1e-7, lr 0.001)."""

    def __init__(self, directory, batch, seed, make_model):
        self.images = read_idx(find_idx(directory, "train-images-idx3-ubyte"))
        self.labels = read_idx(find_idx(directory, "train-labels-idx1-ubyte")).astype(np.int64)
        self.n = self.images.shape[0]
        self.batch = batch
        self.rng = np.random.default_rng(seed)
        # Seeded before the model exists: its constructors draw the default
        # initialisation that keras_init_ then replaces.
        torch.manual_seed(seed)
        self.model = make_model()
        keras_init_(self.model)
        self.loss_fn = nn.CrossEntropyLoss()
        self.opt = torch.optim.RMSprop(self.model.parameters(), lr=0.001, alpha=0.9, eps=1e-7)
        self.order = self.rng.permutation(self.n)
        self.pos = 0

    def images_to_tensor(self, idx):
        """The images idx as float32 / 255, (N, 28, 28)."""
        return torch.from_numpy(self.images[idx]).to(torch.float32).div_(255.0)

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
        """(samples/s, seconds, last loss, median step seconds) over steps timed
        steps after warmup untimed ones."""
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


def measure_rounds(bench, args, info):
    """The standalone mode (--rounds N): prints each round and returns the rates."""
    print(info)
    rates = []
    for r in range(args.rounds):
        rate, secs, loss, med = bench.train(args.steps, args.warmup)
        rates.append(rate)
        print(f"round {r + 1}: {rate:.0f} samples/s ({secs:.3f} s, loss {loss:.4f}, "
              f"median step {args.batch / med:.0f} samples/s)")
    return rates


def serve(info, commands):
    """Answers the benchmark program's commands on stdin until "quit" or end of file.

    commands maps a command's name to (number of integer arguments, function);
    the function gets the arguments and returns the answer's values, already
    formatted, which go back as one line "result V1 ... Vn"."""
    print("ready " + info, flush=True)
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        if words[0] == "quit":
            break
        command = commands.get(words[0])
        if command is None or len(words) != 1 + command[0]:
            print("error unknown command", flush=True)
            continue
        values = command[1](*(int(w) for w in words[1:]))
        print("result " + " ".join(values), flush=True)
    return 0
