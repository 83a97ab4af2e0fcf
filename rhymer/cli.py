"""The ``rhymer`` command line: thin typer commands over the library."""

from __future__ import annotations

import contextlib
import errno
import json
import re
import signal
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

import rhymer
from rhymer import compare as comparison
from rhymer import fetch, lexicon, modeldir
from rhymer.corpus import DEFAULT_VAL_FRACTION, clean, codec_name, join, looks_html, read_text, stats
from rhymer.errors import CorpusError, GenerationError, RhymerError
from rhymer.files import write_text
from rhymer.markov import DEFAULT_ORDER
from rhymer.outputs import check_file
from rhymer.progress import StepProgress
from rhymer.rhymepolicy import parse_scheme
from rhymer.sampler import (
    DEFAULT_CANDIDATES,
    DEFAULT_TEMPERATURE,
    DEFAULT_TOP_P,
    MAX_LINE_CHARS,
    MAX_TEMPERATURE,
    MIN_TEMPERATURE,
    MIN_TOP_P,
)
from rhymer.scoring import DEFAULT_VARIETY, LINE_SYLLABLES, LONGEST_REPLY, MAX_VARIETY, SHORTEST_REPLY, Rules
from rhymer.train import TrainConfig
from rhymer.train import train as run_training
from rhymer.verse import REPLY, Verse, failure_note
from rhymer.words import end_word

app = typer.Typer(  # (its help is the docstring of _options, below)
    no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: rich markup ate "[annotations]" and showed flags as "<bool>"
    context_settings={"max_content_width": 120},
)
corpus_app = typer.Typer(help="Gather, clean and inspect training text.", no_args_is_help=True, rich_markup_mode=None)
app.add_typer(corpus_app, name="corpus")


def _print_version(asked: bool) -> None:
    if asked:
        typer.echo(f"rhymer {rhymer.__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[bool, typer.Option("--version", callback=_print_version, is_eager=True, help="print rhymer's version and exit")] = False,
) -> None:
    """Rhyming verse written backward from the rhyme word, by a char-LSTM or a Markov baseline."""

MODEL_HELP = "lstm, markov, or a model directory (default: the shipped model)"
# the library's parameters that an option sets, so that its errors name what the user typed
OPTION_OF = {"target_syllables": "--syllables", "min_words": "--min-words", "max_words": "--max-words",
             "seed_word": "--seed-word", "temperature": "--temperature", "candidates": "--candidates", "top_p": "--top-p",
             "variety": "--variety", "rhyme": "--rhyme", "seed": "--seed", "count": "--count", "strict": "--strict",
             "couplets": "--couplets", "markov_orders": "--markov-orders", "port": "--port", "train_lstm_minutes": "--train-lstm"}
RHYMES_SHOWN = 20  # `rhymer rhymes` lists the most common rhymes only, unless --limit says otherwise


def _echo_verses(verses: Iterable[Verse], as_json: bool, rules: Rules, best_effort: bool = False, note: str | None = None,
                 asked: int | None = None) -> None:
    """Print each verse; lines that still break a rule are an error at the end unless ``best_effort``. A ``note``
    (about the seed word) follows the first verse, once it is written, and the seeds of several verses follow the
    last, in text only, as does the seed of one that is not the ``asked`` one (its verse gave way: Rhymer.series)."""
    failures, failed, fixed = [], set(), False  # notes, the checks failed, whether a form set the syllables
    seeds, near = [], False
    for i, verse in enumerate(verses):
        seeds.append(verse.seed)
        if as_json:
            typer.echo(verse.to_json())
        else:
            if i and len(verse.lines) > 1:  # answers to a line (one line each) stand one under the other
                typer.echo("")
            typer.echo(str(verse))
            if verse.near_rhymes and not near:  # once: answers to one line, or a series on one word, share it
                words = ", ".join(dict.fromkeys(d.end_word for d in verse.details if d.near_rhyme))
                typer.echo(f"# no perfect rhyme left among the words the model writes: near rhymes used ({words})", err=True)
                near = True
            if note and not i:
                typer.echo(f"# {note}", err=True)
        for number, line in enumerate(verse.details, 1):
            if line.failed:  # (an answer to a line is no "line 1": the user's own line is that)
                failures.append(failure_note(line, number if verse.scheme != REPLY else f"answer {i + 1}", rules))
                failed.update(line.failed)
                fixed = fixed or verse.scheme != REPLY and parse_scheme(verse.scheme).syllables is not None
                if best_effort and not as_json:
                    typer.echo(f"# {failures[-1]}", err=True)
    if len(set(seeds)) > 1 and not as_json:  # a series, which is written again from its first seed
        typer.echo(f"# seeds {', '.join(map(str, seeds))}: --seed {seeds[0]} -n {len(seeds)} writes them again", err=True)
    elif seeds and asked is not None and seeds[0] != asked and not failures and not as_json:  # (kept: it passes)
        typer.echo(f"# seed {asked}'s verse broke a rule, so this is seed {seeds[0]}'s (--seed {seeds[0]} writes it again)",
                   err=True)
    if failures and not best_effort:
        more = f" (and {len(failures) - 1} more line{'s' * (len(failures) > 2)}: --best-effort says each)" if len(failures) > 1 else ""
        loosen = ["--min-words"] * ("too_short" in failed) + ["--max-words"] * ("too_long" in failed)
        loosen += ["--syllables"] * ("syllables" in failed and not fixed)  # a limerick's are its own
        hint = f"change {' or '.join(loosen)}, " if loosen else ""
        raise GenerationError(f"{failures[0]}{more}; {hint}raise --candidates, or pass --best-effort to accept such lines")


