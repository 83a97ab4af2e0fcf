"""Fit the reader model (rhymer/readermodel.py) on the blind readings' ratings and write its reader.json.

Machine couplets only (published verse is rated for what gives it away, not for what the reranker can
choose between). Each rating's target is its couplet's mean of grammar and sense less the mean of its
reading's machine couplets; a couplet rated in several readings (the frozen control is in every one, and
systems often agree) is one example, with the mean of its targets. Prints a report as JSON: ratings,
distinct couplets and readings fitted on, the correlation of held-out predictions with the ratings (5 folds
of couplets, those that share a line always in one fold, so no line is scored by a model that saw it: over
all ratings, and within one system of one reading, the frozen control left out, which is where a reranker
chooses), and the fit's seconds.

    python benchmarks/build_reader.py [MODEL_DIR] [--out FILE] [--last-reading N]

The shipped reader.json is ``--last-reading 117``: what readings 118-121 read (``--last-reading 101``, the fit
before it, read grammar 0.06 ± 0.03 below it there, over 80 couplets; ``--last-reading 65`` grammar
0.07 ± 0.05 below 101 in readings 102-105; and ``--last-reading 55`` grammar 0.04 ± 0.03 and sense
0.05 ± 0.03 below 65 in readings 66-69 and 78-81). ``--last-reading 137`` read level with it in readings
138-141 (grammar +0.04 ± 0.04 over 80 couplets, 17 of them changed), and ``--last-reading 165`` in readings
166-169 (grammar 0.00 ± 0.06, sense +0.04 ± 0.04, 29 of 80 changed), so 117 stays.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import zlib
from collections import defaultdict
from pathlib import Path

import numpy as np
from blind_set import rated

from rhymer import modeldir
from rhymer.readermodel import TARGET, ReaderModel
from rhymer.words import tokens

FOLDS = 5
Rating = tuple[int, str, tuple[str, ...], dict]  # reading, system, couplet, ratings (blind_set.rated)


def targets(found: list[Rating]) -> np.ndarray:
    """Each rating's mean of the TARGET aspects, less its reading's mean of the same."""
    means = [statistics.mean(ratings[a] for a in TARGET) for _, _, _, ratings in found]
    by_reading: dict[int, list[float]] = defaultdict(list)
    for (reading, *_), value in zip(found, means):
        by_reading[reading].append(value)
    return np.array([value - statistics.mean(by_reading[reading]) for (reading, *_), value in zip(found, means)])


def fit(found: list[Rating], y: np.ndarray, rows: list[int], known: set[str]) -> ReaderModel:
    """A model of the distinct couplets among ``rows``, each with the mean of its targets."""
    by_couplet: dict[tuple[str, ...], list[float]] = defaultdict(list)
    for i in rows:
        by_couplet[found[i][2]].append(y[i])
    return ReaderModel.fit(list(by_couplet), [statistics.mean(v) for v in by_couplet.values()], known)


def folds(found: list[Rating]) -> np.ndarray:
    """Each rating's fold: couplets that share a line (two systems often differ in one line only) are
    joined, and each group goes to one fold, so a model is never scored on a line it was fitted on."""
    parent: dict[str, str] = {}

    def root(line: str) -> str:
        while parent.setdefault(line, line) != line:
            parent[line] = line = parent[parent[line]]
        return line

    for _, _, lines, _ in found:
        for line in lines[1:]:
            parent[root(line)] = root(lines[0])
    return np.array([zlib.crc32(root(lines[0]).encode("utf-8")) % FOLDS for _, _, lines, _ in found])


def heldout(found: list[Rating], y: np.ndarray, known: set[str]) -> dict[str, float]:
    """Correlations of predictions by models that never saw the couplet's lines (see ``folds``)."""
    fold = folds(found)
    predicted = np.zeros(len(y))
    for f in range(FOLDS):
        model = fit(found, y, list(np.flatnonzero(fold != f)), known)
        test = np.flatnonzero(fold == f)
        predicted[test] = [model.score(found[i][2]).sum() for i in test]
    groups: dict[tuple[int, str], list[int]] = defaultdict(list)
    for i, (reading, system, *_) in enumerate(found):
        if system != "control":
            groups[reading, system].append(i)
    within = [np.corrcoef(predicted[g], y[g])[0, 1] for g in groups.values() if len(g) > 10 and np.std(y[g]) > 0]
    return {"all": round(float(np.corrcoef(predicted, y)[0, 1]), 3), "within_a_system": round(float(np.mean(within)), 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model_dir", type=Path, nargs="?", default=modeldir.DEFAULT_DIR)
    parser.add_argument("--out", type=Path, help="where to write it (default: MODEL_DIR/reader.json)")
    parser.add_argument("--last-reading", type=int, help="fit on the readings up to this number (default: all)")
    args = parser.parse_args()
    last = args.last_reading if args.last_reading is not None else float("inf")
    found = [row for row in rated() if row[1] != "published" and row[0] <= last]
    y = targets(found)
    known = set(tokens(modeldir.read_corpus(args.model_dir)))
    start = time.perf_counter()
    model = fit(found, y, list(range(len(found))), known)
    seconds = time.perf_counter() - start
    out = args.out or args.model_dir / modeldir.READER
    model.save(out)
    report = {"file": str(out), "ratings": len(found), "couplets": len({lines for _, _, lines, _ in found}),
              "readings": len({r for r, *_ in found}), "heldout_correlation": heldout(found, y, known),
              "fit_seconds": round(seconds, 1), "bytes": out.stat().st_size}
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
