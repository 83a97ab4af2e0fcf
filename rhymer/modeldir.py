"""The model directory: the single hand-off between training and everything else.

    manifest.json, *.bin, vocab.json   ml5.js 0.12.2 charRNN files (LSTM models only)
    rhymer.json                         metadata: kind, direction, vocab, hyper-parameters, corpus sha256, metrics
    markov.json                         the Markov baseline on the same corpus and split
    words.json                          rhyme index of the corpus vocabulary
    ngrams.json                         word trigram model of the training split (a fluency reranking term)
    discriminator.json                  optional: real lines against the model's samples (a learned reranking term)
    reader.json                         optional: blind readers' ratings of couplets (a learned reranking term)
    corpus.txt.gz                       the training corpus (for the no-copy rule)
    checkpoints/                        training's resumable state (run.json, baseline.json, best.json, TF's files)

This module owns every name above (ml5.py names the ml5 files), the one writer of rhymer.json
(``write_metadata``), building a Markov-only folder, and the checks of what is read back: format,
version, kind and direction (a ModelError for each).
"""

from __future__ import annotations

import gzip
import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath, PureWindowsPath

from rhymer import ml5, outputs
from rhymer._version import __version__
from rhymer.charmodel import CharModel, heldout_bpc
from rhymer.corpus import DEFAULT_VAL_FRACTION, MAX_CORPUS_BYTES, read_text, require_letters, sha256, split_heldout
from rhymer.discriminator import Discriminator
from rhymer.errors import ModelError, OutputError, RhymerError
from rhymer.files import gunzip_limited, read_model_file, read_model_json, write_bytes, write_json
from rhymer.markov import DEFAULT_ORDER, MarkovModel, check_order
from rhymer.readermodel import ReaderModel
from rhymer.rhymeindex import RhymeIndex
from rhymer.validate import shown
from rhymer.wordmodel import WordModel
from rhymer.wordruns import WordRuns

METADATA, MARKOV, WORDS, CORPUS = "rhymer.json", "markov.json", "words.json", "corpus.txt.gz"
NGRAMS, DISCRIMINATOR, READER, RUNS = "ngrams.json", "discriminator.json", "reader.json", "wordruns.json"
# an exported site's marker file and its format, and its folder of the ml5 files the page reads
SITE_FILE, SITE_FORMAT, SITE_MODEL = "site.json", "rhymer-site", "model"
CHECKPOINTS, RUN_FILE, RUN_FORMAT = "checkpoints", "run.json", "rhymer-run"
# training's own files in checkpoints/: the Markov baseline's metrics, the best epoch so far
BASELINE, BEST = f"{CHECKPOINTS}/baseline.json", f"{CHECKPOINTS}/best.json"
REPLACED = ".replaced-by-a-forced-run"  # the earlier model's files while a --force training run goes on
TF_CHECKPOINT_FILES = ("checkpoint", "ckpt-*.index", "ckpt-*.data-*-of-*", "ckpt-*_temp/*")  # TensorFlow's names
# the files rhymer writes in a model folder, the markers (rhymer.json, a training's run.json) last,
# so that a --force cut short still leaves a folder rhymer recognises as its own
OWN_FILES = (MARKOV, WORDS, CORPUS, NGRAMS, DISCRIMINATOR, READER, RUNS, ml5.MANIFEST, ml5.VOCAB, *ml5.own_variable_files(), BASELINE, BEST,
             *(f"{CHECKPOINTS}/{name}" for name in (*TF_CHECKPOINT_FILES, RUN_FILE)), METADATA)
FORMAT, VERSION = "rhymer-model", 1
DEFAULT_DIR = Path(__file__).parent / "models" / "default"
DIRECTIONS = ("backward", "forward")
KINDS = ("lstm", "markov")
MAX_STATE_BYTES = 1024 * 1024  # a training's run.json, baseline.json, best.json: a few hundred bytes each
FIX = "re-export the model"


