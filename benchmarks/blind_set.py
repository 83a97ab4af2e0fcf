"""Blind readings of couplets: generate a system's couplets, shuffle systems with published verse, score.

A reader sees only the shuffled file (ids and couplets) and rates each couplet 1-5 for grammar,
sense, quality as verse and rhythm, and guesses human or machine. The key stays apart.

    python benchmarks/blind_set.py generate --model default --out lstm.json      # 40 couplets of a system
    python benchmarks/blind_set.py generate --series --out feed.json    # ...as one feed (Rhymer.series)
    python benchmarks/blind_set.py build lstm=lstm.json markov=markov.json \\
        control=benchmarks/blind/control-v0.1.json --out /tmp/reading            # set.md + key.json
    python benchmarks/blind_set.py score /tmp/reading/key.json ratings.json      # the table, per system
    python benchmarks/blind_set.py paired /tmp/reading ratings.json a=a.json b=b.json  # a - b, seed by seed

Ratings JSON: {"ID": {"grammar": 1-5, "sense": 1-5, "quality": 1-5, "rhythm": 1-5, "human": true|false}}.
`benchmarks/blind/control-v0.1.json` holds 40 couplets of the v0.1 default (LSTM, K=16, T=0.7), frozen
as the control that every later reading includes.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
from pathlib import Path

from rhymer.sampler import DEFAULT_CANDIDATES, DEFAULT_TEMPERATURE, DEFAULT_TOP_P
from rhymer.scoring import DEFAULT_VARIETY

# Varied end words: nouns, verbs and adjectives of everyday and poetic English, all with rhymes.
SEED_WORDS = (
    "night day heart sea rain love light time fire sky home stone dream door song tree road friend bread "
    "gold snow wind hand face town king bell cold bright fall grow sleep run sing kind true old sweet "
    "blue green still"
).split()
COUPLETS = 40
TRAILING = " ,.;:!?-\u2014'\""
ASPECTS = ("grammar", "sense", "quality", "rhythm")
READINGS = Path(__file__).resolve().parent / "blind"  # reading-N folders: set.md, key.json, ratings.json


def generate(model: str, out: Path, temperature: float, candidates: int, seed: int,
             meter: str | None = None, syllables: int | None = None, weights: dict[str, float] | None = None,
             series: bool = False, top_p: float = DEFAULT_TOP_P, variety: float = DEFAULT_VARIETY) -> None:
    """With ``series`` the couplets are read as one feed (``Rhymer.series``): each skips a seed whose couplet
    echoes the last SERIES_MEMORY lines before it."""
    import rhymer

    r = rhymer.load(model)
    rules = rhymer.Rules(meter=meter, target_syllables=syllables)
    scoring = rhymer.Weights(**(weights or {}))
    couplets: list[list[str]] = []
    for i, word in enumerate(SEED_WORDS[:COUPLETS]):
        options = {"temperature": temperature, "candidates": candidates, "top_p": top_p, "variety": variety, "rules": rules,
                   "weights": scoring}
        shown = [line for c in couplets for line in c]
        verse = (next(r.series(1, seed_word=word, seed=seed + i, avoid=shown, **options)) if series
                 else r.couplet(word, seed=seed + i, **options))
        couplets.append(list(verse.lines))
    settings = {"model": model, "temperature": temperature, "candidates": candidates, "top_p": top_p, "variety": variety, "seed": seed,
                "meter": meter, "target_syllables": syllables, "weights": weights or {}, "series": series}
    out.write_text(json.dumps({"settings": settings, "couplets": couplets}, indent=1) + "\n", encoding="utf-8")


def published(n: int, seed: int = 0) -> list[list[str]]:
    """Rhyming couplets of published verse: consecutive lines of the bundled corpus that rhyme."""
    import rhymer
    from rhymer import modeldir
    from rhymer.words import last_word

    pairs = []
    for stanza in modeldir.read_corpus(modeldir.DEFAULT_DIR).split("\n\n"):
        lines = [line.strip() for line in stanza.split("\n") if line.strip()]
        for a, b in zip(lines, lines[1:]):
            wa, wb = last_word(a), last_word(b)
            if wa and wb and wa != wb and rhymer.lexicon.in_cmu(wa) and rhymer.lexicon.in_cmu(wb) \
                    and rhymer.is_rhyme(wa, wb):
                pairs.append([a, b])
    return random.Random(seed).sample(pairs, n)


def build(systems: dict[str, Path], out: Path, seed: int) -> None:
    items = [(name, c) for name, path in systems.items() for c in json.loads(path.read_text())["couplets"]]
    items += [("published", c) for c in published(COUPLETS, seed)]
    random.Random(seed).shuffle(items)
    out.mkdir(parents=True, exist_ok=True)
    key, text = {}, ["# Couplets to rate", ""]
    for i, (name, couplet) in enumerate(items, 1):
        key[f"c{i:03d}"] = name
        text += [f"## c{i:03d}", "", *(f"    {_bare(line)}" for line in couplet), ""]
    (out / "set.md").write_text("\n".join(text), encoding="utf-8")
    (out / "key.json").write_text(json.dumps(key, indent=1) + "\n", encoding="utf-8")


def _bare(line: str) -> str:
    """Line-final punctuation gives published verse away (generated lines end on the rhyme word)."""
    return line.strip().rstrip(TRAILING)


def score(key_file: Path, ratings_file: Path) -> str:
    key, ratings = json.loads(key_file.read_text()), json.loads(ratings_file.read_text())
    by_system: dict[str, list[dict]] = {}
    for cid, rating in ratings.items():
        by_system.setdefault(key[cid], []).append(rating)
    rows = ["| source | n | " + " | ".join(ASPECTS) + " | taken for human |", "|---" * (len(ASPECTS) + 3) + "|"]
    for name, rs in sorted(by_system.items()):
        means = [f"{statistics.mean(r[a] for r in rs):.2f}" for a in ASPECTS]
        human = sum(bool(r["human"]) for r in rs) / len(rs)
        rows.append(f"| {name} | {len(rs)} | " + " | ".join(means) + f" | {human:.0%} |")
    return "\n".join(rows)


def read_set(reading: Path) -> dict[str, tuple[str, ...]]:
    """A reading's couplets by id, as its set.md shows them."""
    blocks = (reading / "set.md").read_text(encoding="utf-8").split("## ")[1:]
    return {cid: tuple(line.strip() for line in rest.strip().splitlines())
            for cid, _, rest in (block.partition("\n") for block in blocks)}


