# SPDX-License-Identifier: GPL-3.0-or-later
"""PyTorch side of bench-rnn: the same recurrent text classifiers, data and batch.

Models (batch 128, sequences of 500 token ids, binary cross-entropy on the
logit, which is what the engine's sigmoid + binary cross-entropy computes,
RMSprop with Keras' settings: lr 0.001, rho 0.9, eps 1e-7):
    0 lstm     Embedding(10000, 32) -> LSTM(32) -> Linear(32, 1)
    1 gru      Embedding(10000, 32) -> GRU(32) -> Linear(32, 1)
    2 conv1d   Embedding(10000, 128) -> Conv1d(32, 7) relu -> MaxPool1d(5)
               -> Conv1d(32, 7) relu -> global max -> Linear(32, 1)
    3 lstm-x   (500, 32) floats -> LSTM(32) -> Linear(32, 1)
Keras' initialisation: glorot-uniform input kernels, orthogonal recurrent
kernels, zero biases with the LSTM's forget-gate bias at 1 (PyTorch has two
bias vectors: b_ih takes it, b_hh stays 0), uniform(-0.05, 0.05) embeddings.
The data are random token ids (1..9999) and labels, a pool of 4 batches.

Character generation (the Keras book's loop, batch 1): Embedding(60, 32) ->
LSTM(128) -> Linear(128, 60) -> softmax over a window of 60 ids; each
character runs the whole window through the model under no_grad, reweights
the probabilities with temperature 0.5 in numpy (log p / T, exp, normalise,
multinomial), appends the id and slides the window.

bench-rnn starts this script once and drives it over stdin/stdout:
    steps MODEL N  ->  "result T1 ... TN LOSS"
    check CELL     ->  "result Y1 ... Yn": a small LSTM (0), GRU (1) or GRU
                       without reset_after (2) over an input, weights and
                       input from a formula both sides share, in Keras's
                       layouts; the outputs of every step (see check())
    generate N     ->  "result SECONDS" (N characters)
    quit
Run by hand with --rounds N it measures model 0 on its own.
"""

import statistics
import sys
import time

import numpy as np
import torch
from torch import nn

import torch_common

STEPS = 500
VOCAB = 10000
POOL = 4


class LastStep(nn.Module):
    """A recurrent layer's output at the last step, as Keras returns it without
    return_sequences."""

    def __init__(self, rnn):
        super().__init__()
        self.rnn = rnn

    def forward(self, x):
        y, _ = self.rnn(x)
        return y[:, -1, :]


class ChannelsFirst(nn.Module):
    def forward(self, x):
        return x.transpose(1, 2)


class GlobalMax(nn.Module):
    def forward(self, x):
        return x.amax(dim=2)


def keras_rnn_init_(rnn, units, lstm):
    nn.init.xavier_uniform_(rnn.weight_ih_l0)
    # Keras draws one orthogonal (units, gates * units) matrix; PyTorch keeps
    # its transpose.
    w = torch.empty(units, rnn.weight_hh_l0.shape[0])
    nn.init.orthogonal_(w)
    with torch.no_grad():
        rnn.weight_hh_l0.copy_(w.t())
        rnn.bias_ih_l0.zero_()
        rnn.bias_hh_l0.zero_()
        if lstm:
            rnn.bias_ih_l0[units:2 * units] = 1.0


def build(which):
    layers = []
    if which != 3:
        emb = nn.Embedding(VOCAB, 128 if which == 2 else 32)
        nn.init.uniform_(emb.weight, -0.05, 0.05)
        layers.append(emb)
    if which in (0, 3):
        rnn = nn.LSTM(32, 32, batch_first=True)
        keras_rnn_init_(rnn, 32, True)
        layers.append(LastStep(rnn))
    elif which == 1:
        rnn = nn.GRU(32, 32, batch_first=True)
        keras_rnn_init_(rnn, 32, False)
        layers.append(LastStep(rnn))
    else:
        c1, c2 = nn.Conv1d(128, 32, 7), nn.Conv1d(32, 32, 7)
        for c in (c1, c2):
            nn.init.xavier_uniform_(c.weight)
            nn.init.zeros_(c.bias)
        layers += [ChannelsFirst(), c1, nn.ReLU(), nn.MaxPool1d(5), c2, nn.ReLU(), GlobalMax()]
    out = nn.Linear(32, 1)
    nn.init.xavier_uniform_(out.weight)
    nn.init.zeros_(out.bias)
    layers.append(out)
    return nn.Sequential(*layers)


