"""Training throughput, measured side by side in one run (machines here vary by up to 40% between runs).

Compares, for the default model size (2x256, embedding 64, sequence 64, batch 64):
  - rhymer's training step (custom tf.distribute loop) in float32 and in bfloat16 (--precision),
  - each of them with XLA-compiled gradients (--xla on),
  - a plain ``model.fit`` of the same Keras model with default settings (batch 32),
  - the same ``model.fit`` at rhymer's batch size (64),
and relates each to the machine's measured matmul rate in its precision (achieved GFLOP/s / peak).

    python benchmarks/bench_train.py [--steps 30] [--batch-size 64] [--rounds 2]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def matmul_peak(tf, dtype: str = "float32", n: int = 2048, reps: int = 20) -> float:
    """Best matmul rate in GFLOP/s (TensorFlow's own kernels, all cores)."""
    a = tf.cast(tf.random.normal((n, n)), dtype)
    b = tf.cast(tf.random.normal((n, n)), dtype)
    mm = tf.function(lambda: tf.matmul(a, b))
    mm().numpy()
    best = 0.0
    for _ in range(reps):
        t = time.perf_counter()
        mm().numpy()
        best = max(best, 2 * n**3 / (time.perf_counter() - t) / 1e9)
    return best


def flops_per_char(vocab: int, emb: int, hidden: int) -> float:
    """Training FLOPs per character: forward matmuls x 3 (forward + two backward products)."""
    forward = 2 * ((emb + hidden) * 4 * hidden + 2 * hidden * 4 * hidden + hidden * vocab)
    return 3 * forward


def rhymer_loop(ids, vocab, config, steps: int, precision: str, xla: str) -> float:
    import tensorflow as tf

    from rhymer.train import _Trainer

    with tempfile.TemporaryDirectory() as tmp:
        trainer = _Trainer(tf, tf.distribute.get_strategy(), True, "default", config, vocab, Path(tmp),
                           precision=(precision, "asked for"))
        step = trainer._train_steps[xla]
        batches = iter(trainer._dataset(ids, 0))
        for _ in range(3):  # compile and warm up
            step(*next(batches))
        t = time.perf_counter()
        for _ in range(steps):
            float(step(*next(batches)))
        return steps * config.batch_size * config.seq_length / (time.perf_counter() - t)


def plain_fit(ids, vocab, config, steps: int, batch_size: int | None) -> float:
    """``model.fit`` of the same Keras model; ``batch_size=None`` keeps Keras' default (32)."""
    import keras

    from rhymer.train import build_model

    n = (len(ids) - 1) // config.seq_length
    x = ids[: n * config.seq_length].reshape(n, config.seq_length)
    y = ids[1 : n * config.seq_length + 1].reshape(n, config.seq_length)
    model = build_model(keras, len(vocab), config)
    model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    batch = batch_size or 32
    model.fit(x[: 3 * batch], y[: 3 * batch], batch_size=batch_size, epochs=1, verbose=0)
    take = steps * config.batch_size  # the same number of characters as the other runs
    t = time.perf_counter()
    model.fit(x[:take], y[:take], batch_size=batch_size, epochs=1, verbose=0)
    return take * config.seq_length / (time.perf_counter() - t)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()

    import tensorflow as tf

    from rhymer.train import TrainConfig

    text = (ROOT / "corpora" / "verse.txt").read_text(encoding="utf-8")[::-1]
    vocab = sorted(set(text))
    ids = np.array([vocab.index(c) for c in text[:400_000]], dtype=np.int32)
    base = TrainConfig(batch_size=args.batch_size)
    per_char = flops_per_char(len(vocab), base.embedding_size, base.rnn_size)
    runs = {
        f"rhymer_{precision}{'_xla' if xla == 'on' else ''}": (
            precision, lambda p=precision, x=xla: rhymer_loop(ids, vocab, base, args.steps, p, x))
        for precision in ("float32", "bfloat16") for xla in ("off", "on")
    }
    runs["plain_fit_defaults"] = ("float32", lambda: plain_fit(ids, vocab, base, args.steps, None))
    runs["plain_fit_same_batch"] = ("float32", lambda: plain_fit(ids, vocab, base, args.steps, base.batch_size))
    peaks = dict.fromkeys(("float32", "bfloat16"), 0.0)
    best = dict.fromkeys(runs, 0.0)
    for _ in range(args.rounds):  # interleaved rounds, best of each: this machine's speed drifts
        for dtype in peaks:
            peaks[dtype] = max(peaks[dtype], matmul_peak(tf, dtype))
        for name, (_, run) in runs.items():
            best[name] = max(best[name], run())
    results = {"matmul_peak_gflops": {k: round(v, 1) for k, v in peaks.items()}}
    for name, cps in best.items():
        gflops = cps * per_char / 1e9
        results[name] = {"chars_per_s": round(cps), "gflops": round(gflops, 1),
                         "share_of_peak": round(gflops / peaks[runs[name][0]], 3)}
    plain = results["plain_fit_same_batch"]["chars_per_s"]
    results["speedup_vs_plain_fit_same_batch"] = {
        name: round(results[name]["chars_per_s"] / plain, 2) for name in runs if name.startswith("rhymer")}
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