def rated(root: Path = READINGS) -> list[tuple[int, str, tuple[str, ...], dict]]:
    """Every rated couplet of the readings under ``root`` (reading-N folders with set.md, key.json and
    ratings.json): (N, the system that wrote it, its lines, its ratings)."""
    found = []
    for folder in sorted(root.glob("reading-*"), key=lambda p: int(p.name.partition("-")[2])):
        if (folder / "ratings.json").exists():
            key, ratings = json.loads((folder / "key.json").read_text()), json.loads((folder / "ratings.json").read_text())
            number = int(folder.name.partition("-")[2])
            found += [(number, key[cid], lines, ratings[cid]) for cid, lines in read_set(folder).items() if cid in ratings]
    return found


def paired(reading: Path, ratings_file: Path, a: tuple[str, Path], b: tuple[str, Path]) -> str:
    """System a minus system b, couplet by couplet on the same seed word and seed (their files come from
    ``generate`` with one --seed): the mean difference per aspect, its standard error, wins and losses."""
    key, ratings = json.loads((reading / "key.json").read_text()), json.loads(ratings_file.read_text())
    shown = {(key[cid], lines): cid for cid, lines in read_set(reading).items()}

    def ids(name: str, path: Path) -> list[str | None]:
        couplets = json.loads(path.read_text())["couplets"]
        return [shown.get((name, tuple(_bare(line) for line in c))) for c in couplets]

    pairs = [(x, y) for x, y in zip(ids(*a), ids(*b)) if x and y]
    rows = [f"{a[0]} - {b[0]}, {len(pairs)} pairs", "| aspect | mean difference | standard error | wins | losses |",
            "|---|---|---|---|---|"]
    for aspect in ASPECTS:
        d = [ratings[x][aspect] - ratings[y][aspect] for x, y in pairs]
        se = statistics.stdev(d) / len(d) ** 0.5 if len(d) > 1 else float("nan")
        rows.append(f"| {aspect} | {statistics.mean(d):+.2f} | {se:.2f} | {sum(v > 0 for v in d)} | {sum(v < 0 for v in d)} |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    g = sub.add_parser("generate")
    g.add_argument("--model", default="default")
    g.add_argument("--temperature", type=float, default=DEFAULT_TEMPERATURE)
    g.add_argument("--candidates", type=int, default=DEFAULT_CANDIDATES)
    g.add_argument("--top-p", type=float, default=DEFAULT_TOP_P)
    g.add_argument("--variety", type=float, default=DEFAULT_VARIETY)
    g.add_argument("--meter", choices=["iambic", "trochaic"])
    g.add_argument("--syllables", type=int, help="every line's syllable target (default: the first line's)")
    g.add_argument("--weight", action="append", default=[], metavar="NAME=VALUE", help="a Weights field (repeat)")
    g.add_argument("--seed", type=int, default=1000)
    g.add_argument("--series", action="store_true", help="as one feed: skip seeds whose couplet echoes an earlier one")
    g.add_argument("--out", type=Path, required=True)
    b = sub.add_parser("build")
    b.add_argument("systems", nargs="+", help="NAME=couplets.json")
    b.add_argument("--out", type=Path, required=True)
    b.add_argument("--seed", type=int, default=0)
    s = sub.add_parser("score")
    s.add_argument("key", type=Path)
    s.add_argument("ratings", type=Path)
    p = sub.add_parser("paired")
    p.add_argument("reading", type=Path, help="the folder with set.md and key.json")
    p.add_argument("ratings", type=Path)
    p.add_argument("systems", nargs=2, help="NAME=couplets.json, twice")
    args = parser.parse_args()
    if args.command == "generate":
        if not all("=" in w for w in args.weight):
            parser.error("--weight takes NAME=VALUE, e.g. --weight discriminator=2")
        weights = {name: float(value) for name, value in (w.split("=", 1) for w in args.weight)}
        generate(args.model, args.out, args.temperature, args.candidates, args.seed, meter=args.meter,
                 syllables=args.syllables, weights=weights, series=args.series, top_p=args.top_p,
                 variety=args.variety)
    elif args.command == "build":
        build({n: Path(p) for n, p in (s.split("=", 1) for s in args.systems)}, args.out, args.seed)
    elif args.command == "paired":
        a, b = ((n, Path(f)) for n, f in (s.split("=", 1) for s in args.systems))
        print(paired(args.reading, args.ratings, a, b))
    else:
        print(score(args.key, args.ratings))


if __name__ == "__main__":
    main()
