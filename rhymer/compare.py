"""`rhymer compare`: Markov against LSTM on one corpus split, the same seed words and seeds for all."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from rhymer import metrics, modeldir
from rhymer.charmodel import heldout_bpc
from rhymer.corpus import read_text, sha256, split_heldout
from rhymer.errors import RhymerError
from rhymer.markov import MarkovModel
from rhymer.rhymeindex import RhymeIndex
from rhymer.scoring import CopyChecker
from rhymer.verse import Composer
from rhymer.words import tokens

SEED_WORDS = (
    "night", "day", "love", "heart", "sea", "light", "time", "eyes", "away", "sun", "mind", "death", "fire",
    "sky", "rain", "song", "soul", "stone", "ground", "door", "dream", "tree", "home", "way", "sleep", "name",
    "breath", "blood", "king", "hand", "snow", "star", "gold", "face", "tears", "sweet", "pain", "wind",
)


@dataclass
class Contender:
    name: str
    composer: Composer
    candidates: int
    load_seconds: float
    size_bytes: int
    bpc: float | None
    note: str = ""
    couplets: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0


def run(corpus: Path, models: list[str], couplets: int = 200, markov_order: int = 5,
        markov_orders: list[int] | None = None, val_fraction: float = 0.05, temperature: float = 0.7,
        candidates: int = 16, plain: bool = True, train_lstm_minutes: float | None = None,
        out: Path | None = None, command: str = "") -> dict:
    """Build, generate, measure; returns the report (and writes report.json/html/md under ``out``)."""
    if couplets < 1:
        raise RhymerError(f"--couplets {couplets} is below 1; pass a positive number")
    text = read_text(corpus)
    train, held = split_heldout(text, val_fraction)
    index, copies = RhymeIndex.build(text), CopyChecker(text)
    vocab = sorted(set(text))
    contenders: list[Contender] = []
    if train_lstm_minutes:
        models = [*models, str(_train_fresh_lstm(corpus, out, val_fraction, train_lstm_minutes))]
    for spec in models or ["lstm"]:
        contenders.append(_loaded(spec, text, held, val_fraction))
    contenders.append(_fresh_markov(train, held, vocab, markov_order, index, copies))
    for c in contenders:
        c.candidates = candidates
    if plain and candidates > 1:
        contenders += [Contender(f"{c.name} K=1", c.composer, 1, c.load_seconds, c.size_bytes, c.bpc, c.note)
                       for c in list(contenders)]
    sweep = {k: _markov_bpc(train, held, vocab, k) for k in (markov_orders or [])}
    words = _seed_words(index)
    for c in contenders:
        _generate(c, words, couplets, temperature)
    report = _report(text, contenders, sweep, words, copies, index, couplets, temperature, command, corpus)
    if out:
        from rhymer.report import write_outputs

        write_outputs(report, out)
    return report


# -- contenders -----------------------------------------------------------------------------------

def _loaded(spec: str, text: str, held: str, val_fraction: float) -> Contender:
    from rhymer.api import load

    r = load(spec)
    meta = r.metadata
    note = ""
    if meta.get("corpus_sha256") != sha256(text) or meta.get("val_fraction") != val_fraction:
        note = "trained on other text or another split: its held-out bpc may include trained-on text"
    elif (meta.get("parent") or {}).get("corpus_sha256") not in (None, sha256(text)):
        note = "fine-tuned from a model trained on other text: its held-out bpc may include text the parent saw"
    if r.model.kind == "markov":
        size = (r.path / modeldir.MARKOV).stat().st_size
    else:
        files = json.loads((r.path / "manifest.json").read_text())
        size = sum((r.path / e["filename"]).stat().st_size for e in files.values())
    bpc = _bpc(r.model, held)
    return Contender(r.name, r, 1, r.load_seconds, size, bpc, note)


def _fresh_markov(train: str, held: str, vocab: list[str], order: int, index: RhymeIndex,
                  copies: CopyChecker) -> Contender:
    import tempfile

    model = MarkovModel.build(modeldir.orient(train, "backward"), order, vocab)
    with tempfile.TemporaryDirectory() as tmp:
        model.save(Path(tmp) / "m.json")
        size = (Path(tmp) / "m.json").stat().st_size
        start = time.perf_counter()
        model = MarkovModel.load(Path(tmp) / "m.json")
        load_seconds = time.perf_counter() - start
    name = f"markov-{order}"
    return Contender(name, Composer(model, index, copies, name), 1, load_seconds, size, _bpc(model, held))


def _markov_bpc(train: str, held: str, vocab: list[str], order: int) -> float:
    return _bpc(MarkovModel.build(modeldir.orient(train, "backward"), order, vocab), held)


def _bpc(model, held: str) -> float | None:
    if not held:
        return None
    missing = set(held) - set(model.vocab)
    if missing:
        return None  # the model cannot read this corpus' characters
    return round(float(heldout_bpc(model, modeldir.orient(held, "backward"))), 4)


def _train_fresh_lstm(corpus: Path, out: Path | None, val_fraction: float, minutes: float) -> Path:
    from rhymer.train import TrainConfig, train

    target = (out or Path(".")) / "lstm-fresh"
    train(corpus, target, TrainConfig(val_fraction=val_fraction, max_minutes=minutes), force=True, progress=False)
    return target


def _seed_words(index: RhymeIndex) -> list[str]:
    words = [w for w in SEED_WORDS if w in index.prons and index.rhymes(w)]
    if not words:
        finals = index.line_final_words()
        words = [w for w in sorted(finals, key=finals.get, reverse=True)[:100] if index.rhymes(w)][:20]
    if not words:
        raise RhymerError("the corpus has no rhyming line ends to seed couplets with; use a corpus of verse")
    return words


def _generate(c: Contender, words: list[str], n: int, temperature: float) -> None:
    start = time.perf_counter()
    for i in range(n):
        verse = c.composer.verse("couplet", words[i % len(words)], temperature=temperature, seed=i,
                                 candidates=c.candidates)
        c.couplets.append((verse.lines[0], verse.lines[1]))
    c.seconds = time.perf_counter() - start


# -- measuring and reporting ----------------------------------------------------------------------

def measure(couplets: list[tuple[str, str]], corpus: str, index: RhymeIndex, copies_known: bool = True) -> dict:
    """Every couplet metric for one set of couplets."""
    lines = [line for c in couplets for line in c]
    verbatim, overlap = metrics.copied_rates(lines, corpus) if copies_known else (None, None)
    return {
        "perfect_rhyme": metrics.perfect_rhyme_rate(couplets),
        "near_rhyme": metrics.near_rhyme_rate(couplets),
        "real_words": metrics.real_word_rate(lines, index.is_real),
        "copied_verbatim": verbatim,
        "copied_overlap": overlap,
        "syllables_within_1": metrics.syllable_match_rate(couplets, index.syllables),
        "distinct_2": metrics.distinct_2(lines),
        "rhyme_density": float(np.mean([metrics.rhyme_density("\n".join(c)) for c in couplets])),
    }


def corpus_couplets(text: str, n: int) -> list[tuple[str, str]]:
    """Consecutive line pairs within a stanza, spread evenly over the corpus: the human reference."""
    pairs = []
    for stanza in text.split("\n\n"):
        lines = [line for line in stanza.split("\n") if tokens(line)]
        pairs += [(lines[i], lines[i + 1]) for i in range(0, len(lines) - 1, 2)]
    step = max(1, len(pairs) // n)
    return pairs[::step][:n]


def _report(text, contenders, sweep, words, copies, index, n, temperature, command, corpus) -> dict:
    rows = []
    for c in contenders:
        rows.append({
            "model": c.name, "candidates": c.candidates, "heldout_bpc": c.bpc,
            **{k: round(v, 4) for k, v in measure(c.couplets, text, index).items()},
            "couplets_per_s": round(len(c.couplets) / c.seconds, 2), "load_seconds": round(c.load_seconds, 3),
            "size_bytes": c.size_bytes, "note": c.note,
        })
    human = {k: (round(v, 4) if v is not None else None)
             for k, v in measure(corpus_couplets(text, n), text, index, copies_known=False).items()}
    human["real_words"] = None  # the corpus defines the vocabulary: not meaningful for itself
    samples = [{"seed_word": words[i % len(words)], "seed": i,
                **{c.name: list(c.couplets[i]) for c in contenders}} for i in range(min(8, n))]
    return {
        "command": command, "corpus": str(corpus), "corpus_sha256": sha256(text), "couplets": n,
        "temperature": temperature, "seed_words": words, "models": rows, "human_reference": human,
        "markov_order_sweep": {str(k): v for k, v in sweep.items()}, "samples": samples,
    }