GEN_VOCAB = 60
GEN_WINDOW = 60


class CharModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(GEN_VOCAB, 32)
        self.rnn = nn.LSTM(32, 128, batch_first=True)
        self.out = nn.Linear(128, GEN_VOCAB)
        nn.init.uniform_(self.emb.weight, -0.05, 0.05)
        keras_rnn_init_(self.rnn, 128, True)
        nn.init.xavier_uniform_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(self, x):
        y, _ = self.rnn(self.emb(x))
        return torch.softmax(self.out(y[:, -1, :]), dim=-1)


class Generator:
    def __init__(self, seed):
        torch.manual_seed(seed)
        self.model = CharModel().eval()
        self.rng = np.random.default_rng(seed)
        self.window = [0] * (GEN_WINDOW - 4) + [2, 3, 4, 5]

    def sample(self, preds, temperature=0.5):
        preds = np.asarray(preds).astype("float64")
        preds = np.log(preds) / temperature
        exp_preds = np.exp(preds)
        preds = exp_preds / np.sum(exp_preds)
        return int(np.argmax(self.rng.multinomial(1, preds, 1)))

    def generate(self, n):
        t = time.perf_counter()
        with torch.no_grad():
            for _ in range(n):
                x = torch.tensor([self.window], dtype=torch.int64)
                p = self.model(x)[0].numpy()
                self.window = self.window[1:] + [self.sample(p)]
        return time.perf_counter() - t


class Bench:
    def __init__(self, batch, seed):
        torch.manual_seed(seed)
        rng = np.random.default_rng(seed)
        self.batch = batch
        self.models = [build(k) for k in range(4)]
        self.opts = [torch.optim.RMSprop(m.parameters(), lr=0.001, alpha=0.9, eps=1e-7)
                     for m in self.models]
        self.loss_fn = nn.BCEWithLogitsLoss()
        ids = rng.integers(1, VOCAB, size=(POOL, batch, STEPS))
        self.tokens = [torch.from_numpy(ids[k]).to(torch.int64) for k in range(POOL)]
        self.floats = [torch.from_numpy(rng.uniform(-1, 1, size=(batch, STEPS, 32))
                                        .astype(np.float32)) for _ in range(POOL)]
        self.labels = [torch.from_numpy(rng.integers(0, 2, size=(batch, 1))
                                        .astype(np.float32)) for _ in range(POOL)]
        self.next = 0

    def step(self, which):
        k = self.next % POOL
        self.next += 1
        x = self.floats[k] if which == 3 else self.tokens[k]
        model, opt = self.models[which], self.opts[which]
        opt.zero_grad(set_to_none=True)
        loss = self.loss_fn(model(x), self.labels[k])
        loss.backward()
        opt.step()
        return loss.item()

    def timed_steps(self, which, n):
        self.models[which].train()
        times = []
        loss = 0.0
        t = time.perf_counter()
        for _ in range(n):
            loss = self.step(which)
            t1 = time.perf_counter()
            times.append(t1 - t)
            t = t1
        return times, loss


CHECK_B, CHECK_T, CHECK_F, CHECK_U = 3, 6, 5, 4


def check_values(which, shape):
    """bench-rnn.c's check_value: 0.5 sin(0.37 k + 1.3 which + 0.2), k the flat index."""
    k = np.arange(int(np.prod(shape)), dtype=np.float64)
    return (0.5 * np.sin(0.37 * k + 1.3 * which + 0.2)).astype(np.float32).reshape(shape)