def prepare_out(out: Path, force: bool, set_aside: bool = False, offer_resume: bool = False) -> Path | None:
    """Accept a new or empty --out, or (with force) clear the files an earlier rhymer run wrote there: removed, or
    with ``set_aside`` moved into REPLACED (returned), for ``replacing`` to put back if the run fails before it
    has anything to keep (a training run: hours of an earlier model are not lost to a Ctrl-C in a new one).

    Called before ``undo_on_failure``, which then sees the cleared folder: a write that fails removes
    what it wrote, rewritten names included, and leaves no half-written model behind.
    """
    if offer_resume and (out / CHECKPOINTS / RUN_FILE).is_file():  # a training's, ended or not (`rhymer markov` has none)
        hint = "--resume to continue it, --force to overwrite"
    else:
        held = _model_held(out)
        hint = f"--force to overwrite {held} in it" if held else "--force to overwrite"
    if not outputs.check_folder(out, is_model_folder, force=force, what="model folder", option="--out",
                                force_hint=hint):
        return None
    aside = out / REPLACED
    if os.path.lexists(aside):  # a forced run killed outright left the model it was replacing aside
        if not outputs.is_aside(aside):  # a link, or a folder of another's by that name
            raise OutputError(f"'{aside}' is not a folder rhymer set aside; move it away or use another --out")
        if resumable(out):  # ...after an epoch of its own: that run replaced it
            outputs.remove_aside(aside)
        else:  # ...before one: what it left goes, and the model it was replacing is the one to replace now
            outputs.remove_own(out, OWN_FILES)
            outputs.put_back(out, aside, OWN_FILES)
    if not set_aside:
        outputs.remove_own(out, OWN_FILES)
        return None
    outputs.set_aside(out, OWN_FILES, aside)
    return aside


def training_ended(meta: dict) -> bool:
    """Whether a model's metadata says its training ended: it says "still training" until the run's end (and
    nothing at all for a Markov model, which no run trains)."""
    metrics = meta.get("metrics") if isinstance(meta.get("metrics"), dict) else {}  # (read_metadata leaves it unchecked)
    return metrics.get("stopped_by") not in (None, "still training")


def _model_held(out: Path) -> str | None:
    """What a folder holds, in words ("the LSTM model", "the training in progress"), for a refusal to overwrite it: a training
    keeps its run file once it has ended, and its metadata says whether it has."""
    try:
        meta = read_metadata(out) if (out / METADATA).is_file() else {}
    except (RhymerError, OSError):
        meta = {}
    if meta.get("kind") == "markov" or training_ended(meta):
        return f"the {'LSTM' if meta['kind'] == 'lstm' else 'Markov'} model"
    return "the training in progress" if (out / CHECKPOINTS / RUN_FILE).is_file() else None


@contextmanager
def replacing(out: Path, aside: Path | None, keep: Callable[[], bool]) -> Iterator[None]:
    """Around ``undo_on_failure``: the earlier model ``prepare_out`` set aside comes back when the block fails
    while ``keep()`` is False (in place of what is left of the failed run's: a resumed one's, killed before its
    first epoch, had no checkpoint), and is removed once the block ends, or fails with something to keep."""
    try:
        yield
    except BaseException:
        if aside is not None and not keep():
            outputs.remove_own(out, OWN_FILES)
            outputs.put_back(out, aside, OWN_FILES)
        elif aside is not None:
            outputs.remove_aside(aside)
        raise
    if aside is not None:
        outputs.remove_aside(aside)


def resumable(out: Path) -> bool:
    """Whether ``out`` holds a finished epoch's checkpoint that ``--resume`` can continue from."""
    return any((Path(out) / CHECKPOINTS).glob("ckpt-*.index"))


def is_model_folder(path: Path) -> bool:
    """Whether rhymer wrote this folder: a model's metadata, or the run file of a training in progress (its
    format, or in one written before it had one, the fields only a training writes; a user's checkpoints/run.json
    is neither)."""
    run = outputs.read_marker(path / CHECKPOINTS / RUN_FILE) if not (path / CHECKPOINTS).is_symlink() else None
    return outputs.has_marker(path / METADATA, FORMAT) or run is not None and (run.get("format") == RUN_FORMAT or is_run(run))


def is_run(state: dict) -> bool:
    """Whether a run.json's object holds what a training writes there: its config and its corpus's sha256."""
    return isinstance(state.get("config"), dict) and isinstance(state.get("corpus_sha256"), str)


