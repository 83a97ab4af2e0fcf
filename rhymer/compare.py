"""`rhymer compare`: Markov against LSTM on one corpus split, the same seed words and seeds for all."""

from __future__ import annotations

import tempfile
import time
from dataclasses import MISSING, asdict, dataclass, field, fields
from pathlib import Path

import numpy as np

from rhymer import metrics, modeldir, outputs, validate
from rhymer.api import load
from rhymer.charmodel import heldout_bpc
from rhymer.corpus import DEFAULT_VAL_FRACTION, read_text, require_letters, sha256, split_heldout
from rhymer.errors import InvalidArgument
from rhymer.markov import DEFAULT_ORDER, MAX_ORDER, MIN_ORDER, MarkovModel, check_order
from rhymer.progress import Advance, Steps, no_steps
from rhymer.rhymeindex import RhymeIndex
from rhymer.rhymepolicy import seed_words
from rhymer.sampler import DEFAULT_CANDIDATES, DEFAULT_TEMPERATURE, DEFAULT_TOP_P, check_settings
from rhymer.scoring import CopyChecker
from rhymer.train_finetune import from_shipped, read_by_shipped
from rhymer.verse import Rhymer
from rhymer.wordmodel import WordModel
from rhymer.wordruns import WordRuns
from rhymer.words import tokens

DEFAULT_CORPUS = "the shipped model's corpus"  # what --corpus means when not given (corpora/verse.txt)
DEFAULT_COUPLETS = 200  # per model: enough for rates to within a few percent, a few minutes in all
SAMPLES = 8  # couplets per model shown side by side in the report
FRESH_LSTM = "lstm-fresh"  # the folder a freshly trained LSTM is kept in
MIN_TRAINING_MINUTES, MAX_TRAINING_MINUTES = 0.01, 7 * 24 * 60  # what --train-lstm may ask: a second to a week


@dataclass(frozen=True)
class Report:
    """What a comparison measured; report.py renders and writes it (``to_json`` is report.json's content)."""

    command: str
    corpus: str
    corpus_sha256: str
    couplets: int  # per model
    temperature: float
    seed_words: list[str]
    models: list[dict]  # per contender: model, candidates, heldout_bpc, measure()'s metrics, speed, size, note
    human_reference: dict  # measure()'s metrics of the corpus' own consecutive lines
    markov_order_sweep: dict[str, float | None]  # held-out bpc by Markov order
    samples: list[dict]  # per seed: seed_word, seed, and each model's couplet under its name
    top_p: float = 1.0  # the nucleus the reranked models drew from (sampler.nucleus; K=1 is plain sampling, top-p 1)

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> Report:
        """A report read back from report.json (its other keys, such as the format marker, are ignored; one
        written before top-p had none, and its models drew from every character)."""
        return cls(**{f.name: data[f.name] for f in fields(cls) if f.name in data or f.default is MISSING})


@dataclass
class Contender:
    name: str
    composer: Rhymer
    candidates: int
    load_seconds: float
    size_bytes: int
    bpc: float | None
    note: str = ""
    top_p: float = 1.0  # its nucleus (1: plain sampling, every character at the temperature)
    couplets: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0


def parse_orders(text: str) -> list[int]:
    """Markov orders to sweep from a range ``3-8`` or a list ``3,5,7``, each within MIN_ORDER..MAX_ORDER."""
    fix = f"pass a range like 3-8 or a list like 3,5,7 of orders from {MIN_ORDER} to {MAX_ORDER}"
    is_range = "-" in text.strip("-")  # a leading minus is a (refused) negative order, not a range
    try:
        numbers = [int(x) for x in text.split("-" if is_range else ",")]
    except ValueError:
        raise InvalidArgument(f"markov_orders '{text}' is not a range or a list of whole numbers; {fix}", "markov_orders") from None
    if is_range and len(numbers) != 2:
        raise InvalidArgument(f"markov_orders '{text}' is not a range of two orders; {fix}", "markov_orders")
    if not all(MIN_ORDER <= k <= MAX_ORDER for k in numbers):
        raise InvalidArgument(f"markov_orders '{text}' goes outside {MIN_ORDER}..{MAX_ORDER}; {fix}", "markov_orders")
    if not is_range:
        return sorted(set(numbers))
    lo, hi = numbers
    if lo > hi:
        raise InvalidArgument(f"markov_orders '{text}' is an empty range ({lo} > {hi}); {fix}", "markov_orders")
    return list(range(lo, hi + 1))


