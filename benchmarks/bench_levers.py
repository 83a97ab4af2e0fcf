"""Issue 9's generation levers, measured side by side in one run (couplets interleaved, so a noisy
machine slows every setting alike): program metrics and couplet() latency per setting.

  today     each line from a fresh state, no word constraint, no word model (the v0.1 method)
  +carry    lines written last to first, each after the state of the line that follows it
  +trie     ... and only known words (corpus + CMU) can be written
  +words    ... and the word trigram model as a reranking term: the defaults (today's K, T and top-p; the
           three settings above sample at v0.1's K=16, T=0.7 from every character)
  K=1, K=32 T=0.5, markov: the defaults with plain sampling (K=1, top-p 1), the K and temperature of the
           defaults before blind readings 54-65 (top-p 1), the Markov baseline

    python benchmarks/bench_levers.py [--couplets 40] [--out docs/results/verse-levers.json]
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
from rhymer.rhymepolicy import SEED_WORDS
from rhymer.scoring import Rules, Weights
from rhymer.wordmodel import WordModel

PLAIN = dict(top_p=1.0)  # every character at the temperature: as sampled before blind readings 66-81
OFF = dict(carry=False, rules=Rules(known_words=False), weights=Weights(words=0), candidates=16, temperature=0.7, **PLAIN)
SETTINGS = {
    "today (K=16, T=0.7)": ("lstm", OFF),
    "+carry": ("lstm", {**OFF, "carry": True}),
    "+carry +trie": ("lstm", {**OFF, "carry": True, "rules": Rules()}),
    "+carry +trie +words (default)": ("lstm", {}),
    "default, K=1": ("lstm", dict(candidates=1, **PLAIN)),
    "default, K=32 T=0.5 (before readings 54-65)": ("lstm", dict(candidates=32, temperature=0.5, **PLAIN)),
    "markov, today": ("markov", OFF),
    "markov, default": ("markov", {}),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--couplets", type=int, default=40)
    parser.add_argument("--only", nargs="*", help="names of settings to run (default: all)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    models = {"lstm": rhymer.load("lstm"), "markov": rhymer.load("markov")}
    text = modeldir.read_corpus(modeldir.DEFAULT_DIR)
    held = split_heldout(text, 0.05)[1]
    judge = WordModel.build(held)
    index = models["lstm"].index
    names = [n for n in SETTINGS if not args.only or n in args.only]
    for r in models.values():  # warm: trie, copy checker, CMU
        r.couplet("night", seed=0)
    couplets = {n: [] for n in names}
    times = {n: [] for n in names}
    for i in range(args.couplets):
        word = SEED_WORDS[i % len(SEED_WORDS)]
        for name in names:
            kind, options = SETTINGS[name]
            t = time.perf_counter()
            verse = models[kind].couplet(word, seed=i, **options)
            times[name].append(time.perf_counter() - t)
            couplets[name].append(tuple(verse.lines))
    rows = []
    for name in names:
        cs = couplets[name]
        lines = [line for c in cs for line in c]
        rows.append({
            "setting": name,
            "median_ms": round(1000 * statistics.median(times[name]), 1),
            "perfect_rhyme": metrics.perfect_rhyme_rate(cs),
            "identical_rhyme": metrics.identical_rhyme_rate(cs),
            "real_words": round(metrics.real_word_rate(lines, index.is_real), 4),
            "invented_lines": metrics.invented_word_rate(lines, index.is_real),
            "copied_overlap": metrics.copied_rates(lines, text)[1],
            "word_perplexity": round(judge.perplexity(lines), 1),
            "own_word_logprob": round(statistics.mean(models["lstm"].words.line_logprob(x) for x in lines), 3),
            "samples": [" / ".join(c) for c in cs[:3]],
        })
    given = ["I walked along the shore at night", "My love is like a summer day", "The rain has washed the town"]
    reply_ms = []
    for i in range(min(args.couplets, 12)):
        t = time.perf_counter()
        models["lstm"].reply(given[i % len(given)], seed=i)
        reply_ms.append(time.perf_counter() - t)
    result = {"couplets": args.couplets, "rows": rows, "reply_median_ms": round(1000 * statistics.median(reply_ms), 1)}
    text_out = json.dumps(result, indent=1)
    print(text_out)
    if args.out:
        args.out.write_text(text_out + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
