"""Fine-tuning: start a training run from a trained model folder's weights (``rhymer train --from``).

The ml5 folder is the source of truth. Its first kernel holds the embedding folded in (rows =
E @ kernel, rank at most the embedding width), so the Keras model is rebuilt exactly with a
rank factorisation (SVD) of those rows: an embedding of that rank and a kernel. Export folds it
back unchanged, and training runs at the speed of a fresh model of the same shape.

New characters of the corpus get an embedding row (the mean of the others) and a softmax column
of zeros with the lowest bias the parent has: at step 0 they are as unlikely as its rarest
character, and every old character keeps its weights.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rhymer import ml5, modeldir
from rhymer.corpus import split_heldout
from rhymer.errors import ModelError, TrainingError

FROM_AUTO, FROM_NONE, FROM_DEFAULT = "auto", "none", "default"
RANK_TOLERANCE = 1e-6  # singular values below this share of the largest are float noise of the folding


@dataclass(frozen=True)
class Parent:
    """A trained model to start from, in Keras' weight layout."""

    label: str  # "default" or the folder's path
    direction: str
    vocab: list[str]
    corpus_sha256: str | None
    rhymer_version: str | None
    weights: dict[str, list[np.ndarray]]  # Keras layer name -> its weights

    @property
    def rnn_size(self) -> int:
        return self.weights["lstm_1"][1].shape[0]

    @property
    def embedding_size(self) -> int:
        return self.weights["embedding"][0].shape[1]

    def record(self) -> dict:
        """What rhymer.json says about the parent."""
        return {"model": self.label, "corpus_sha256": self.corpus_sha256, "rhymer_version": self.rhymer_version,
                "direction": self.direction, "vocab_size": len(self.vocab)}


def read_by_shipped(held: str) -> float:
    """The share of ``held``'s lines that the shipped model was fine-tuned on (the bundled corpus less its held-out
    part): a model fine-tuned from it has read them, and its held-out figures on them are flattered. A user's first
    corpus is often made of the bundled texts (corpora/texts/), whose lines it all holds."""
    meta = modeldir.read_metadata(modeldir.DEFAULT_DIR)
    trained, _ = split_heldout(modeldir.read_corpus(modeldir.DEFAULT_DIR, meta["corpus_sha256"]), meta["val_fraction"])
    read = {line.strip() for line in trained.splitlines()}
    lines = [line.strip() for line in held.splitlines() if line.strip()]
    return sum(line in read for line in lines) / len(lines) if lines else 0.0


def from_shipped(parent: object) -> bool:
    """Whether a model's ``parent`` record (rhymer.json's, as ``Parent.record`` writes it) is the shipped model."""
    return isinstance(parent, dict) and parent.get("model") == FROM_DEFAULT


def resolve_parent(spec: str, rnn_size: int, direction: str, cross_direction: bool = False) -> Parent | None:
    """The parent named by ``--from``: ``auto`` is the shipped model when its size and direction fit the run."""
    if spec == FROM_NONE:
        return None
    if spec == FROM_AUTO:
        parent = load_parent(FROM_DEFAULT)
        return parent if parent.rnn_size == rnn_size and parent.direction == direction else None
    parent = load_parent(spec)
    if parent.rnn_size != rnn_size:
        raise TrainingError(f"--from {spec} has {parent.rnn_size} units per layer, the run {rnn_size}; "
                            f"pass --rnn-size {parent.rnn_size} or --from none")
    if parent.direction != direction and not cross_direction:
        raise TrainingError(f"--from {spec} reads {parent.direction}, the run {direction}; pass --direction "
                            f"{parent.direction}, --cross-direction to fine-tune it anyway, or --from none")
    return parent


def load_parent(spec: str) -> Parent:
    """Read a model folder (rhymer.json + the ml5 files) into Keras weights."""
    path = modeldir.DEFAULT_DIR if spec == FROM_DEFAULT else Path(spec)
    try:
        meta = modeldir.read_metadata(path)
        if meta["kind"] != "lstm":
            raise ModelError(f"'{path}' holds a Markov model only")
        roles, vocab = ml5.read(path)
    except ModelError as err:
        raise TrainingError(f"--from {spec}: {err}; pass a trained LSTM model folder, default or none") from None
    k0, r0, b0 = ml5.ml5_lstm_to_keras(roles["kernel_0"], roles["bias_0"])
    if "embedding" in roles:
        embedding = roles["embedding"]
    else:  # one-hot input: the kernel's rows are the folded embedding
        embedding, k0 = factor(k0)
    k1, r1, b1 = ml5.ml5_lstm_to_keras(roles["kernel_1"], roles["bias_1"])
    return Parent(
        label=FROM_DEFAULT if spec == FROM_DEFAULT else str(path), direction=meta.get("direction", "backward"),
        vocab=vocab, corpus_sha256=meta.get("corpus_sha256"), rhymer_version=meta.get("rhymer_version"),
        weights={"embedding": [embedding], "lstm_0": [k0, r0, b0], "lstm_1": [k1, r1, b1],
                 "softmax": [roles["softmax_w"], roles["softmax_b"]]},
    )


def factor(folded: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Split folded rows [V, 4H] into an embedding [V, r] and a kernel [r, 4H] of the numerical rank r."""
    u, s, vt = np.linalg.svd(folded.astype(np.float64), full_matrices=False)
    rank = max(1, int((s > RANK_TOLERANCE * s[0]).sum()))
    return (u[:, :rank] * s[:rank]).astype(np.float32), vt[:rank].astype(np.float32)


def extend_vocab(parent_vocab: list[str], text: str) -> list[str]:
    """The parent's characters in their order, then the corpus' new ones; absent ones stay."""
    known = set(parent_vocab)
    return [*parent_vocab, *sorted(set(text) - known)]


def initial_weights(parent: Parent, vocab: list[str]) -> dict[str, list[np.ndarray]]:
    """The parent's weights grown to ``vocab`` (which starts with the parent's vocabulary)."""
    new = len(vocab) - len(parent.vocab)
    (embedding,) = parent.weights["embedding"]
    w, b = parent.weights["softmax"]
    rows = np.repeat(embedding.mean(axis=0, keepdims=True), new, axis=0)
    return {
        **parent.weights,
        "embedding": [np.concatenate([embedding, rows])],
        "softmax": [np.concatenate([w, np.zeros((w.shape[0], new), np.float32)], axis=1),
                    np.concatenate([b, np.full(new, b.min(), np.float32)])],
    }


def apply(model, parent: Parent, vocab: list[str]) -> None:
    """Set a freshly built Keras model's weights to the parent's, grown to ``vocab``."""
    for name, values in initial_weights(parent, vocab).items():
        model.get_layer(name).set_weights(values)