def run(corpus: Path | None, models: list[str], couplets: int = DEFAULT_COUPLETS, markov_order: int = DEFAULT_ORDER,
        markov_orders: list[int] | None = None, val_fraction: float = DEFAULT_VAL_FRACTION,
        temperature: float = DEFAULT_TEMPERATURE, candidates: int = DEFAULT_CANDIDATES, top_p: float = DEFAULT_TOP_P,
        plain: bool = True,
        train_lstm_minutes: float | None = None, out: Path | None = None, command: str = "",
        progress: Steps = no_steps, force: bool = False) -> Report:
    """Build, generate, measure; returns the report, which report.write_outputs writes.

    ``corpus`` None means the shipped model's corpus, so the comparison runs from any folder. A fresh
    LSTM (``train_lstm_minutes``) is trained into ``out``/lstm-fresh (``out`` None: the current folder), which
    must be new or empty unless ``force`` lets it replace the model an earlier such run left there.
    """
    if couplets < 1:
        raise InvalidArgument(f"couplets {couplets} is below 1; pass a positive number", "couplets")
    fresh = (out or Path(".")) / FRESH_LSTM
    if train_lstm_minutes is not None:  # a model trained for hours is not replaced unasked, nor one compared here
        validate.number("train_lstm_minutes", train_lstm_minutes, MIN_TRAINING_MINUTES, MAX_TRAINING_MINUTES)
        outputs.check_folder(fresh, modeldir.is_model_folder, force=force, what="model folder", option="--out",
                             inputs=models, force_hint=f"--force to replace the model in it (--train-lstm trains into {FRESH_LSTM})")
    temperature, candidates, top_p = check_settings(temperature, candidates, top_p)  # before any work
    for order in [markov_order, *(markov_orders or [])]:
        check_order(order)
    with progress("indexing the corpus's rhymes", None):
        text = read_text(corpus, encoding_option=False) if corpus else modeldir.read_corpus(modeldir.DEFAULT_DIR)
        require_letters(text, str(corpus or DEFAULT_CORPUS))
        train, held = split_heldout(text, val_fraction)
        index, copies = RhymeIndex.build(text), CopyChecker(text)
    vocab = sorted(set(text))
    contenders: list[Contender] = []
    if train_lstm_minutes:
        models = [*models, str(_train_fresh_lstm(corpus, text, fresh, val_fraction, train_lstm_minutes, force))]
    for spec in models or ["lstm"]:
        with progress(f"loading {spec}, measuring held-out bpc", None):
            contenders.append(_loaded(spec, text, held, val_fraction))
    with progress(f"building the order-{markov_order} Markov model", None):
        contenders.append(_fresh_markov(train, held, vocab, markov_order, index, copies))
    for c in contenders:  # one candidate is plain sampling: every character at the temperature
        c.candidates, c.top_p = candidates, top_p if candidates > 1 else 1.0
    if plain and candidates > 1:
        contenders += [Contender(f"{c.name} K=1", c.composer, 1, c.load_seconds, c.size_bytes, c.bpc, c.note, top_p=1.0)
                       for c in list(contenders)]
    sweep = {}
    if markov_orders:
        with progress("Markov held-out bpc by order", len(markov_orders)) as advance:
            for k in markov_orders:
                sweep[k] = _markov_bpc(train, held, vocab, k)
                advance()
    words = seed_words(index)
    for c in contenders:
        with progress(f"{couplets} couplets with {c.name}", couplets) as advance:
            _generate(c, words, couplets, temperature, advance)
    with progress("measuring the couplets", None):
        judge_words = WordModel.build(held) if tokens(held) else None  # a word model of text no contender saw
        return _report(text, contenders, sweep, words, index, couplets, temperature, top_p, command,
                       corpus or DEFAULT_CORPUS, judge_words)


# -- contenders -----------------------------------------------------------------------------------

def _loaded(spec: str, text: str, held: str, val_fraction: float) -> Contender:
    r = load(spec)
    meta = r.metadata
    note = ""
    if meta.get("corpus_sha256") != sha256(text) or meta.get("val_fraction") != val_fraction:
        note = "trained on other text or another split: its held-out bpc may include trained-on text"
    elif (meta.get("parent") or {}).get("corpus_sha256") not in (None, sha256(text)) and Path(r.path).resolve() != modeldir.DEFAULT_DIR.resolve():
        # (the shipped model's parents left its corpus's held-out text out: docs/default-model.md)
        parent = validate.shown(str(meta["parent"].get("model", "a model")))
        note = f"fine-tuned from {parent}, which was trained on other text: its held-out bpc and word perplexity may be flattered"
        if from_shipped(meta["parent"]):  # the bundled corpus, the one text of the parent's at hand, is measured
            read = read_by_shipped(held)
            note = (f"fine-tuned from {parent}, the shipped model, which was trained on {read:.0%} of these held-out lines "
                    "(they are in the bundled corpus) and read 20 MB of other verse and prose: its held-out bpc and word "
                    "perplexity are flattered" + (" by that share" if read else " if that verse held them")
                    + "; hold out text it has not read, or train --from none, for a fair comparison")
    if meta.get("parent") and (meta.get("metrics") or {}).get("best_epoch") == 0:  # ("best epoch 0", as train says)
        lr = (meta.get("hyperparameters") or {}).get("lr")
        lower = f", such as --lr {lr / 4:g}," if isinstance(lr, float) else ""  # (train's own hint: a quarter)
        note = "; ".join(filter(None, [note, "no epoch of its training read the held-out text better than its parent, "
                                             f"whose weights it kept (training it again with --force at a lower rate{lower} "
                                             "may do better)"]))
    size = modeldir.engine_bytes(r.path, r.model.kind)
    return Contender(r.name, r, 1, r.load_seconds, size, _bpc(r.model, held), note)


