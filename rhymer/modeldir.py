"""The model directory: the single hand-off between training and everything else.

    manifest.json, *.bin, vocab.json   ml5.js 0.12.2 charRNN files (LSTM models only)
    rhymer.json                         metadata: kind, direction, vocab, hyper-parameters, corpus sha256, metrics
    markov.json                         the Markov baseline on the same corpus and split
    words.json                          rhyme index of the corpus vocabulary
    corpus.txt.gz                       the training corpus (for the no-copy rule)
"""

from __future__ import annotations

import gzip
import time
from pathlib import Path

from rhymer import __version__, ml5, outputs
from rhymer.charmodel import CharModel, heldout_bpc
from rhymer.corpus import sha256, split_heldout
from rhymer.errors import ModelError
from rhymer.files import read_model_json, write_bytes
from rhymer.markov import DEFAULT_ORDER, MarkovModel
from rhymer.rhymeindex import RhymeIndex

METADATA, MARKOV, WORDS, CORPUS = "rhymer.json", "markov.json", "words.json", "corpus.txt.gz"
CHECKPOINTS, RUN_FILE = "checkpoints", "run.json"
# the files rhymer writes in a model folder, the markers (rhymer.json, a training's run.json) last,
# so that a --force cut short still leaves a folder rhymer recognises as its own
OWN_FILES = (MARKOV, WORDS, CORPUS, ml5.MANIFEST, ml5.VOCAB, *ml5.own_variable_files(),
             *(f"{CHECKPOINTS}/{name}" for name in ("baseline.json", "best.json", "checkpoint", "ckpt-*.index",
                                                    "ckpt-*.data-*-of-*", "ckpt-*_temp/*", RUN_FILE)),
             METADATA)
FORMAT = "rhymer-model"
DEFAULT_DIR = Path(__file__).parent / "models" / "default"
DIRECTIONS = ("backward", "forward")


def prepare_out(out: Path, force: bool) -> None:
    """Accept a new or empty --out, or (with force) clear the files an earlier rhymer run wrote there."""
    resumable = (out / CHECKPOINTS / RUN_FILE).is_file()
    hint = "--resume to continue it, --force to overwrite" if resumable else "--force to overwrite"
    if outputs.check_folder(out, is_model_folder, force=force, what="model folder", option="--out",
                            force_hint=hint):
        outputs.remove_own(out, OWN_FILES)
    out.mkdir(parents=True, exist_ok=True)


def is_model_folder(path: Path) -> bool:
    """Whether rhymer wrote this folder: a model's metadata, or the run file of a training in progress."""
    run = path / CHECKPOINTS / RUN_FILE
    return outputs.has_marker(path / METADATA, FORMAT) or (outputs.is_regular(run) and not run.parent.is_symlink())


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
