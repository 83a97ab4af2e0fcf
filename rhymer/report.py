"""Presenting a comparison (compare.Report): the terminal table, report.json, report.md, report.html and
its matplotlib charts. compare.py measures; this module renders and writes every output."""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

import numpy as np
from rich.table import Table

from rhymer import outputs
from rhymer.compare import Report
from rhymer.corpus import DEFAULT_VAL_FRACTION
from rhymer.files import write_bytes, write_json, write_text

REPORT_FILE, REPORT_FORMAT = "report.json", "rhymer-report"  # report.json marks a report folder rhymer wrote
HTML_FILE, MARKDOWN_FILE = "report.html", "report.md"
CHARTS = ("bpc", "metrics", "rhyme_density")  # the PNG charts beside them (none without matplotlib)
METRIC_NAMES = {
    "perfect_rhyme": "perfect rhymes", "near_rhyme": "near rhymes only", "real_words": "real words",
    "copied_verbatim": "copied (verbatim)", "copied_overlap": "copied (overlap rule)",
    "syllables_within_1": "within ±1 syllable", "distinct_2": "distinct-2", "rhyme_density": "rhyme density",
    "invented_words": "lines with invented words", "identical_rhyme": "identical rhymes",
    "word_perplexity": "word perplexity (held-out model)",
}


def check_out(out: Path) -> None:
    """Before any work: --out must be new, empty, or an earlier report of rhymer's (its files are rewritten)."""
    if outputs.check_folder(out, is_report, force=True, what="report folder", option="--out"):
        outputs.check_names(out, _names(), "--out")


def _names() -> list[str]:
    return [REPORT_FILE, HTML_FILE, MARKDOWN_FILE, *(f"{name}.png" for name in CHARTS)]


def is_report(path: Path) -> bool:
    return outputs.has_marker(path / REPORT_FILE, REPORT_FORMAT)


def write_outputs(report: Report, out: Path) -> list[Path]:
    """Write report.json (the marker), its charts, report.html and report.md into ``out``, which
    ``check_out`` accepted before the comparison ran; returns the files written, the page first."""
    charts = _charts(report)  # everything rendered, and every name checked again, before the first file is written
    page, markdown = render_html(report, charts), render_markdown(report, [f"{name}.png" for name in charts])
    outputs.check_names(out, _names(), "--out")
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / REPORT_FILE, {"format": REPORT_FORMAT, **report.to_json()})
    for name, png in charts.items():
        write_bytes(out / f"{name}.png", png)
    write_text(out / HTML_FILE, page)
    write_text(out / MARKDOWN_FILE, markdown)
    return [out / HTML_FILE, out / REPORT_FILE, out / MARKDOWN_FILE, *(out / f"{name}.png" for name in charts)]


def _fmt(value, key: str = "") -> str:
    if value is None:
        return "-"
    if key in ("heldout_bpc", "rhyme_density", "couplets_per_s", "load_seconds", "word_perplexity") or not isinstance(value, float):
        return f"{value:,.3f}" if isinstance(value, float) else f"{value:,}"
    return f"{value:.1%}"


ROW_NAMES = {"heldout_bpc": "held-out bpc", **METRIC_NAMES, "couplets_per_s": "couplets/s",
             "load_seconds": "load s", "size_bytes": "size (bytes)"}