SeedWord = Annotated[str | None, typer.Option("--seed-word", "-w", help="the first line's end word")]
Word = Annotated[str | None, typer.Argument(help="the first line's end word (or --seed-word), e.g. night", show_default=False)]
Model = Annotated[str, typer.Option("--model", "-m", help=MODEL_HELP)]
Temperature = Annotated[float, typer.Option("--temperature", "-t", help=f"{MIN_TEMPERATURE:g}-{MAX_TEMPERATURE:g}; lower is safer, "
                                            "higher wilder")]
Seed = Annotated[int | None, typer.Option("--seed", help="random seed; the same seed gives the same output")]
Count = Annotated[int, typer.Option("--count", "-n", min=1, help="how many, as a series: none says again or echoes the "
                                    "lines before it (seeds seed, seed+1, ...; the same --seed gives the same series)")]
AsJson = Annotated[bool, typer.Option("--json", help="one JSON object per verse")]
ReplyAsJson = Annotated[bool, typer.Option("--json", help="each answer as one JSON object (a one-line verse)")]
ReplyCount = Annotated[int, typer.Option("--count", "-n", min=1, help="how many answers to choose from, best first: none says "
                                         "again or echoes another, and they end on different rhymes while there are others")]
Candidates = Annotated[int, typer.Option("--candidates", "-k", help="candidate lines sampled per line; 1 = no reranking")]
TopP = Annotated[float, typer.Option("--top-p", "-p", help=f"{MIN_TOP_P:g}-1; each character drawn from the likeliest that hold this share of "
                                     "the tempered probability (1 = every character; -k 1 -p 1 = plain sampling)")]
Variety = Annotated[float, typer.Option("--variety", help=f"0-{MAX_VARIETY:g}; how freely each line is drawn from its best-scored candidates: 1 "
                                       "gives a seed word other lines from seed to seed, at some cost in grammar (0 = always the best)")]
Rhyme = Annotated[str, typer.Option("--rhyme", help="auto (near rhymes if no perfect one) or perfect")]
Strict = Annotated[bool, typer.Option("--strict", help="refuse seed words missing from CMU dict")]
ReplyStrict = Annotated[bool, typer.Option("--strict", help="refuse a line whose last word is missing from CMU dict")]
MinWords = Annotated[int, typer.Option("--min-words", help="fewest words in a line")]
MaxWords = Annotated[int, typer.Option("--max-words", help="most words in a line")]
Meter = Annotated[str | None, typer.Option("--meter", help="prefer lines in this meter: iambic or trochaic")]
Syllables = Annotated[int | None, typer.Option("--syllables", help=f"syllables per line; default: {LINE_SYLLABLES} "
                                               "(a form with its own, such as a limerick, keeps them)")]
ReplySyllables = Annotated[int | None, typer.Option("--syllables", help="syllables of the answer; default: the given line's, at least "
                                                    f"{SHORTEST_REPLY} and at most {LONGEST_REPLY} (and one a word --min-words asks)")]
BestEffort = Annotated[bool, typer.Option("--best-effort", help="print lines that still break a rule and exit 0")]
Punctuate = Annotated[bool, typer.Option("--punctuate/--no-punctuate",
                                         help="end lines with a comma and the last with a full stop (end-stopped lines), where the model knows the marks")]
ReplyPunctuate = Annotated[bool, typer.Option("--punctuate/--no-punctuate",
                                              help="end the answer with a full stop, where the model knows the mark")]


