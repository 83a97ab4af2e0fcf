"""The char-LSTM in numpy: exactly what ml5.js 0.12.2 computes, for a batch of sequences at once.

Per layer (tfjs basicLSTMCell, forget bias 1.0 added at run time):
    z = [x, h] @ K + b;  i, j, f, o = split(z);  c' = s(i) tanh(j) + c s(f + 1);  h' = tanh(c') s(o)
Layer 0's input is the one-hot character (times ``embedding`` if present), so its input product is a
row lookup, precomputed per character. The output reads the second layer's h.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rhymer import ml5
from rhymer.errors import ModelError
from rhymer.offload import offload

State = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # c0, h0, c1, h1
# a batch of at least this many rows is stepped in two halves, the second on rhymer.offload's helper thread
# when it is free: two cores step 256 rows 1.6-1.8x as fast (a default couplet: 304 against 370 ms; on a
# machine kept busy by two other processes 569 against 624, where OpenBLAS's own threads spin and starve,
# see rhymer.blas). Always two halves, whichever thread steps them, so that neither the cores nor other
# threads change a seed's verse
SPLIT_ROWS = 64


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (np.tanh(0.5 * x) + 1.0)


class LSTMModel:
    kind = "lstm"

    def __init__(self, roles: dict[str, np.ndarray], vocab: list[str]) -> None:
        self.vocab = vocab
        k0, k1 = roles["kernel_0"], roles["kernel_1"]
        self.hidden = h = roles["bias_0"].shape[0] // 4
        inputs = k0.shape[0] - h
        forget = np.zeros(4 * h, dtype=np.float32)
        forget[2 * h : 3 * h] = 1.0
        # gate columns reordered from ml5's (i, j, f, o) to (i, f, o, j): one sigmoid, one tanh per step
        order = np.concatenate([np.arange(0, h), np.arange(2 * h, 4 * h), np.arange(h, 2 * h)])
        x_rows = roles["embedding"] @ k0[:inputs] if "embedding" in roles else k0[:inputs]
        self._x0 = (x_rows + roles["bias_0"] + forget)[:, order].astype(np.float32)  # [V, 4H]: input rows + biases
        self._h0 = np.ascontiguousarray(k0[inputs:][:, order])
        self._k1 = np.ascontiguousarray(k1[:, order])
        self._b1 = (roles["bias_1"] + forget)[order].astype(np.float32)
        self._w, self._b = roles["softmax_w"], roles["softmax_b"]

    @classmethod
    def load(cls, path: str | Path) -> LSTMModel:
        """Read an ml5 model folder (``ml5.read`` checks every file), and refuse one whose first step already
        gives probabilities that are no numbers: finite weights too large for float32 (a tampered or diverged
        model) would write garbage and blame the rules."""
        roles, vocab = ml5.read(Path(path))
        model = cls(roles, vocab)
        with np.errstate(over="ignore", invalid="ignore"):
            _, logp = model._step(model.start(len(vocab)), np.arange(len(vocab)))
        if not np.isfinite(logp).all():
            raise ModelError(f"'{path}' gives probabilities that are not finite numbers (weights too large for float32); "
                             f"retrain it or {ml5.FIX}")
        return model

    def start(self, batch: int) -> State:
        zero = np.zeros((batch, self.hidden), dtype=np.float32)
        return zero, zero, zero, zero

    def take(self, state: State, rows: np.ndarray) -> State:
        return tuple(s[rows] for s in state)

    def join(self, states: list[State]) -> State:
        return tuple(np.concatenate(parts) for parts in zip(*states))

    def feed(self, state: State, ids: np.ndarray) -> tuple[State, np.ndarray]:
        if len(ids) < SPLIT_ROWS:
            return self._step(state, ids)
        half = len(ids) // 2
        second = tuple(s[half:] for s in state), ids[half:]
        theirs = offload(self._step, *second)
        mine = self._step(tuple(s[:half] for s in state), ids[:half])
        other = theirs.result() if theirs is not None else self._step(*second)
        return tuple(np.concatenate(pair) for pair in zip(mine[0], other[0])), np.concatenate([mine[1], other[1]])

    def _step(self, state: State, ids: np.ndarray) -> tuple[State, np.ndarray]:
        c0, h0, c1, h1 = state
        c0, h0 = self._cell(self._x0[ids] + h0 @ self._h0, c0)
        c1, h1 = self._cell(np.concatenate([h0, h1], axis=1) @ self._k1 + self._b1, c1)
        logits = self.logits((c0, h0, c1, h1))
        top = logits.max(axis=1, keepdims=True)
        logp = logits - top - np.log(np.exp(logits - top).sum(axis=1, keepdims=True))
        return (c0, h0, c1, h1), logp

    def logits(self, state: State) -> np.ndarray:
        """The output layer on the second layer's h (what ml5 exponentiates, divided by T)."""
        return state[3] @ self._w + self._b

    def _cell(self, z: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        h = self.hidden
        gates = _sigmoid(z[:, : 3 * h])
        i, f, o = gates[:, :h], gates[:, h : 2 * h], gates[:, 2 * h :]
        c = i * np.tanh(z[:, 3 * h :]) + c * f
        return c, np.tanh(c) * o
