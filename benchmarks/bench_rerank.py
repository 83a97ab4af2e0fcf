"""Issue 9, lever 7: the learned reranker (discriminator.json) side by side with the default rerank.

Couplets are interleaved across settings (a noisy machine slows every setting alike), with the same
seed words and seeds. Per setting: couplet() median latency, real-word share, word perplexity under a
word model of held-out text, the mean word log-probability under the model's own word model, and the
discriminator's mean log-odds of the chosen lines. Then --show couplets with and without the term.

    python benchmarks/build_discriminator.py /tmp/model        # a copy of the model folder
    python benchmarks/bench_rerank.py /tmp/model [--couplets 40] [--weights 1 2] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import rhymer
from rhymer import metrics, modeldir
from rhymer.corpus import split_heldout
from rhymer.linemodel import _parse
from rhymer.rhymepolicy import SEED_WORDS
from rhymer.scoring import Weights
from rhymer.wordmodel import WordModel


def settings(weights: list[float], sizes: list[int]) -> dict[str, dict]:
    out = {}
    for k in sizes:
        out[f"K={k}, no discriminator"] = dict(candidates=k, weights=Weights(discriminator=0))
        for w in weights:
            out[f"K={k}, discriminator {w:g}"] = dict(candidates=k, weights=Weights(discriminator=w))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model_dir", type=Path, help="a model folder holding discriminator.json")
    parser.add_argument("--couplets", type=int, default=40)
    parser.add_argument("--weights", type=float, nargs="+", default=[1.0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[16, 32])
    parser.add_argument("--show", type=int, default=10, help="couplets printed with and without the term")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    r = rhymer.load(args.model_dir)
    if r.discriminator is None:
        parser.error(f"{args.model_dir} has no {modeldir.DISCRIMINATOR}; run benchmarks/build_discriminator.py first")
    text = modeldir.read_corpus(r.path)
    held = split_heldout(text, r.metadata["val_fraction"])[1]
    judge = WordModel.build(held)
    table = settings(args.weights, args.sizes)
    r.couplet("night", seed=0)  # warm: trie, copy checker, CMU
    couplets: dict[str, list[tuple[str, ...]]] = {n: [] for n in table}
    times: dict[str, list[float]] = {n: [] for n in table}
    for i in range(args.couplets):
        for name, options in table.items():
            t = time.perf_counter()
            verse = r.couplet(SEED_WORDS[i % len(SEED_WORDS)], seed=i, **options)
            times[name].append(time.perf_counter() - t)
            couplets[name].append(verse.lines)
    probe = [line for c in couplets[next(iter(table))] for line in c] * 8
    _parse.cache_clear()  # generation parsed these lines already: time the parse too
    t = time.perf_counter()
    r.discriminator.score(probe)
    per_line_us = 1e6 * (time.perf_counter() - t) / len(probe)
    rows = []
    for name, cs in couplets.items():
        lines = [line for c in cs for line in c]
        rows.append({
            "setting": name,
            "median_ms": round(1000 * statistics.median(times[name]), 1),
            "real_words": round(metrics.real_word_rate(lines, r.index.is_real), 4),
            "perfect_rhyme": metrics.perfect_rhyme_rate(cs),
            "copied_overlap": metrics.copied_rates(lines, text)[1],
            "heldout_word_perplexity": round(judge.perplexity(lines), 1),
            "own_word_logprob": round(statistics.mean(map(r.words.line_logprob, lines)), 3),
            "discriminator_logodds": round(float(r.discriminator.score(lines).mean()), 3),
        })
    result = {"couplets": args.couplets, "score_us_per_line": round(per_line_us, 1), "rows": rows}
    print(json.dumps(result, indent=1))
    names = list(table)
    for i in range(min(args.show, args.couplets)):
        print(f"\n#{i} {SEED_WORDS[i % len(SEED_WORDS)]}")
        for name in names[: 1 + len(args.weights)]:  # the first K: without the term, then each weight
            print(f"  {name:28} " + " / ".join(couplets[name][i]))
    if args.out:
        args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