@app.command()
def couplet(
    ctx: typer.Context, word: Word = None, seed_word: SeedWord = None, model: Model = "default", temperature: Temperature = DEFAULT_TEMPERATURE,
    seed: Seed = None, count: Count = 1, as_json: AsJson = False, candidates: Candidates = DEFAULT_CANDIDATES,
    top_p: TopP = DEFAULT_TOP_P, variety: Variety = DEFAULT_VARIETY, rhyme: Rhyme = "auto", strict: Strict = False,
    min_words: MinWords = Rules.min_words, max_words: MaxWords = Rules.max_words, syllables: Syllables = None, meter: Meter = None,
    best_effort: BestEffort = False, punctuate: Punctuate = True,
) -> None:
    """Write rhyming couplets: line 1 ends in the seed word, line 2 in a rhyme of it."""
    verse(scheme="couplet", **ctx.params)


@app.command()
def verse(
    word: Word = None,
    scheme: Annotated[str, typer.Option("--scheme", "-s", help="couplet, AABB, ABAB, ABBA, limerick, sonnet or a pattern")] = "couplet",
    seed_word: SeedWord = None, model: Model = "default", temperature: Temperature = DEFAULT_TEMPERATURE,
    seed: Seed = None, count: Count = 1, as_json: AsJson = False, candidates: Candidates = DEFAULT_CANDIDATES,
    top_p: TopP = DEFAULT_TOP_P, variety: Variety = DEFAULT_VARIETY, rhyme: Rhyme = "auto", strict: Strict = False,
    min_words: MinWords = Rules.min_words, max_words: MaxWords = Rules.max_words, syllables: Syllables = None, meter: Meter = None,
    best_effort: BestEffort = False, punctuate: Punctuate = True,
) -> None:
    """Write a verse in a rhyme scheme."""
    if word is not None and seed_word is not None:
        raise GenerationError(f"the seed word is given twice ('{word}' and --seed-word '{seed_word}'); pass it once", "seed_word")
    seed_word = word if seed_word is None else seed_word
    rules = Rules(min_words=min_words, max_words=max_words, target_syllables=syllables, meter=meter)
    r = rhymer.load(model)
    verses = r.series(count, scheme, seed_word, seed=seed, temperature=temperature, candidates=candidates,
                      top_p=top_p, variety=variety, rhyme=rhyme, strict=strict, rules=rules, punctuate=punctuate)
    note = None
    with contextlib.suppress(RhymerError):  # a word the library refuses is refused with its own message
        note = seed_word and lexicon.unknown_note(seed_word, r.index.words)
    _echo_verses(verses, as_json, rules, best_effort, note, asked=seed)


@app.command()
def reply(
    line: Annotated[list[str], typer.Argument(help="the line to answer, e.g. \"I walked along the shore at night\", of at "
                                               f"most {MAX_LINE_CHARS} characters (the quotes may be left out: the words "
                                               "are read as one line)", show_default=False)],
    model: Model = "default", temperature: Temperature = DEFAULT_TEMPERATURE, seed: Seed = None,
    count: ReplyCount = 1, as_json: ReplyAsJson = False, candidates: Candidates = DEFAULT_CANDIDATES, top_p: TopP = DEFAULT_TOP_P,
    variety: Variety = DEFAULT_VARIETY, rhyme: Rhyme = "auto", strict: ReplyStrict = False, min_words: MinWords = Rules.min_words,
    max_words: MaxWords = Rules.max_words, syllables: ReplySyllables = None, meter: Meter = None,
    best_effort: BestEffort = False, punctuate: ReplyPunctuate = True,
) -> None:
    """Answer a line: write the next line, rhyming with its last word and following from it."""
    rules = Rules(min_words=min_words, max_words=max_words, target_syllables=syllables, meter=meter)
    poet = rhymer.load(model)
    answers = poet.replies(" ".join(line), count, temperature=temperature, seed=seed, candidates=candidates,
                           top_p=top_p, variety=variety, rhyme=rhyme, strict=strict, rules=rules, punctuate=punctuate)
    note = None
    with contextlib.suppress(RhymerError):  # as couplet says of its seed word: the line's last word's rhymes are guessed
        note = lexicon.unknown_note(end_word(answers[0].answers), poet.index.words)
    _echo_verses(answers, as_json, rules, best_effort, note)


