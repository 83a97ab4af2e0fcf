"""Generation speed, measured side by side in one run.

  - numpy engine characters per second for 1 and 32 parallel sequences,
  - a Keras step model (one character per call inside tf.function) for comparison,
  - couplet() latency with 16 candidates per line and with 1 (plain sampling), median of N,
  - `rhymer couplet --seed-word night` from a cold shell (wall time, median of 5).

    python benchmarks/bench_generate.py [--model DIR] [--no-keras]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

import numpy as np


def engine_speed(model, batch: int, chars: int = 400) -> float:
    state = model.start(batch)
    ids = np.zeros(batch, dtype=np.int64)
    t = time.perf_counter()
    for _ in range(chars):
        state, logp = model.feed(state, ids)
        ids = logp.argmax(axis=1)
    return batch * chars / (time.perf_counter() - t)


def keras_step_speed(path, chars: int = 200) -> float:
    """The same LSTM as a stateful Keras step, one character per call (what a naive port does)."""
    import keras
    import tensorflow as tf

    from rhymer import ml5

    roles, vocab = ml5.read(path)
    h = roles["bias_0"].shape[0] // 4
    cells = [keras.layers.LSTMCell(h), keras.layers.LSTMCell(h)]
    v = len(vocab)
    cells[0].build((None, v))
    cells[1].build((None, h))
    for i, cell in enumerate(cells):  # ml5 -> Keras: gate order (i, c, f, o) -> (i, f, c, o), forget bias +1
        k, b = roles[f"kernel_{i}"], roles[f"bias_{i}"].copy()
        order = np.concatenate([np.arange(0, h), np.arange(2 * h, 3 * h), np.arange(h, 2 * h), np.arange(3 * h, 4 * h)])
        b[2 * h : 3 * h] += 1.0
        n_in = k.shape[0] - h
        cell.set_weights([k[:n_in][:, order], k[n_in:][:, order], b[order]])
    w, bias = tf.constant(roles["softmax_w"]), tf.constant(roles["softmax_b"])

    @tf.function
    def step(x, states):
        h0, s0 = cells[0](tf.one_hot(x, v), states[0])
        h1, s1 = cells[1](h0, states[1])
        return tf.nn.softmax(tf.matmul(h1, w) + bias), [s0, s1]

    zeros = [tf.zeros((1, h)), tf.zeros((1, h))]
    states = [zeros, zeros]
    x = tf.constant([0])
    step(x, states)
    t = time.perf_counter()
    for _ in range(chars):
        probs, states = step(x, states)
        x = tf.argmax(probs, axis=1, output_type=tf.int32)
    return chars / (time.perf_counter() - t)


def couplet_latency(r, candidates: int, n: int) -> float:
    times = []
    for seed in range(n):
        t = time.perf_counter()
        r.couplet("night", seed=seed, candidates=candidates)
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


def cold_cli(model: str, n: int = 5) -> float:
    times = []
    for seed in range(n):
        t = time.perf_counter()
        subprocess.run(["rhymer", "couplet", "--seed-word", "night", "--model", model, "--seed", str(seed)],
                       check=True, capture_output=True)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="default")
    parser.add_argument("--couplets", type=int, default=40)
    parser.add_argument("--no-keras", action="store_true", help="skip the Keras step comparison")
    args = parser.parse_args()

    import rhymer

    r = rhymer.load(args.model)
    results = {"model": r.name}
    if r.model.kind == "lstm":
        results["numpy_chars_per_s_batch1"] = round(engine_speed(r.model, 1))
        results["numpy_chars_per_s_batch32"] = round(engine_speed(r.model, 32))
        if not args.no_keras:
            results["keras_step_chars_per_s"] = round(keras_step_speed(r.path))
            results["numpy_vs_keras_batch1"] = round(results["numpy_chars_per_s_batch1"] / results["keras_step_chars_per_s"], 1)
    r.couplet("night", seed=0)  # read the corpus for the copy rule once
    results["couplet_ms_median_k16"] = round(couplet_latency(r, 16, args.couplets), 1)
    results["couplet_ms_median_k1"] = round(couplet_latency(r, 1, args.couplets), 1)
    results["cli_cold_s_median"] = round(cold_cli(args.model), 3)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