@contextmanager
def undo_on_failure(out: Path, keep: Callable[[], bool] = lambda: False, enabled: bool = True) -> Iterator[None]:
    """On any failure inside the block (Ctrl-C included) remove what the block added to ``out``.

    A folder that did not exist is removed whole; in one that did, only the entries the block added
    go. Nothing is removed when ``keep()`` says the folder now holds work worth keeping.
    """
    existed = out.exists() or out.is_symlink()
    top = out  # the outermost folder the block may create (mkdir parents=True)
    while not existed and not (top.parent.exists() or top.parent == top):
        top = top.parent
    if existed and out.is_symlink() and out.is_dir():
        out = out.resolve()  # a link to a folder: what the block adds lands in that folder
    before = set(os.listdir(out)) if enabled and existed and out.is_dir() and not out.is_symlink() else set()
    try:
        yield
    except BaseException:
        if enabled and not keep():
            _remove_added(out, top, existed, before)
        raise


def _remove_added(out: Path, top: Path, existed: bool, before: set[str]) -> None:
    if not existed:
        shutil.rmtree(top, ignore_errors=True)
        return
    if not out.is_dir() or out.is_symlink():
        return
    for name in set(os.listdir(out)) - before:
        entry = out / name
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)


def check_baseline(text: str, name: str, order: int, val_fraction: float) -> None:
    """Check a Markov baseline's settings against its corpus (named ``name``) before any file is written."""
    check_order(order)
    require_letters(text, name)
    train, _ = split_heldout(text, val_fraction)
    if len(train) <= order:
        raise ModelError(f"the corpus has {len(train)} training characters, too few for order {order}; use more text")


def orient(text: str, direction: str) -> str:
    """The text as the model reads it: reversed for backward models."""
    return text[::-1] if direction == "backward" else text


def write_markov_folder(corpus: Path, out: Path, *, order: int = DEFAULT_ORDER,
                        val_fraction: float = DEFAULT_VAL_FRACTION, encoding: str = "utf-8", force: bool = False) -> dict:
    """Build a Markov-only model folder (`rhymer markov`) on the text of ``corpus``; returns its metadata.

    Everything is checked before ``out`` is touched, and a failure removes what was written; with ``force``
    the model it replaces is set aside meanwhile and comes back on a failure (Ctrl-C included).
    """
    text = read_text(corpus, encoding)
    check_baseline(text, str(corpus), order, val_fraction)
    aside = prepare_out(out, force, set_aside=True)
    with replacing(out, aside, keep=lambda: False), undo_on_failure(out):
        return write_markov_model(out, text, order=order, val_fraction=val_fraction)


def write_markov_model(out: Path, text: str, *, order: int = DEFAULT_ORDER,
                       val_fraction: float = DEFAULT_VAL_FRACTION) -> dict:
    """Write a Markov-only model of ``text`` into the folder ``out`` (the caller has checked both); returns
    its metadata."""
    info = write_baseline(out, text, order=order, val_fraction=val_fraction)
    return write_metadata(out, "markov", text, "backward", val_fraction, sorted(set(text)), markov=info)


def write_baseline(out: Path, text: str, *, order: int = DEFAULT_ORDER, val_fraction: float = DEFAULT_VAL_FRACTION,
                   direction: str = "backward", vocab: list[str] | None = None) -> dict:
    """Write the Markov baseline, rhyme index, word models and corpus copy; return the baseline's metadata."""
    start = time.perf_counter()
    train, held = split_heldout(text, val_fraction)
    vocab = vocab or sorted(set(text))
    markov = MarkovModel.build(orient(train, direction), order, vocab)
    bpc = float(heldout_bpc(markov, orient(held, direction))) if held else None
    markov.save(out / MARKOV)
    RhymeIndex.build(text).save(out / WORDS)
    WordModel.build(train).save(out / NGRAMS)
    WordRuns.build(text).save(out / RUNS)
    write_bytes(out / CORPUS, gzip.compress(text.encode("utf-8"), mtime=0))
    return {"order": order, "heldout_bpc": bpc, "build_seconds": round(time.perf_counter() - start, 2)}


def metadata(kind: str, text: str, direction: str, val_fraction: float, vocab: list[str], **extra) -> dict:
    """rhymer.json's contents: the fields every model folder has, then ``extra`` (metrics, settings...)."""
    return {
        "format": FORMAT, "version": VERSION, "kind": kind, "direction": direction, "vocab": vocab,
        "corpus_sha256": sha256(text), "corpus_characters": len(text), "val_fraction": val_fraction,
        "rhymer_version": __version__, **extra,
    }