@app.command()
def rhymes(
    word: str = typer.Argument(..., help="the word to rhyme with"),
    near: bool = typer.Option(False, "--near", help="near rhymes (same vowel, similar coda) instead of perfect"),
    model: str | None = typer.Option(None, "--model", "-m", help="only words this model has seen, by frequency"),
    strict: bool = typer.Option(False, "--strict", help="refuse words missing from CMU dict"),
    limit: int = typer.Option(RHYMES_SHOWN, "--limit", "-l", min=0, help="show this many, most common first; 0 = all"),
    as_json: bool = typer.Option(False, "--json", help="print one JSON list instead of a word per line"),
) -> None:
    """List rhymes of a word, most common first (CMU dict; or a model's vocabulary with --model)."""
    if model:
        poet = rhymer.load(model)
        found, note = poet.rhymes(word, near=near, strict=strict), lexicon.unknown_note(word, poet.index.words)
    else:
        found, note = rhymer.rhymes(word, near=near, strict=strict), lexicon.unknown_note(word)
    if note and not as_json:
        typer.echo(f"# {note}", err=True)
    # the most common: those verse uses (with --model, all: its corpus has each), unless all are asked for or
    # verse uses none of them
    common = found if model else lexicon.in_verse(found)
    shown = (common or found)[:limit] if limit else found
    if as_json:
        typer.echo(json.dumps(shown))
    elif shown:
        typer.echo("\n".join(shown))
    if not found:
        typer.echo(f"# no {'near ' if near else ''}rhymes found for '{word}'{'' if near else '; --near lists near rhymes'}", err=True)
    elif not common and not as_json:
        more = f"; the first {len(shown)} of {len(found)}, --limit 0 shows all" if len(shown) < len(found) else ""
        typer.echo(f"# verse uses none of them: names and rare words{more}", err=True)
    elif len(shown) < len(found) and not as_json:
        order = "closest" if near else "most common"
        rare = f" ({len(found) - len(common)} of them names or words verse never uses)" if len(common) < len(found) else ""
        typer.echo(f"# the {len(shown)} {order} of {len(found)}{rare}; --limit 0 shows all", err=True)


@app.command()
def markov(
    corpus: Path = typer.Argument(..., help="training text (UTF-8)"),
    out: Path = typer.Option(..., "--out", "-o", help="model directory to write"),
    order: int = typer.Option(DEFAULT_ORDER, "--order", help="characters of context"),
    val_fraction: float = typer.Option(DEFAULT_VAL_FRACTION, "--val-fraction", help="share held out for bits per character"),
    encoding: str = typer.Option("utf-8", "--encoding", help="text encoding of the corpus"),
    force: bool = typer.Option(False, "--force", help="overwrite an existing model directory"),
) -> None:
    """Build a Markov baseline model directory on a corpus (reversed, Kneser-Ney smoothed)."""
    meta = modeldir.write_markov_folder(corpus, out, order=order, val_fraction=val_fraction, encoding=encoding, force=force)
    bpc = meta["markov"]["heldout_bpc"]
    typer.echo(f"wrote {out}: order {order}" + (f", held-out {bpc:.3f} bits/char" if bpc is not None else ""))


