"""Ten minutes on a new corpus: fine-tuned from the shipped model vs from scratch vs the best Markov order.

Every model is measured on the same held-out split (``rhymer.corpus.split_heldout``, 5%), reversed as
the models read it; the LSTMs' numbers are the numpy engine's streaming bpc from their rhymer.json.
Runs go one after another (fine-tuned first), each in its own process with the defaults of
``rhymer train`` except ``--from``.

    python benchmarks/bench_new_corpus.py CORPUS [CORPUS ...] [--minutes 10] [--runs finetune,scratch]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from rhymer import modeldir
from rhymer.charmodel import heldout_bpc
from rhymer.corpus import read_text, split_heldout
from rhymer.markov import MarkovModel

ORDERS = range(3, 9)
RUNS = {"finetune": "default", "scratch": "none"}


def markov_sweep(text: str) -> dict[int, float]:
    train, held = split_heldout(text, 0.05)
    vocab = sorted(set(text))
    return {k: round(float(heldout_bpc(MarkovModel.build(modeldir.orient(train, "backward"), k, vocab),
                                       modeldir.orient(held, "backward"))), 3) for k in ORDERS}


def lstm_run(corpus: Path, parent: str, minutes: float, out: Path) -> dict:
    cmd = [sys.executable, "-m", "rhymer", "train", str(corpus), "--out", str(out), "--from", parent,
           "--max-minutes", str(minutes), "--quiet", "--force"]
    subprocess.run(cmd, check=True, capture_output=True, text=True)
    meta = json.loads((out / modeldir.METADATA).read_text())
    m = meta["metrics"]
    return {"heldout_bpc": round(m["heldout_bpc"], 3), "best_epoch": m["best_epoch"],
            "epochs_trained": m["epochs_trained"], "stopped_by": m["stopped_by"],
            "training_seconds": meta["training_seconds"], "xla": meta["speed"]["xla"]["chosen"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpora", nargs="+", type=Path)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--runs", default="finetune,scratch", help="which LSTM runs, in order")
    parser.add_argument("--keep", type=Path, help="keep the trained models in this folder (default: a temporary one)")
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as scratch:
        tmp = args.keep or Path(scratch)
        for corpus in args.corpora:
            text = read_text(corpus)
            sweep = markov_sweep(text)
            best = min(sweep, key=sweep.get)
            row = {"characters": len(text), "markov": sweep, "markov_best": {"order": best, "heldout_bpc": sweep[best]}}
            for run in args.runs.split(","):
                row[run] = lstm_run(corpus, RUNS[run], args.minutes, tmp / f"{corpus.stem}-{run}")
                print(json.dumps({corpus.name: {run: row[run]}}), flush=True)
            results[corpus.name] = row
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