def check(cell):
    """Keras-layout weights converted to PyTorch's: transposed, and the GRU's
    gates from Keras's z, r, h to PyTorch's r, z, n, its two bias rows to
    bias_ih and bias_hh. PyTorch's GRU is Keras's reset_after=True; for
    reset_after=False (cell 2) the formulas run in numpy (float64)."""
    b, t, f, u = CHECK_B, CHECK_T, CHECK_F, CHECK_U
    g = 4 if cell == 0 else 3
    kernel = check_values(0, (f, g * u))
    rec = check_values(1, (u, g * u))
    bias = check_values(2, (g * u,) if cell != 1 else (2, g * u))
    x = check_values(3, (b, t, f))
    if cell == 2:
        sig = lambda v: 1 / (1 + np.exp(-v))
        k64, r64, b64 = kernel.astype(np.float64), rec.astype(np.float64), bias.astype(np.float64)
        h = np.zeros((b, u))
        out = []
        for s in range(t):
            a = x[:, s, :].astype(np.float64) @ k64 + b64
            z = sig(a[:, :u] + h @ r64[:, :u])
            r = sig(a[:, u:2 * u] + h @ r64[:, u:2 * u])
            hh = np.tanh(a[:, 2 * u:] + (r * h) @ r64[:, 2 * u:])
            h = z * h + (1 - z) * hh
            out.append(h)
        y = np.stack(out, axis=1)
    else:
        def torch_order(w):   # columns in Keras's gate blocks -> rows in PyTorch's
            if cell == 0:
                return w.T
            return np.concatenate([w[:, u:2 * u].T, w[:, :u].T, w[:, 2 * u:].T])
        rnn = nn.LSTM(f, u, batch_first=True) if cell == 0 else nn.GRU(f, u, batch_first=True)
        with torch.no_grad():
            rnn.weight_ih_l0.copy_(torch.from_numpy(np.ascontiguousarray(torch_order(kernel))))
            rnn.weight_hh_l0.copy_(torch.from_numpy(np.ascontiguousarray(torch_order(rec))))
            if cell == 0:
                rnn.bias_ih_l0.copy_(torch.from_numpy(bias))
                rnn.bias_hh_l0.zero_()
            else:
                rnn.bias_ih_l0.copy_(torch.from_numpy(torch_order(bias[0:1]).ravel()))
                rnn.bias_hh_l0.copy_(torch.from_numpy(torch_order(bias[1:2]).ravel()))
            y = rnn(torch.from_numpy(x))[0].numpy()
    return [f"{v:.9g}" for v in np.asarray(y, dtype=np.float64).ravel()]


def main():
    args = torch_common.parse_args(__doc__.splitlines()[0], batch=128, steps=20, warmup=3)
    bench = Bench(args.batch, args.seed)
    info = torch_common.describe()

    if args.rounds > 0:
        print(info)
        rates = []
        for r in range(args.rounds):
            bench.timed_steps(0, args.warmup)
            times, loss = bench.timed_steps(0, args.steps)
            rates.append(args.steps * args.batch / sum(times))
            print(f"round {r + 1}: {rates[-1]:.0f} samples/s (loss {loss:.4f})")
        print(f"median: {statistics.median(rates):.0f} samples/s")
        return 0

    def steps(which, n):
        if which < 0 or which > 3:
            return ["nan"] * (n + 1)
        times, loss = bench.timed_steps(which, n)
        return [f"{t:.9f}" for t in times] + [f"{loss:.6f}"]

    gen = Generator(args.seed)

    def generate(n):
        return [f"{gen.generate(n):.9f}"]

    return torch_common.serve(info, {"steps": (2, steps), "check": (1, check),
                                     "generate": (1, generate)})


if __name__ == "__main__":
    sys.exit(main())