@app.command()
def train(
    corpus: Path = typer.Argument(..., help="training text (UTF-8), e.g. corpora/verse.txt"),
    out: Path = typer.Option(..., "--out", "-o", help="model directory to write"),
    rnn_size: int = typer.Option(TrainConfig.rnn_size, "--rnn-size", help="units per LSTM layer (two layers)"),
    embedding_size: int = typer.Option(TrainConfig.embedding_size, "--embedding-size", help="size of the character embedding (folded into layer 0 on export)"),
    seq_length: int = typer.Option(TrainConfig.seq_length, "--seq-length", help="characters per training sequence"),
    batch_size: int = typer.Option(TrainConfig.batch_size, "--batch-size", help="global batch, split over devices and workers"),
    epochs: int = typer.Option(TrainConfig.epochs, "--epochs", help="at most this many epochs (with --max-minutes: until one stops improving)"),
    lr: float = typer.Option(TrainConfig.lr, "--lr", help="Adam learning rate, halved every --lr-half-life characters"),
    lr_half_life: float = typer.Option(TrainConfig.lr_half_life, "--lr-half-life", help="characters trained per halving of the learning rate"),
    dropout: float = typer.Option(TrainConfig.dropout, "--dropout", help="between layers"),
    val_fraction: float = typer.Option(TrainConfig.val_fraction, "--val-fraction", help="share held out for bits per character"),
    patience: int = typer.Option(TrainConfig.patience, "--patience", help="stop after this many epochs without improvement"),
    seed: int = typer.Option(TrainConfig.seed, "--seed", help="random seed for weights and batch order; the same seed repeats a run"),
    direction: str = typer.Option(TrainConfig.direction, "--direction", help="backward (for rhymes) or forward"),
    strategy: str = typer.Option(TrainConfig.strategy, "--strategy", help="auto, default, mirrored or multiworker (TF_CONFIG)"),
    xla: str = typer.Option(TrainConfig.xla, "--xla", help="jit-compile the training step: auto (time both, keep the faster), on, off"),
    no_xla: bool = typer.Option(False, "--no-xla", help="same as --xla off"),
    precision: str = typer.Option(TrainConfig.precision, "--precision", help="auto (bfloat16 where the CPU/GPU has it), float32, bfloat16"),
    from_model: str = typer.Option(TrainConfig.parent, "--from", help="start from a trained model: default, a model folder, none "
                                   "(from scratch), auto (default when its size and direction fit)"),
    cross_direction: bool = typer.Option(TrainConfig.cross_direction, "--cross-direction", help="allow a --from model that reads the other way"),
    max_minutes: float | None = typer.Option(TrainConfig.max_minutes, "--max-minutes", help="the stopping rule: stop (resumably) after this long"),
    resume: bool = typer.Option(False, "--resume", help="continue from the last checkpoint in --out"),
    force: bool = typer.Option(False, "--force", help="start over in a non-empty --out"),
    quiet: bool = typer.Option(False, "--quiet", help="no progress bar"),
) -> None:
    """Train the two-layer char-LSTM (reversed text by default) and export it in the ml5 format."""
    config = TrainConfig(
        rnn_size=rnn_size, embedding_size=embedding_size, seq_length=seq_length, batch_size=batch_size,
        epochs=epochs, lr=lr, lr_half_life=lr_half_life, dropout=dropout, val_fraction=val_fraction,
        patience=patience, seed=seed, direction=direction, strategy=strategy, xla="off" if no_xla else xla,
        max_minutes=max_minutes, precision=precision, parent=from_model, cross_direction=cross_direction,
    )
    command = "rhymer " + " ".join(sys.argv[1:])
    try:
        meta = run_training(corpus, out, config, resume=resume, force=force, progress=not quiet, command=command)
    except KeyboardInterrupt as err:  # (train.Interrupted says whether this run left a checkpoint: a --force run
        # cut short puts the earlier model back, and its checkpoint is that model's run, not this one's; before the
        # run began, --out is as it was)
        typer.echo("interrupted; rerun with --resume" if getattr(err, "resumable", resume) else
                   "interrupted before the first epoch ended; nothing of this run was kept", err=True)
        raise typer.Exit(130) from None
    if meta:
        m = meta["metrics"]
        typer.echo(
            f"wrote {out}: held-out {m['heldout_bpc']:.3f} bits/char read as one text (Markov baseline "
            f"{m['markov_heldout_bpc']:.3f}; the epoch lines' figure reads --seq-length windows, each from a fresh state), "
            f"best epoch {m['best_epoch']}, stopped by {m['stopped_by']}"
            + (f"; no epoch read the held-out text better than the parent, which is kept: {_parent_kept_fix(m['stopped_by'], lr)}"
               if m["best_epoch"] == 0 else "")
            if m["heldout_bpc"] is not None else f"wrote {out}"
        )
        if m.get("heldout_read_by_parent"):
            typer.echo(read_by_parent_note(m["heldout_read_by_parent"]), err=True)


def read_by_parent_note(share: float) -> str:
    """What a fine-tune of the shipped model should know of a held-out text it has partly read."""
    return (f"# {share:.0%} of the held-out lines are in the bundled corpus the shipped model (this model's parent) "
            "was trained on, so the held-out figures are flattered; for a fair comparison with the Markov baseline "
            "hold out text it has not read, or train --from none")


def _parent_kept_fix(stopped_by: str, lr: float) -> str:
    """What to try when no epoch beat the parent: a run that stopped early will not improve with more minutes,
    and --resume keeps the rate, so a lower one needs --force (a quarter: 0.002 overshot a small corpus the
    parent had read much of, where 0.0005 improved on it).

    >>> _parent_kept_fix("early_stopping", 0.002)
    'the rate overshoots it on this corpus: train again with --force and a lower one, such as --lr 0.0005'
    >>> _parent_kept_fix("epochs", 0.002)
    'resume with a higher --epochs, or train again with --force and a lower rate, such as --lr 0.0005'
    """
    lower = f"--force and a lower rate, such as --lr {lr / 4:g}"
    if stopped_by == "early_stopping":
        return f"the rate overshoots it on this corpus: train again with {lower.replace('rate', 'one', 1)}"
    more = "give it more minutes (--resume continues)" if stopped_by == "time_budget" else "resume with a higher --epochs"
    return f"{more}, or train again with {lower}"


