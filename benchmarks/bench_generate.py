"""Generation speed, measured side by side in one run.

  - numpy engine characters per second for 1, 32 and 256 parallel sequences (256 in two halves on two threads,
    lstm.SPLIT_ROWS),
  - the same LSTM as a Keras step model (tf.function, one character per call, batched candidates),
    per character and for a whole couplet with 16 candidates per line,
  - couplet() latency at the defaults (sampler.DEFAULT_CANDIDATES, DEFAULT_TOP_P), at 128 (the default until
    readings 110-117), the same without top-p (the default until readings 66-81), at the default K with word runs
    of contexts seen before 5 words or more (the default until readings 20-27) and without word runs (the
    default until blind readings 14-15), at the default with the engine as it was before 2026-12-04's evening
    (every candidate's row stepped, the batch whole on one thread; each end word primed once, as now) and with one thread alone, and without top-p: at 64
    (the default until readings 62-65), at 32 and T=0.5 (the default until readings 54-57), at 16 (the default
    until readings 5-6) and with 1 (plain sampling); median of N, interleaved,
  - `rhymer couplet --seed-word night` from a cold shell (wall time: the first run on the machine, which
    derives what rhymer.cache then keeps, and the median of 5 after it; with bytecode, as installed): the console script
    beside this interpreter, as a virtual environment runs it (a version manager's shim on PATH, such as
    pyenv's, adds its own start-up: 0.7 s here), and where a cold couplet's time goes (one fresh process).

    python benchmarks/bench_generate.py [--model DIR] [--no-keras]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from rhymer import cache, lstm, modeldir, sampler
from rhymer.blas import one_thread
from rhymer.sampler import DEFAULT_CANDIDATES
from rhymer.wordruns import WordRuns


@one_thread  # as the library steps it: one BLAS thread (each half of a large batch on its own thread)
def engine_speed(model, batch: int, chars: int = 400) -> float:
    state = model.start(batch)
    ids = np.zeros(batch, dtype=np.int64)
    t = time.perf_counter()
    for _ in range(chars):
        state, logp = model.feed(state, ids)
        ids = logp.argmax(axis=1)
    return batch * chars / (time.perf_counter() - t)


class KerasStepModel:
    """The same LSTM as a Keras step (two LSTMCells in a tf.function), behind rhymer's CharModel
    interface: what generating with TensorFlow instead of the numpy engine would cost."""

    kind = "keras"

    def __init__(self, path) -> None:
        import keras
        import tensorflow as tf

        from rhymer import ml5

        roles, self.vocab = ml5.read(path)
        h = self.hidden = roles["bias_0"].shape[0] // 4
        v = len(self.vocab)
        cells = [keras.layers.LSTMCell(h), keras.layers.LSTMCell(h)]
        cells[0].build((None, v))
        cells[1].build((None, h))
        order = np.concatenate([np.arange(0, h), np.arange(2 * h, 3 * h), np.arange(h, 2 * h), np.arange(3 * h, 4 * h)])
        for i, cell in enumerate(cells):  # ml5 -> Keras: gates (i, c, f, o) -> (i, f, c, o), forget bias +1
            k, bias = roles[f"kernel_{i}"], roles[f"bias_{i}"].copy()
            bias[2 * h : 3 * h] += 1.0
            n_in = k.shape[0] - h
            cell.set_weights([k[:n_in][:, order], k[n_in:][:, order], bias[order]])
        w, b = tf.constant(roles["softmax_w"]), tf.constant(roles["softmax_b"])

        @tf.function
        def step(x, h0, c0, h1, c1):
            out0, (h0, c0) = cells[0](tf.one_hot(x, v), [h0, c0])
            out1, (h1, c1) = cells[1](out0, [h1, c1])
            return tf.nn.log_softmax(tf.matmul(out1, w) + b), h0, c0, h1, c1

        self._step = step

    def start(self, batch):
        zero = np.zeros((batch, self.hidden), dtype=np.float32)
        return (zero,) * 4

    def take(self, state, rows):
        return tuple(np.asarray(s)[rows] for s in state)

    def join(self, states):
        return tuple(np.concatenate(parts) for parts in zip(*states))

    def feed(self, state, ids):
        logp, *new = self._step(np.asarray(ids, dtype=np.int32), *state)
        return tuple(t.numpy() for t in new), logp.numpy()


def _every_row(model, state, node, ids):
    """sampler._feed_distinct as it was before: every row stepped, shared histories or not."""
    state, logp = model.feed(model.take(state, node), ids)
    return state, logp, np.arange(len(ids))


@contextlib.contextmanager
def engine(every_row: bool = False, one_thread: bool = False):
    """The engine as it was: ``every_row`` steps each candidate's row though candidates share their first
    characters, ``one_thread`` steps the batch whole instead of in two halves on two threads."""
    saved = sampler._feed_distinct, lstm.SPLIT_ROWS
    if every_row:
        sampler._feed_distinct = _every_row
    if one_thread:
        lstm.SPLIT_ROWS = sys.maxsize
    try:
        yield
    finally:
        sampler._feed_distinct, lstm.SPLIT_ROWS = saved


def couplet_latency(r, candidates: int, n: int, first_seed: int = 0, **options) -> float:
    """The median milliseconds of ``n`` couplets; ``options`` go to ``verse`` (rules, temperature, top_p)."""
    times = []
    for seed in range(first_seed, first_seed + n):
        t = time.perf_counter()
        r.verse("couplet", "night", seed=seed, candidates=candidates, **options)
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


def _installed_env(cache_dir: str) -> dict[str, str]:
    """The environment of a cold run: rhymer's cache in ``cache_dir``, and Python free to write and read
    bytecode, as an installed copy has it (pip compiles it at install): a machine that sets
    PYTHONDONTWRITEBYTECODE, as some CI images do, would otherwise compile every module on every run."""
    return {**{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}, cache.ENV: cache_dir}


def cold_cli(model: str, cache_dir: str, n: int = 5) -> tuple[float, float]:
    """Wall seconds of `rhymer couplet` from a cold shell: the first run on a machine (``cache_dir`` empty:
    rhymer.cache derives CMU dict's known words) and the median of the ``n`` runs after it."""
    script = Path(sys.executable).with_name("rhymer")
    env = _installed_env(cache_dir)
    times = []
    for seed in range(n + 1):
        t = time.perf_counter()
        subprocess.run([str(script) if script.exists() else "rhymer", "couplet", "--seed-word", "night", "--model", model,
                        "--seed", str(seed)], check=True, capture_output=True, env=env)
        times.append(time.perf_counter() - t)
    return times[0], statistics.median(times[1:])


COLD_PHASES = """
import json, sys, time
t = [time.perf_counter()]
import rhymer
t.append(time.perf_counter())
r = rhymer.load(sys.argv[1])
t.append(time.perf_counter())
r.trie
t.append(time.perf_counter())
r.couplet("night", seed=0)
t.append(time.perf_counter())
print(json.dumps({k: round(b - a, 3) for k, a, b in zip(["import", "load", "known_words", "couplet"], t, t[1:])}))
"""


def cold_phases(model: str, cache_dir: str) -> dict[str, float]:
    """Seconds of a cold library couplet by phase, in a fresh process: import, load the folder, build the
    known-word trie (CMU dict's part read from ``cache_dir``), write the couplet."""
    out = subprocess.run([sys.executable, "-c", COLD_PHASES, model], check=True, capture_output=True, text=True,
                         env=_installed_env(cache_dir))
    return json.loads(out.stdout)


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
        results["numpy_chars_per_s_batch256"] = round(engine_speed(r.model, 256, chars=100))
        with engine(one_thread=True):
            results["numpy_chars_per_s_batch256_one_thread"] = round(engine_speed(r.model, 256, chars=100))
        if not args.no_keras:
            keras_model = KerasStepModel(r.path)
            results["keras_step_chars_per_s_batch1"] = round(engine_speed(keras_model, 1, chars=200))
            results["numpy_vs_keras_chars_batch1"] = round(results["numpy_chars_per_s_batch1"] / results["keras_step_chars_per_s_batch1"], 1)
            keras_poet = rhymer.Rhymer.from_parts(keras_model, r.index, r.copies, "keras")
            keras_ms = couplet_latency(keras_poet, 16, max(5, args.couplets // 4))
            numpy_ms = couplet_latency(r, 16, max(5, args.couplets // 4))
            results["couplet_k16_ms_keras_step"] = round(keras_ms, 1)
            results["couplet_k16_ms_numpy"] = round(numpy_ms, 1)
            results["numpy_vs_keras_couplet_k16"] = round(keras_ms / numpy_ms, 1)
    r.couplet("night", seed=0)  # read the corpus for the copy rule once
    five = rhymer.Rhymer.from_parts(r.model, r.index, r.copies, "five", r.words, r.discriminator,
                                    WordRuns.build(modeldir.read_corpus(r.path), 5) if r.runs else None, r.reader)
    five.couplet("night", seed=0)
    k, plain = DEFAULT_CANDIDATES, {"top_p": 1.0}  # (plain: no nucleus, as before readings 66-81)
    old, one = {"every_row": True, "one_thread": True}, {"one_thread": True}
    settings = {f"k{k}": (r, k, {}), f"k{k}_engine_before": (r, k, {}, old), f"k{k}_one_thread": (r, k, {}, one),
                "k128": (r, 128, {}), "k128_no_top_p": (r, 128, plain),
                f"k{k}_runs_of_5_predecessors": (five, k, {}),
                f"k{k}_no_word_runs": (r, k, {"rules": rhymer.Rules(word_runs=False)}),
                "k64_no_top_p": (r, 64, plain), "k32_t05_no_top_p": (r, 32, {**plain, "temperature": 0.5}),
                "k16_no_top_p": (r, 16, plain), "k1_plain": (r, 1, plain)}
    times: dict[str, list[float]] = {name: [] for name in settings}
    for seed in range(args.couplets):  # interleaved, so a busy spell slows every setting alike
        for name, (poet, candidates, options, *was) in settings.items():
            with engine(**(was[0] if was else {})):
                times[name].append(couplet_latency(poet, candidates, 1, seed, **options))
    for name in times:
        results[f"couplet_ms_median_{name}"] = round(statistics.median(times[name]), 1)
    with tempfile.TemporaryDirectory() as cache_dir:
        first, later = cold_cli(args.model, cache_dir)
        results["cli_cold_s_first_run"], results["cli_cold_s_median"] = round(first, 3), round(later, 3)
        results["cold_library_couplet_s_by_phase"] = cold_phases(args.model, cache_dir)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