def published_metadata(meta: dict) -> dict:
    """``meta`` as a site publishes it: without the command line it was trained with and with its parent's path cut
    to the folder's name (both name folders on its maker's machine).

    >>> published_metadata({"kind": "lstm", "command": "rhymer train /Users/al/v.txt", "parent": {"model": "/Users/al/m"},
    ...                     "hyperparameters": {"parent": r"C:\\Users\\al\\m", "epochs": 3}})
    {'kind': 'lstm', 'parent': {'model': 'm'}, 'hyperparameters': {'parent': 'm', 'epochs': 3}}
    """
    out = {k: v for k, v in meta.items() if k != "command"}
    for part in ("parent", "hyperparameters"):
        field = "model" if part == "parent" else "parent"
        if isinstance(out.get(part), dict) and isinstance(out[part].get(field), str):  # a POSIX or a Windows path
            out[part] = {**out[part], field: PureWindowsPath(PurePosixPath(out[part][field]).name).name}
    return out


def write_metadata(out: Path, kind: str, text: str, direction: str, val_fraction: float, vocab: list[str],
                   **extra) -> dict:
    """Write rhymer.json (the folder's marker, so written last) and return what it holds."""
    meta = metadata(kind, text, direction, val_fraction, vocab, **extra)
    write_json(out / METADATA, meta)
    return meta


def read_metadata(path: Path) -> dict:
    """rhymer.json, checked: format, version, kind, direction, vocabulary and corpus checksum."""
    file = path / METADATA
    if not file.exists():
        if outputs.has_marker(path / SITE_FILE, SITE_FORMAT):  # an exported site
            raise ModelError(f"'{path}' is an exported site, not a model; serve it with 'rhymer web --site {path}', or "
                             "pass the model folder it was exported from")
        if outputs.is_aside(path / REPLACED):  # a forced training killed outright before its first epoch
            raise ModelError(f"'{path}' holds a training cut short before its first epoch, and the model it was replacing "
                             f"is set aside in '{path / REPLACED}'; rerun that training with --resume, or with --force to "
                             "start it again (either puts the earlier model back if it is cut short again)")
        raise ModelError(f"'{path}' is not a rhymer model (no {METADATA}); train one with 'rhymer train'")
    meta = read_model_json(file, FIX, fmt=FORMAT, version=VERSION)
    vocab = meta.get("vocab")
    problem = (
        f"kind {str(meta.get('kind'))[:20]!r} is not one of {', '.join(KINDS)}" if meta.get("kind") not in KINDS
        else f"direction {str(meta.get('direction'))[:20]!r} is not one of {', '.join(DIRECTIONS)}" if meta.get("direction") not in DIRECTIONS
        else "vocab must be a list of distinct characters" if not _is_vocab(vocab)
        else "corpus_sha256 must be a string" if not isinstance(meta.get("corpus_sha256"), str)
        else "parent must be an object (the model it was fine-tuned from)" if not isinstance(meta.get("parent"), (dict, type(None)))
        else "val_fraction must be a number" if type(meta.get("val_fraction", 0.0)) not in (int, float)
        else None
    )
    if problem:
        raise ModelError(f"'{file}' is malformed: {problem}; {FIX}")
    return meta


def _is_vocab(vocab) -> bool:
    return isinstance(vocab, list) and all(isinstance(c, str) and len(c) == 1 for c in vocab) and len(set(vocab)) == len(vocab)


def require_backward(meta: dict, path: Path) -> None:
    """Rhymes are written from the rhyme word back: a forward model cannot write them."""
    if meta["direction"] != "backward":
        raise ModelError(f"'{path / METADATA}' says the model reads {meta['direction']}; rhymes need a backward model (rhymer train --direction backward)")