@app.command()
def compare(
    corpus: Path | None = typer.Option(
        None, "--corpus", "-c",
        help="the text to split, train and measure on (default: the shipped model's corpus, corpora/verse.txt)"),
    models: list[str] = typer.Option([], "--model", "-m", metavar="MODEL", help="models to compare (repeat); default: the shipped LSTM"),
    couplets: int = typer.Option(comparison.DEFAULT_COUPLETS, "--couplets", "-n", help="couplets per model"),
    markov_order: int = typer.Option(DEFAULT_ORDER, "--markov-order", help="order of the Markov baseline built on the corpus"),
    markov_orders: str | None = typer.Option(None, "--markov-orders", help="orders to sweep for bpc, e.g. 3-8"),
    temperature: float = typer.Option(DEFAULT_TEMPERATURE, "--temperature", "-t", help="sampling temperature for every model"),
    candidates: int = typer.Option(DEFAULT_CANDIDATES, "--candidates", "-k", help="candidate lines sampled per line (best one kept)"),
    top_p: float = typer.Option(DEFAULT_TOP_P, "--top-p", "-p", help="the top-p of every model at K > 1 (K=1 is plain sampling)"),
    plain: bool = typer.Option(True, "--plain/--no-plain", help="also measure every model with K=1 (plain sampling)"),
    train_lstm: float | None = typer.Option(
        None, "--train-lstm",
        help="also train an LSTM for this many minutes (fine-tuned from the shipped one, as 'rhymer train' does), "
             f"into {comparison.FRESH_LSTM} in --out, else here"),
    out: Path | None = typer.Option(None, "--out", "-o", help="write report.json, report.html, report.md here"),
    force: bool = typer.Option(False, "--force", help="with --train-lstm: replace the model an earlier run trained into "
                               f"{comparison.FRESH_LSTM} (in --out, else here)"),
) -> None:
    """Compare the LSTM and the Markov baseline side by side: bpc, rhyme, words, copying, diversity, speed."""
    from rich.console import Console

    from rhymer import report as reporting

    orders = comparison.parse_orders(markov_orders) if markov_orders else None
    if out:
        reporting.check_out(out)  # before any work
    with StepProgress() as steps:
        report = comparison.run(corpus, models, couplets, markov_order, orders, temperature=temperature,
                                candidates=candidates, top_p=top_p, plain=plain, train_lstm_minutes=train_lstm, out=out,
                                command="rhymer " + " ".join(sys.argv[1:]), progress=steps, force=force)
    Console().print(reporting.terminal_table(report))
    for line in [*reporting.model_notes(report), reporting.sweep_line(report)]:
        if line:
            typer.echo(line)
    if out:
        page, *others = reporting.write_outputs(report, out)
        typer.echo(f"wrote {page}, " + ", ".join(path.name for path in others))


@app.command()
def export(
    model: str = typer.Argument("default", help=MODEL_HELP),
    web: Path = typer.Option(..., "--web", help="folder for the static site (page, ml5, model, rhyme index, Markov)"),
    ml5_file: Path | None = typer.Option(None, "--ml5", help="ml5.min.js 0.12.2 (default: the copy shipped with rhymer)"),
    force: bool = typer.Option(False, "--force", help="replace a non-empty --web folder"),
) -> None:
    """Export a model as a self-contained static web page that writes endless rhymes."""
    from rhymer import website

    path, _ = modeldir.resolve(model)
    with StepProgress() as steps:
        site = website.export(path, web, ml5_file, force, progress=steps)
    typer.echo(f"wrote {web}: {'LSTM and ' if site['model_kind'] == 'lstm' else ''}Markov; serve it with any static host or `rhymer web --site {web}`")


@app.command("web")
def web_command(
    model: str = typer.Option("default", "--model", "-m", help=MODEL_HELP),
    site: Path | None = typer.Option(None, "--site", help="serve an exported site instead of exporting --model"),
    host: str = typer.Option("127.0.0.1", "--host", help="address to bind (default: this machine only)"),
    port: int = typer.Option(8000, "--port", help="port to listen on; 0 picks a free one"),
    ml5_file: Path | None = typer.Option(None, "--ml5", help="ml5.min.js 0.12.2 to put in the site (default: as for `rhymer export`)"),
) -> None:
    """Serve the page locally (exports the model to a temporary folder first)."""
    from rhymer import website

    if site is not None:
        website.check_site(site)
    with tempfile.TemporaryDirectory(prefix="rhymer-web-") as tmp:  # removed on Ctrl-C, SIGTERM, SIGHUP (see main)
        folder = site or Path(tmp) / "site"
        server = website.serve(folder, host, port)  # before exporting: a taken port is known at once
        try:
            if site is None:  # (a line before the steps, which show only on a terminal: a log sees why it waits)
                typer.echo("exporting the model to a temporary site first (10-20 s)...", err=True)
                with StepProgress() as steps:
                    website.export(modeldir.resolve(model)[0], folder, ml5_file, progress=steps)
            typer.echo(f"serving {folder} at http://{host}:{server.server_address[1]}/ (Ctrl-C stops)")
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()


