"""Fit the reader model (rhymer/readermodel.py) on the blind readings' ratings and write its reader.json.

Machine couplets only (published verse is rated for what gives it away, not for what the reranker can
choose between); each couplet's target is its mean of grammar and sense less the mean of its reading's
machine couplets. Prints a report as JSON: couplets and readings fitted on, the correlation of held-out
predictions with the ratings (5 folds by reading: over all couplets, and within one system of one reading,
where a reranker chooses), and the fit's seconds.

    python benchmarks/build_reader.py [MODEL_DIR] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
from blind_set import rated

from rhymer import modeldir
from rhymer.readermodel import TARGET, ReaderModel
from rhymer.words import tokens

FOLDS = 5


def targets(found: list[tuple[int, str, tuple[str, ...], dict]]) -> np.ndarray:
    """Each couplet's mean of the TARGET aspects, less its reading's mean of the same."""
    means = [statistics.mean(ratings[a] for a in TARGET) for _, _, _, ratings in found]
    by_reading: dict[int, list[float]] = defaultdict(list)
    for (reading, *_), value in zip(found, means):
        by_reading[reading].append(value)
    return np.array([value - statistics.mean(by_reading[reading]) for (reading, *_), value in zip(found, means)])


def heldout(found: list, y: np.ndarray, known: set[str]) -> dict[str, float]:
    """Correlations of predictions by models that never saw the couplet's reading."""
    readings = np.array([reading for reading, *_ in found])
    predicted = np.zeros(len(y))
    for fold in range(FOLDS):
        fit, test = np.flatnonzero(readings % FOLDS != fold), np.flatnonzero(readings % FOLDS == fold)
        model = ReaderModel.fit([found[i][2] for i in fit], y[fit], known)
        predicted[test] = [model.score(found[i][2]).sum() for i in test]
    groups: dict[tuple[int, str], list[int]] = defaultdict(list)
    for i, (reading, system, *_) in enumerate(found):
        groups[reading, system].append(i)
    within = [np.corrcoef(predicted[g], y[g])[0, 1] for g in groups.values() if len(g) > 10 and np.std(y[g]) > 0]
    return {"all": round(float(np.corrcoef(predicted, y)[0, 1]), 3), "within_a_system": round(float(np.mean(within)), 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model_dir", type=Path, nargs="?", default=modeldir.DEFAULT_DIR)
    parser.add_argument("--out", type=Path, help="where to write it (default: MODEL_DIR/reader.json)")
    args = parser.parse_args()
    found = [row for row in rated() if row[1] != "published"]
    y = targets(found)
    known = set(tokens(modeldir.read_corpus(args.model_dir)))
    start = time.perf_counter()
    model = ReaderModel.fit([lines for _, _, lines, _ in found], y, known)
    seconds = time.perf_counter() - start
    out = args.out or args.model_dir / modeldir.READER
    model.save(out)
    report = {"file": str(out), "couplets": len(found), "readings": len({r for r, *_ in found}),
              "heldout_correlation": heldout(found, y, known), "fit_seconds": round(seconds, 1),
              "bytes": out.stat().st_size}
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