# one sentence per row, shown under the table in report.html and report.md
EXPLANATIONS = {
    "heldout_bpc": f"Bits per character on the held-out {DEFAULT_VAL_FRACTION:.0%} of the corpus, read backward as the models write: "
                   "how surprised a model is by verse it never saw (lower is better).",
    "perfect_rhyme": "Share of couplets whose end words rhyme perfectly by CMU dict (night/light); the word "
                     "itself, homophones (right/write) and identical rhymes (light/delight) do not count.",
    "near_rhyme": "Share of couplets whose end words only nearly rhyme: same stressed vowel, similar "
                  "consonants after it (night/bike).",
    "real_words": "Share of the written words that are in the corpus or in CMU dict (not invented).",
    "invented_words": "Share of lines with at least one word that is neither in the corpus nor in CMU dict.",
    "identical_rhyme": "Share of couplets whose end words share the whole stressed syllable, onset included "
                       "(night/midnight, stain/abstain): a rhyme a poet would not accept.",
    "copied_verbatim": "Share of lines that are whole lines of the corpus.",
    "copied_overlap": "Share of lines copied by markovify's overlap rule: a line of n words counts as copied when "
                      "min(15, round(0.7 n)) + 1 of its words appear in a row in the corpus.",
    "syllables_within_1": "Share of couplets whose two lines differ by at most one syllable.",
    "distinct_2": "Distinct word pairs over all word pairs in all lines: 100% means no two-word phrase is "
                  "ever repeated (higher is more varied).",
    "rhyme_density": "Malmi et al.'s measure: for each word, the longest run of vowel sounds ending at it that "
                     "also ends at one of the 15 words before it (runs of one vowel count 0), averaged over the "
                     "words: 0.2 means a two-vowel echo every tenth word (higher means more multi-syllable rhyme).",
    "word_perplexity": "Perplexity of the lines' words under a word trigram model of the held-out text, which no "
                       "model was trained on here (a model noted below may have read it elsewhere): how unlike English "
                       "word sequences the lines are (lower is better).",
    "couplets_per_s": "Couplets written per second on the machine that ran the comparison.",
    "load_seconds": "Seconds to load the model from disk.",
    "size_bytes": "Size of the model files.",
}
HUMAN_NOTE = (
    "corpus (human): consecutive line pairs within the corpus' stanzas, a reference for syllables, diversity "
    "and rhyme density. Where the corpus holds blank or free verse (the bundled one: Milton's Paradise Lost, Whitman), "
    "which does not rhyme at all, or ABAB quatrains (the sonnets), which rhyme lines 1 and 3, not 1 and 2, few of them "
    "rhyme; so a low \"perfect rhymes\" here says how the corpus is written, not that rhyming is rare. K is the number "
    "of candidate lines sampled per line, the best one kept (K=1: plain sampling)."
)


def table_header(report: Report) -> list[str]:
    """Columns: one per model (K shown when > 1), then the corpus' own couplets."""
    return ["metric", *(m["model"] + (f" K={m['candidates']}" if m["candidates"] > 1 else "") for m in report.models),
            "corpus (human)"]


def table_rows(report: Report) -> list[list[str]]:
    """Rows: one per metric, so the table stays narrow however many models are compared."""
    human = report.human_reference
    return [[label, *(_fmt(m.get(k), k) for m in report.models), _fmt(human.get(k), k)] for k, label in ROW_NAMES.items()]


def terminal_table(report: Report) -> Table:
    """The results table as `rhymer compare` prints it (rich)."""
    table = Table(title=f"{report.couplets} couplets per model on {report.corpus}")
    for h in table_header(report):
        table.add_column(h, overflow="fold")  # a long model path wraps rather than ending in "…"
    for row in table_rows(report):
        table.add_row(*row)
    return table


def model_notes(report: Report) -> list[str]:
    """What flatters a model's figures, one line per model that has a note (a model folder trained on other
    text, or fine-tuned from a model that was: it may have read the held-out text)."""
    notes = {m["model"].removesuffix(" K=1"): m["note"] for m in report.models if m.get("note")}
    return [f"{name}: {note}" for name, note in notes.items()]


def sweep_line(report: Report) -> str | None:
    """The Markov order sweep in one line, or None when no sweep was asked for."""
    if not report.markov_order_sweep:
        return None
    return "Markov held-out bpc by order: " + ", ".join(f"{k}: {_fmt(v, 'heldout_bpc')}" for k, v in report.markov_order_sweep.items())


def sampling_note(report: Report) -> str:
    """The sampling settings the models ran at: K=1 columns (plain sampling) draw from every character."""
    plain = " (K=1: 1, plain sampling)" if any(m["candidates"] == 1 for m in report.models) else ""
    return f"temperature {report.temperature}, top-p {report.top_p}{plain}"


def render_markdown(report: Report, images: list[str]) -> str:
    head = table_header(report)
    sweep = sweep_line(report)
    lines = [
        "# rhymer compare: results", "",
        f"Produced by `{report.command}` on `{report.corpus}` "
        f"(sha256 {report.corpus_sha256[:12]}…), {report.couplets} couplets per model, "
        f"{sampling_note(report)}, the same seed words and seeds for every model.", "",
        "| " + " | ".join(head) + " |", "|" + "---|" * len(head),
        *["| " + " | ".join(r) + " |" for r in table_rows(report)], "",
        *[f"- *{note}*" for note in model_notes(report)], *[""] * bool(model_notes(report)),
        *[f"- **{ROW_NAMES[k]}**: {text}" for k, text in EXPLANATIONS.items()], "", HUMAN_NOTE, "",
        *([sweep, ""] if sweep else []),
    ]
    lines += [f"![{img}]({img})" for img in images] + [""]
    lines += ["## Samples (same seed word and seed for every model)", ""]
    for s in report.samples:
        lines.append(f"**{s['seed_word']}** (seed {s['seed']})")
        lines.append("")
        for m in report.models:
            lines.append(f"- *{m['model']}*:<br>{'<br>'.join(s[m['model']])}")
        lines.append("")
    return "\n".join(lines)