def _exit_on_signal(signum: int, frame) -> None:
    """SIGTERM and SIGHUP unwind like Ctrl-C does, so cleanup runs: a failed write's undo, the
    staged site of an export, the temporary site of `rhymer web`."""
    raise SystemExit(128 + signum)


@corpus_app.command("fetch")
def corpus_fetch(
    urls: list[str] = typer.Argument(..., help="http(s) addresses of text or HTML pages"),
    out: Path = typer.Option(..., "--out", "-o", help="text file to write (all addresses joined)"),
    timeout: float = typer.Option(fetch.DEFAULT_TIMEOUT, "--timeout", help="seconds per address, retries and download included"),
    retries: int = typer.Option(fetch.DEFAULT_RETRIES, "--retries", help="further tries per address after a failed request"),
    max_bytes: int = typer.Option(fetch.MAX_BYTES, "--max-bytes", help="refuse a download larger than this many bytes"),
    encoding: str = typer.Option("utf-8", "--encoding", help="the texts' encoding, e.g. latin-1"),
    force: bool = typer.Option(False, "--force", help="replace an existing --out file"),
) -> None:
    """Download texts (HTML becomes plain text) and join them into one file."""
    codec_name(encoding)  # (before --out, as corpus clean checks it)
    check_file(out, force=force)
    texts = [fetch.fetch_text(u, timeout=timeout, max_bytes=max_bytes, retries=retries, encoding=encoding) for u in urls]
    write_text(out, join(texts))
    typer.echo(f"wrote {out}: {sum(map(len, texts))} characters from {len(urls)} address(es)")


@corpus_app.command("clean")
def corpus_clean(
    source: Path = typer.Argument(..., help="text to clean"),
    out: Path = typer.Option(..., "--out", "-o", help="cleaned text file to write"),
    encoding: str = typer.Option("utf-8", "--encoding", help="text encoding of SOURCE"),
    drop_lines: str | None = typer.Option(None, "--drop-lines", help="regex of whole lines to remove"),
    force: bool = typer.Option(False, "--force", help="replace an existing --out file"),
) -> None:
    """Normalise Unicode and quotes, drop [annotations], tidy blank lines and spaces (idempotent); a saved web
    page becomes its text."""
    codec_name(encoding)  # (before --out: one error at a time, in the order they are typed)
    check_file(out, [source], force=force)
    text = read_text(source, encoding, html=True)
    try:
        cleaned = clean(fetch.html_to_text(text) if looks_html(text) else text, drop_lines)
    except CorpusError as err:  # the library names its parameter; here it is an option (a recipe names its field)
        raise CorpusError(str(err).replace("drop_line_regex", "--drop-lines")) from None
    if not cleaned:
        raise CorpusError(f"nothing is left of '{source}' after cleaning; check the file")
    write_text(out, cleaned)
    typer.echo(f"wrote {out}: {len(cleaned)} characters")


@corpus_app.command("build")
def corpus_build(
    recipe: Path = typer.Argument(..., help="TOML recipe, e.g. corpora/default.toml"),
    out: Path = typer.Option(..., "--out", "-o", help="training text file to write"),
    force: bool = typer.Option(False, "--force", help="replace an existing --out file"),
) -> None:
    """Build one training text from a recipe of files and URLs (each checked by sha256)."""
    from rhymer import recipe as recipes

    check_file(out, [recipe, *(source.location for source in recipes.load(recipe)[0])], force=force)
    text = recipes.build(recipe)
    write_text(out, text)
    typer.echo(f"wrote {out}: {len(text)} characters")


@corpus_app.command("stats")
def corpus_stats(
    source: Path = typer.Argument(..., help="text file to describe"),
    encoding: str = typer.Option("utf-8", "--encoding", help="text encoding of SOURCE"),
    as_json: bool = typer.Option(False, "--json", help="print one JSON object instead of a table"),
) -> None:
    """Characters, lines, vocabularies, and the share of line-final words in CMU dict."""
    result = asdict(stats(read_text(source, encoding)))
    if as_json:
        typer.echo(json.dumps(result))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=str(source), show_header=False)
    for key, value in result.items():
        table.add_row(key.replace("_", " "), f"{value:.1%}" if isinstance(value, float) else f"{value:,}")
    Console().print(table)


