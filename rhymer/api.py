"""The library API for bots: ``rhymer.load()`` gives a ``Rhymer`` that writes couplets and verses."""

from __future__ import annotations

import time
from pathlib import Path

from rhymer import modeldir
from rhymer.rhymeindex import RhymeIndex
from rhymer.scoring import CopyChecker
from rhymer.verse import Composer, Verse


class Rhymer(Composer):
    """A loaded model with its rhyme index; thread-safe, since generation keeps no shared state."""

    def __init__(self, path: Path, kind: str | None = None) -> None:
        start = time.perf_counter()
        model, meta = modeldir.load_engine(path, kind)
        index = RhymeIndex.load(path / modeldir.WORDS)
        corpus = modeldir.read_corpus(path, meta["corpus_sha256"])
        name = model.kind if path == modeldir.DEFAULT_DIR else f"{model.kind}:{path}"
        super().__init__(model, index, CopyChecker(corpus), name)
        self.path, self.metadata = path, meta
        self.load_seconds = time.perf_counter() - start

    def couplet(self, seed_word: str | None = None, **options) -> Verse:
        """Two lines: the first ends in ``seed_word``, the second in a rhyme of it."""
        return self.verse("couplet", seed_word, **options)

    def rhymes(self, word: str, near: bool = False) -> list[str]:
        """Words of this model's corpus that rhyme with ``word``, most frequent first."""
        from rhymer.lexicon import normalize_word

        found = self.index.rhymes(normalize_word(word), near=near)
        return sorted(found, key=lambda w: (-found[w], w))


def load(model: str | Path | None = None, kind: str | None = None) -> Rhymer:
    """Load a model: None/'default' (the shipped model), 'lstm', 'markov', or a model directory path."""
    path, resolved_kind = modeldir.resolve(model)
    return Rhymer(path, kind or resolved_kind)