def render_html(report: Report, charts: dict[str, bytes]) -> str:
    esc = html.escape
    head = "".join(f"<th>{esc(h)}</th>" for h in table_header(report))
    body = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in table_rows(report))
    images = "".join(
        f'<img alt="{esc(n)}" src="data:image/png;base64,{base64.b64encode(png).decode()}">' for n, png in charts.items()
    )
    names = [m["model"] for m in report.models]
    samples = "".join(
        "<section><h3>" + esc(f"{s['seed_word']} (seed {s['seed']})") + "</h3>"
        + "".join(f"<p class=couplet><b>{esc(n)}</b>" + "".join(f"<span>{esc(line)}</span>" for line in s[n]) + "</p>"
                  for n in names) + "</section>"
        for s in report.samples
    )
    explained = "".join(f"<dt>{esc(ROW_NAMES[k])}</dt><dd>{esc(text)}</dd>" for k, text in EXPLANATIONS.items())
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>rhymer compare</title>
<style>body{{font-family:system-ui,sans-serif;margin:1em auto;padding:0 1em;max-width:1100px;line-height:1.45;overflow-wrap:anywhere}}
.scroll{{overflow-x:auto}}table{{border-collapse:collapse;margin:1em 0}}
td,th{{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top;overflow-wrap:normal}}
img{{max-width:100%;height:auto;margin:4px 0}}dt{{font-weight:bold;margin-top:.5em}}dd{{margin-left:1em}}
.couplet span{{display:block;margin-left:1em}}.couplet{{margin:.4em 0}}</style>
</head><body><h1>rhymer compare</h1><p><code>{esc(report.command)}</code> on <code>{esc(report.corpus)}</code>,
{report.couplets} couplets per model, {esc(sampling_note(report))}.</p>
<div class=scroll><table><tr>{head}</tr>{body}</table></div>{"".join(f"<p><i>{esc(n)}</i></p>" for n in model_notes(report))}
<h2>What the rows mean</h2><dl>{explained}</dl><p>{esc(HUMAN_NOTE)}</p>{images}
<h2>Samples: the same seed word and seed for every model</h2>{samples}</body></html>"""


def _charts(report: Report) -> dict[str, bytes]:
    """PNG charts (matplotlib, the optional 'report' extra); none when it is not installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        import matplotlib.ticker
    except ImportError:
        return {}

    def png(fig) -> bytes:
        buf = io.BytesIO()
        fig.tight_layout()
        fig.savefig(buf, format="png", dpi=90)
        plt.close(fig)
        return buf.getvalue()

    charts, (bpc_chart, metrics_chart, density_chart) = {}, CHARTS  # (the names check_out checks are these)
    bpc = {m["model"]: m["heldout_bpc"] for m in report.models if m["heldout_bpc"] is not None and m["candidates"] > 1}
    for order, value in report.markov_order_sweep.items():
        bpc.setdefault(f"markov-{order}", value)
    fig, ax = plt.subplots(figsize=(8, 4))
    bars = ax.bar(list(bpc), list(bpc.values()), color=["#4c72b0" if "markov" not in n else "#dd8452" for n in bpc])
    ax.bar_label(bars, fmt="%.3f", fontsize=8)
    ax.set_ylabel("bits per character (lower is better)")
    ax.set_title("Held-out bits per character, reversed text")
    charts[bpc_chart] = png(fig)

    keys = [k for k in METRIC_NAMES if k not in ("rhyme_density", "word_perplexity")]  # the shares
    fig, ax = plt.subplots(figsize=(10, 4))
    width = 0.8 / (len(report.models) + 1)
    labels = table_header(report)[1:]  # the table's column names: "lstm K=256", ..., "corpus (human)"
    for i, m in enumerate([*report.models, report.human_reference]):
        ax.bar(np.arange(len(keys)) + i * width, [m.get(k) or 0 for k in keys], width, label=labels[i])
    ax.set_xticks(np.arange(len(keys)) + 0.4 - width / 2, [METRIC_NAMES[k] for k in keys], rotation=20, ha="right")
    ax.set_ylim(0, 1.05)
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.legend(fontsize=10, title="model", loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    ax.set_title("Couplet metrics (share of couplets or tokens)")
    charts[metrics_chart] = png(fig)

    fig, ax = plt.subplots(figsize=(7, 4))
    rows = [*report.models, {"model": "human", **report.human_reference}]
    ax.bar([m["model"] for m in rows], [m["rhyme_density"] for m in rows], color="#55a868")
    ax.set_title("Rhyme density (Malmi et al.)")
    ax.tick_params(axis="x", rotation=20)
    charts[density_chart] = png(fig)
    return charts