def _fresh_markov(train: str, held: str, vocab: list[str], order: int, index: RhymeIndex,
                  copies: CopyChecker) -> Contender:
    model = MarkovModel.build(modeldir.orient(train, "backward"), order, vocab)
    with tempfile.TemporaryDirectory() as tmp:
        model.save(Path(tmp) / "m.json")
        size = (Path(tmp) / "m.json").stat().st_size
        start = time.perf_counter()
        model = MarkovModel.load(Path(tmp) / "m.json")
        load_seconds = time.perf_counter() - start
    name = f"markov-{order}"
    runs = WordRuns.build(copies.corpus)  # as a model folder built on this text has them
    composer = Rhymer.from_parts(model, index, copies, name, WordModel.build(train), runs=runs)
    return Contender(name, composer, 1, load_seconds, size, _bpc(model, held))


def _markov_bpc(train: str, held: str, vocab: list[str], order: int) -> float:
    return _bpc(MarkovModel.build(modeldir.orient(train, "backward"), order, vocab), held)


def _bpc(model, held: str) -> float | None:
    if not held:
        return None
    missing = set(held) - set(model.vocab)
    if missing:
        return None  # the model cannot read this corpus' characters
    return round(float(heldout_bpc(model, modeldir.orient(held, "backward"))), 4)


def _train_fresh_lstm(corpus: Path | None, text: str, target: Path, val_fraction: float, minutes: float,
                      force: bool) -> Path:
    from rhymer.train import TrainConfig, train

    with tempfile.TemporaryDirectory() as tmp:
        if corpus is None:  # training reads a file: the shipped corpus, unpacked
            corpus = Path(tmp) / "corpus.txt"
            corpus.write_text(text, encoding="utf-8")
        train(corpus, target, TrainConfig(val_fraction=val_fraction, max_minutes=minutes), force=force, progress=False)
    return target


def _generate(c: Contender, words: list[str], n: int, temperature: float, advance: Advance) -> None:
    start = time.perf_counter()
    for i in range(n):
        verse = c.composer.verse("couplet", words[i % len(words)], temperature=temperature, seed=i,
                                 candidates=c.candidates, top_p=c.top_p)
        c.couplets.append((verse.lines[0], verse.lines[1]))
        advance()
    c.seconds = time.perf_counter() - start


# -- measuring and reporting ----------------------------------------------------------------------

def measure(couplets: list[tuple[str, str]], corpus: str, index: RhymeIndex, copies_known: bool = True,
            judge_words: WordModel | None = None) -> dict:
    """Every couplet metric for one set of couplets; ``judge_words`` (a word model of held-out text)
    gives the lines' word-level perplexity."""
    lines = [line for c in couplets for line in c]
    verbatim, overlap = metrics.copied_rates(lines, corpus) if copies_known else (None, None)
    return {
        "perfect_rhyme": metrics.perfect_rhyme_rate(couplets),
        "near_rhyme": metrics.near_rhyme_rate(couplets),
        "real_words": metrics.real_word_rate(lines, index.is_real),
        "invented_words": metrics.invented_word_rate(lines, index.is_real),
        "identical_rhyme": metrics.identical_rhyme_rate(couplets),
        "word_perplexity": judge_words.perplexity(lines) if judge_words else None,
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


def _report(text: str, contenders: list[Contender], sweep: dict[int, float | None], words: list[str], index: RhymeIndex,
            n: int, temperature: float, top_p: float, command: str, corpus: Path | str, judge_words: WordModel | None) -> Report:
    rows = []
    for c in contenders:
        rows.append({
            "model": c.name, "candidates": c.candidates, "top_p": c.top_p, "heldout_bpc": c.bpc,
            **{k: (round(v, 4) if v is not None else None)
               for k, v in measure(c.couplets, text, index, judge_words=judge_words).items()},
            "couplets_per_s": round(len(c.couplets) / c.seconds, 2), "load_seconds": round(c.load_seconds, 3),
            "size_bytes": c.size_bytes, "note": c.note,
        })
    human = {k: (round(v, 4) if v is not None else None)
             for k, v in measure(corpus_couplets(text, n), text, index, copies_known=False,
                                 judge_words=judge_words).items()}
    human["real_words"] = human["invented_words"] = None  # the corpus defines the vocabulary
    samples = [{"seed_word": words[i % len(words)], "seed": i,
                **{c.name: list(c.couplets[i]) for c in contenders}} for i in range(min(SAMPLES, n))]
    return Report(
        command=command, corpus=str(corpus), corpus_sha256=sha256(text), couplets=n, temperature=temperature,
        seed_words=words, models=rows, human_reference=human,
        markov_order_sweep={str(k): v for k, v in sweep.items()}, samples=samples, top_p=top_p,
    )
