"""`rhymer compare`: Markov against LSTM on one corpus split, the same seed words and seeds for all."""

from __future__ import annotations

import html
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from rhymer import metrics, modeldir
from rhymer.charmodel import heldout_bpc
from rhymer.corpus import read_text, sha256, split_heldout
from rhymer.errors import RhymerError
from rhymer.files import write_bytes, write_json, write_text
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
METRIC_NAMES = {
    "perfect_rhyme": "perfect rhymes", "near_rhyme": "near rhymes only", "real_words": "real words",
    "copied_verbatim": "copied (verbatim)", "copied_overlap": "copied (overlap rule)",
    "syllables_within_1": "within ±1 syllable", "distinct_2": "distinct-2", "rhyme_density": "rhyme density",
}


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


def write_outputs(report: dict, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / "report.json", report)
    charts = _charts(report)
    for name, png in charts.items():
        write_bytes(out / f"{name}.png", png)
    write_text(out / "report.html", render_html(report, charts))
    write_text(out / "report.md", render_markdown(report, [f"{name}.png" for name in charts]))


def _fmt(value, key: str = "") -> str:
    if value is None:
        return "-"
    if key in ("heldout_bpc", "rhyme_density", "couplets_per_s", "load_seconds") or not isinstance(value, float):
        return f"{value:,.3f}" if isinstance(value, float) else f"{value:,}"
    return f"{value:.1%}"


ROW_NAMES = {"heldout_bpc": "held-out bpc", **METRIC_NAMES, "couplets_per_s": "couplets/s",
             "load_seconds": "load s", "size_bytes": "size (bytes)"}


def table_header(report: dict) -> list[str]:
    """Columns: one per model (K shown when > 1), then the corpus' own couplets."""
    return ["metric", *(m["model"] + (f" K={m['candidates']}" if m["candidates"] > 1 else "") for m in report["models"]),
            "corpus (human)"]


def table_rows(report: dict) -> list[list[str]]:
    """Rows: one per metric, so the table stays narrow however many models are compared."""
    human = report["human_reference"]
    return [[label, *(_fmt(m[k], k) for m in report["models"]), _fmt(human.get(k), k)] for k, label in ROW_NAMES.items()]


def render_markdown(report: dict, images: list[str]) -> str:
    head = table_header(report)
    lines = [
        "# rhymer compare: results", "",
        f"Produced by `{report['command']}` on `{report['corpus']}` "
        f"(sha256 {report['corpus_sha256'][:12]}…), {report['couplets']} couplets per model, "
        f"temperature {report['temperature']}, the same seed words and seeds for every model.", "",
        "| " + " | ".join(head) + " |", "|" + "---|" * len(head),
        *["| " + " | ".join(r) + " |" for r in table_rows(report)], "",
        "K is the number of candidates sampled per line (K=1: plain sampling). *corpus (human)*: "
        "consecutive line pairs within the corpus' stanzas, a reference for rhyme density, syllables and "
        "diversity; how often they rhyme depends on the corpus' rhyme schemes (blank verse and ABAB "
        "quatrains rarely rhyme line to line).", "",
    ]
    if report["markov_order_sweep"]:
        lines += ["Markov held-out bpc by order: " + ", ".join(
            f"{k}: {v:.3f}" for k, v in report["markov_order_sweep"].items()), ""]
    lines += [f"![{img}]({img})" for img in images] + [""]
    lines += ["## Samples (same seed word and seed for every model)", ""]
    for s in report["samples"]:
        lines.append(f"**{s['seed_word']}** (seed {s['seed']})")
        lines.append("")
        for m in report["models"]:
            lines.append(f"- *{m['model']}*: {' / '.join(s[m['model']])}")
        lines.append("")
    return "\n".join(lines)


def render_html(report: dict, charts: dict[str, bytes]) -> str:
    import base64

    esc = html.escape
    head = "".join(f"<th>{esc(h)}</th>" for h in table_header(report))
    body = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in table_rows(report))
    images = "".join(
        f'<img alt="{esc(n)}" src="data:image/png;base64,{base64.b64encode(png).decode()}">' for n, png in charts.items()
    )
    names = [m["model"] for m in report["models"]]
    samples = "".join(
        "<tr><th>" + esc(f"{s['seed_word']} (seed {s['seed']})") + "</th>"
        + "".join("<td>" + "<br>".join(esc(line) for line in s[n]) + "</td>" for n in names) + "</tr>"
        for s in report["samples"]
    )
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>rhymer compare</title>
<style>body{{font-family:system-ui,sans-serif;margin:2em;max-width:1400px}}table{{border-collapse:collapse;margin:1em 0}}
td,th{{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}}img{{max-width:48%;margin:4px}}</style>
</head><body><h1>rhymer compare</h1><p><code>{esc(report['command'])}</code> on <code>{esc(report['corpus'])}</code>,
{report['couplets']} couplets per model, temperature {report['temperature']}.</p>
<table><tr>{head}</tr>{body}</table>{images}
<h2>Samples: the same seed word and seed for every model</h2>
<table><tr><th>seed word</th>{''.join(f'<th>{esc(n)}</th>' for n in names)}</tr>{samples}</table></body></html>"""


def _charts(report: dict) -> dict[str, bytes]:
    """PNG charts (matplotlib, the optional 'report' extra); none when it is not installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return {}
    import io

    def png(fig) -> bytes:
        buf = io.BytesIO()
        fig.tight_layout()
        fig.savefig(buf, format="png", dpi=90)
        plt.close(fig)
        return buf.getvalue()

    charts = {}
    bpc = {m["model"]: m["heldout_bpc"] for m in report["models"] if m["heldout_bpc"] is not None and m["candidates"] > 1}
    for order, value in report["markov_order_sweep"].items():
        bpc.setdefault(f"markov-{order}", value)
    fig, ax = plt.subplots(figsize=(8, 4))
    bars = ax.bar(list(bpc), list(bpc.values()), color=["#4c72b0" if "markov" not in n else "#dd8452" for n in bpc])
    ax.bar_label(bars, fmt="%.3f", fontsize=8)
    ax.set_ylabel("bits per character (lower is better)")
    ax.set_title("Held-out bits per character, reversed text")
    charts["bpc"] = png(fig)

    keys = [k for k in METRIC_NAMES if k != "rhyme_density"]
    fig, ax = plt.subplots(figsize=(10, 4))
    width = 0.8 / (len(report["models"]) + 1)
    for i, m in enumerate(report["models"] + [{"model": "human", **report["human_reference"]}]):
        ax.bar(np.arange(len(keys)) + i * width, [m[k] or 0 for k in keys], width, label=m["model"])
    ax.set_xticks(np.arange(len(keys)) + 0.4 - width / 2, [METRIC_NAMES[k] for k in keys], rotation=20)
    ax.set_ylim(0, 1.05)
    ax.legend(fontsize=7)
    ax.set_title("Couplet metrics (share of couplets or tokens)")
    charts["metrics"] = png(fig)

    fig, ax = plt.subplots(figsize=(7, 4))
    rows = report["models"] + [{"model": "human", **report["human_reference"]}]
    ax.bar([m["model"] for m in rows], [m["rhyme_density"] for m in rows], color="#55a868")
    ax.set_title("Rhyme density (Malmi et al.)")
    ax.tick_params(axis="x", rotation=20)
    charts["rhyme_density"] = png(fig)
    return charts
