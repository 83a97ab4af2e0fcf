"""The model directory: the single hand-off between training and everything else.

    manifest.json, *.bin, vocab.json   ml5.js 0.12.2 charRNN files (LSTM models only)
    rhymer.json                         metadata: kind, direction, vocab, hyper-parameters, corpus sha256, metrics
    markov.json                         the Markov baseline on the same corpus and split
    words.json                          rhyme index of the corpus vocabulary
    corpus.txt.gz                       the training corpus (for the no-copy rule)
"""

from __future__ import annotations

import gzip
import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from rhymer import __version__
from rhymer.charmodel import CharModel, heldout_bpc
from rhymer.corpus import require_letters, sha256, split_heldout
from rhymer.errors import ModelError
from rhymer.files import read_model_json, write_bytes
from rhymer.markov import DEFAULT_ORDER, MarkovModel, check_order
from rhymer.rhymeindex import RhymeIndex

METADATA, MARKOV, WORDS, CORPUS = "rhymer.json", "markov.json", "words.json", "corpus.txt.gz"
FORMAT = "rhymer-model"
DEFAULT_DIR = Path(__file__).parent / "models" / "default"
DIRECTIONS = ("backward", "forward")


def prepare_out(out: Path, force: bool, resume: bool = False) -> None:
    """Refuse to write into a non-empty directory unless resuming or forced; create it otherwise."""
    from rhymer.errors import TrainingError

    if out.exists() and not out.is_dir():
        raise TrainingError(f"'{out}' exists and is not a directory; pass another --out")
    if out.is_dir() and any(out.iterdir()) and not (force or resume):
        raise TrainingError(f"'{out}' is not empty; pass --resume to continue it, --force to overwrite, or another --out")
    out.mkdir(parents=True, exist_ok=True)


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


def write_baseline(out: Path, text: str, *, order: int = DEFAULT_ORDER, val_fraction: float = 0.05,
                   direction: str = "backward", vocab: list[str] | None = None) -> dict:
    """Write the Markov baseline, rhyme index and corpus copy; return the baseline's metadata."""
    start = time.perf_counter()
    train, held = split_heldout(text, val_fraction)
    vocab = vocab or sorted(set(text))
    markov = MarkovModel.build(orient(train, direction), order, vocab)
    bpc = float(heldout_bpc(markov, orient(held, direction))) if held else None
    markov.save(out / MARKOV)
    RhymeIndex.build(text).save(out / WORDS)
    write_bytes(out / CORPUS, gzip.compress(text.encode("utf-8"), mtime=0))
    return {"order": order, "heldout_bpc": bpc, "build_seconds": round(time.perf_counter() - start, 2)}


def metadata(kind: str, text: str, direction: str, val_fraction: float, vocab: list[str], **extra) -> dict:
    return {
        "format": FORMAT, "version": 1, "kind": kind, "direction": direction, "vocab": vocab,
        "corpus_sha256": sha256(text), "corpus_characters": len(text), "val_fraction": val_fraction,
        "rhymer_version": __version__, **extra,
    }


def read_metadata(path: Path) -> dict:
    if not (path / METADATA).exists():
        raise ModelError(f"'{path}' is not a rhymer model (no {METADATA}); train one with 'rhymer train'")
    meta = read_model_json(path / METADATA, "re-export the model")
    if meta.get("format") != FORMAT or meta.get("kind") not in ("lstm", "markov"):
        raise ModelError(f"'{path / METADATA}' is not rhymer model metadata; re-export the model")
    return meta


def resolve(spec: str | Path | None) -> tuple[Path, str | None]:
    """Map 'default' / 'lstm' / 'markov' / a directory / a markov JSON file to (directory, kind)."""
    spec = "default" if spec is None else spec
    if str(spec) in ("default", "lstm"):
        return DEFAULT_DIR, None if str(spec) == "default" else "lstm"
    if str(spec) == "markov":
        return DEFAULT_DIR, "markov"
    path = Path(spec)
    if path.is_file() and path.name.startswith("markov.json"):
        return path.parent, "markov"
    if not path.is_dir():
        raise ModelError(f"model '{spec}' not found; pass lstm, markov, or the path of a model directory")
    return path, None


def load_engine(path: Path, kind: str | None = None) -> tuple[CharModel, dict]:
    """Read the character model of a directory (``kind`` picks LSTM or Markov); no TensorFlow."""
    meta = read_metadata(path)
    kind = kind or meta["kind"]
    if kind == "markov":
        return MarkovModel.load(path / MARKOV), meta
    if meta["kind"] != "lstm":
        raise ModelError(f"'{path}' holds a Markov model only; pass --model markov or train an LSTM")
    from rhymer.lstm import LSTMModel

    return LSTMModel.load(path), meta


def read_corpus(path: Path) -> str:
    try:
        return gzip.decompress((path / CORPUS).read_bytes()).decode("utf-8")
    except (OSError, EOFError, UnicodeDecodeError) as err:
        raise ModelError(f"'{path / CORPUS}' is missing or damaged ({err}); re-export the model") from None