def in_options(err: RhymerError) -> str:
    """A library error in the command line's words: the parameter the message begins with, a hint such as
    "rhyme='auto'" or "strict=True" and any parameter with an underscore are named by their options; a
    quoted value (the user's own word, path or line) is left as it is.

    >>> from rhymer.errors import GenerationError
    >>> in_options(GenerationError("min_words 5 is above max_words 3; pass min <= max", "min_words"))
    '--min-words 5 is above --max-words 3; pass min <= max'
    >>> in_options(GenerationError("no word rhymes with 'orange'; allow near rhymes (rhyme='auto')", "rhyme"))
    "no word rhymes with 'orange'; allow near rhymes (--rhyme auto)"
    >>> in_options(GenerationError("seed_word 'a min_words b' is several words", "seed_word"))
    "--seed-word 'a min_words b' is several words"
    >>> in_options(GenerationError("'qqq' is not in CMU dict; drop strict=True to guess its rhyme", "word"))
    "'qqq' is not in CMU dict; drop --strict to guess its rhyme"
    """
    text = str(err)
    name = getattr(err, "parameter", None)
    if name in OPTION_OF and text.startswith(name + " "):
        text = OPTION_OF[name] + text[len(name):]
    names, underscored = "|".join(OPTION_OF), "|".join(n for n in OPTION_OF if "_" in n)
    # left to right: a hint, a quoted value (kept; an apostrophe inside a word opens none), a flag, a parameter
    parts = re.compile(rf"""\b({names})='([^']*)'|"[^"]*"|(?<![A-Za-z])'[^']*'(?![A-Za-z])|\b({names})=True\b|\b({underscored})\b""")

    def named(m: re.Match) -> str:
        if m[1]:
            return f"{OPTION_OF[m[1]]} {m[2]}"
        return OPTION_OF.get(m[3] or m[4], m[0])  # a flag or a parameter; a quoted value as it is

    return parts.sub(named, text)


OUTPUT_FAILURES = (errno.ENOSPC, errno.EDQUOT, errno.EIO)  # output errors main() reports in one line


def os_problem(err: OSError) -> str:
    """Output that could not be written (``OUTPUT_FAILURES``), in a user's words, with the fix.

    >>> os_problem(OSError(errno.ENOSPC, "No space left on device"))
    'could not write the output: no space left on the device; free some space or write elsewhere'
    >>> os_problem(OSError(errno.EIO, "Input/output error"))
    'could not write the output: input/output error; check the device or write elsewhere'
    """
    if err.errno in (errno.ENOSPC, errno.EDQUOT):
        return "could not write the output: no space left on the device; free some space or write elsewhere"
    return f"could not write the output: {(err.strerror or str(err)).lower()}; check the device or write elsewhere"


def main() -> None:
    """Entry point: every RhymerError or usage error, and output that cannot be written (a full disk), becomes
    one line on stderr and exit code 2, never a traceback (typer's usage errors are boxes of several lines); a
    bare command prints its help. A closed pipe ("rhymer couplet -n 9 | head -2") is quiet: typer ends it."""
    for stream in (sys.stdout, sys.stderr):  # a file name that is not UTF-8 ("\\udcff") is printed escaped, never a traceback
        if getattr(stream, "errors", None) == "strict" and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    stops = (signal.SIGTERM, signal.SIGHUP)
    previous = [signal.signal(stop, _exit_on_signal) for stop in stops]
    try:
        code = app(standalone_mode=False)
    except RhymerError as err:
        typer.echo(f"error: {in_options(err)}", err=True)
        sys.exit(2)
    except typer.exceptions.TyperException as err:  # a usage error: bad option, value or command
        if type(err).__name__ == "NoArgsIsHelpError":  # a bare "rhymer" (or "rhymer corpus"): its help
            err.show()
        else:
            ctx = getattr(err, "ctx", None)
            message = " ".join(err.format_message().split()).rstrip(".")
            see = " See" if message.endswith("?") else "; see"  # after "Did you mean 'couplet'?"
            where = f"{see} '{ctx.command_path} --help'" if ctx else ""
            typer.echo(f"error: {message}{where}", err=True)
        sys.exit(getattr(err, "exit_code", 2))
    except OSError as err:  # the output could not be written (a full disk): one line, not a traceback
        if err.errno not in OUTPUT_FAILURES:  # anything else is a bug to report with its traceback
            raise
        with contextlib.suppress(OSError):  # (stderr on the same full disk)
            typer.echo(f"error: {os_problem(err)}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(130)
    finally:
        for stop, handler in zip(stops, previous):
            signal.signal(stop, handler)
    if isinstance(code, int) and code:  # an explicit exit (Ctrl-C while typer handles it: 130)
        sys.exit(code)