def resolve(spec: str | Path | None) -> tuple[Path, str | None]:
    """Map 'default' / 'lstm' / 'markov' / a directory / a markov JSON file to (directory, kind)."""
    spec = "default" if spec is None else spec
    if str(spec).lower() in ("default", "lstm", "markov") and not Path(spec).exists():  # "LSTM" too, unless a folder
        spec = str(spec).lower()
    if str(spec) in ("default", "lstm"):
        return DEFAULT_DIR, None if str(spec) == "default" else "lstm"
    if str(spec) == "markov":
        return DEFAULT_DIR, "markov"
    path = Path(spec)
    try:
        if path.is_file() and path.name.startswith("markov.json"):
            return path.parent, "markov"
        found, a_file = path.is_dir(), path.is_file()
    except OSError:  # a name too long to look up, a folder we may not enter
        found = a_file = False
    if not found:
        what = "is a file, not a model directory" if a_file else "not found"
        raise ModelError(f"model {shown(str(spec))} {what}; pass lstm, markov, or the path of a model directory", "model")
    return path, None


def load_engine(path: Path, kind: str | None = None) -> tuple[CharModel, dict]:
    """Read the character model of a directory (``kind`` picks LSTM or Markov); no TensorFlow.

    Reads (and so checks) only what generation needs: rhymer.json and the model's own files.
    """
    meta = read_metadata(path)
    require_backward(meta, path)
    kind = kind or meta["kind"]
    if kind == "markov":
        model, file = MarkovModel.load(path / MARKOV), path / MARKOV
    elif meta["kind"] != "lstm":
        raise ModelError(f"'{path}' holds a Markov model only; load it with kind='markov', or train an LSTM")
    else:
        from rhymer.lstm import LSTMModel

        model, file = LSTMModel.load(path), path / ml5.VOCAB
    if list(model.vocab) != meta["vocab"]:
        raise ModelError(f"'{file}' does not hold the vocabulary of {METADATA} (same characters in the same order); {FIX}")
    return model, meta


def engine_bytes(path: Path, kind: str) -> int:
    """The size of what an engine reads: markov.json, or the LSTM's ml5 variable files."""
    if kind == "markov":
        return (path / MARKOV).stat().st_size
    return sum(array.nbytes for array in ml5.read(path)[0].values())


def read_word_model(path: Path) -> WordModel | None:
    """The folder's word model (a ModelError if malformed), or None for folders made before it existed."""
    return WordModel.load(path / NGRAMS) if os.path.lexists(path / NGRAMS) else None


def read_word_runs(path: Path) -> WordRuns | None:
    """The folder's word runs (a ModelError if malformed), or None for folders made before they existed."""
    return WordRuns.load(path / RUNS) if os.path.lexists(path / RUNS) else None


def read_discriminator(path: Path) -> Discriminator | None:
    """The folder's discriminator (a ModelError if malformed), or None where none was built."""
    return Discriminator.load(path / DISCRIMINATOR) if os.path.lexists(path / DISCRIMINATOR) else None


def read_reader(path: Path) -> ReaderModel | None:
    """The folder's reader model (a ModelError if malformed), or None where none was fitted."""
    return ReaderModel.load(path / READER) if os.path.lexists(path / READER) else None


def read_corpus(path: Path, expected_sha256: str | None = None) -> str:
    """The model's training corpus, unpacked within MAX_CORPUS_BYTES and checked against its sha256."""
    file = path / CORPUS
    text = gunzip_limited(read_model_file(file, MAX_CORPUS_BYTES, FIX), MAX_CORPUS_BYTES, file, FIX)
    try:
        text = text.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ModelError(f"'{file}' is not UTF-8 text ({err.reason} at byte {err.start}); {FIX}") from None
    if expected_sha256 is not None and sha256(text) != expected_sha256:
        raise ModelError(f"'{file}' is not the corpus {METADATA} describes (its sha256 differs); {FIX}")
    return text


def verify(path: Path) -> dict:
    """Check every file of a model directory that a site would publish; returns its metadata.

    Loading checks what generation reads; export publishes more (markov.json, words.json), so it
    calls this first: a damaged or hostile folder never becomes a site.
    """
    meta = read_metadata(path)
    RhymeIndex.load(path / WORDS)
    read_corpus(path, meta["corpus_sha256"])
    read_word_model(path)
    read_word_runs(path)
    read_discriminator(path)
    read_reader(path)
    for kind in ("lstm", "markov") if meta["kind"] == "lstm" else ("markov",):
        load_engine(path, kind)
    return meta
