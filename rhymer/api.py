"""The library API for bots: ``rhymer.load()`` gives a ``Rhymer`` that writes couplets and verses."""

from __future__ import annotations

import functools
import time
from pathlib import Path

from rhymer import modeldir, validate
from rhymer.errors import InvalidArgument, ModelError
from rhymer.rhymeindex import RhymeIndex
from rhymer.scoring import CopyChecker
from rhymer.verse import Composer, Verse


class Rhymer(Composer):
    """A loaded model with its rhyme index; thread-safe, since generation keeps no shared state."""

    def __init__(self, path: str | Path, kind: str | None = None) -> None:
        """Load the model folder at ``path``; ``kind`` None (the folder's own), 'lstm' or 'markov'.

        Raises WrongType / InvalidArgument for bad arguments, ModelError for a folder that is no model.
        """
        start = time.perf_counter()
        path = validate.path("path", path)
        if kind is not None:
            validate.choice("kind", kind, modeldir.KINDS)
        try:
            model, meta = modeldir.load_engine(path, kind)
        except OSError as err:  # a folder the system cannot look into (name too long, no permission)
            raise ModelError(f"cannot read model folder {validate.shown(str(path))} ({err.strerror}); pass another") from None
        index = RhymeIndex.load(path / modeldir.WORDS)
        corpus = modeldir.read_corpus(path, meta["corpus_sha256"])
        name = model.kind if path == modeldir.DEFAULT_DIR else f"{model.kind}:{path}"
        super().__init__(model, index, CopyChecker(corpus), name, modeldir.read_word_model(path),
                         modeldir.read_discriminator(path))
        self.path, self.metadata = path, meta
        self.load_seconds = time.perf_counter() - start

    def couplet(self, seed_word: str | None = None, **options) -> Verse:
        """Two lines: the first ends in ``seed_word``, the second in a rhyme of it.

        Takes ``verse``'s options and raises what it raises.
        """
        return self.verse("couplet", seed_word, **options)

    def rhymes(self, word: str, near: bool = False) -> list[str]:
        """Words of this model's corpus that rhyme with ``word``, most frequent first.

        Raises WrongType for a non-string word or non-bool ``near``, LexiconError for an unusable word.
        """
        from rhymer.lexicon import normalize_word

        found = self.index.rhymes(normalize_word(word), near=validate.boolean("near", near))
        return sorted(found, key=lambda w: (-found[w], w))


def reply(line: str, **options) -> Verse:
    """The line that answers ``line`` (rhymes with it, follows from it), by the shipped default model."""
    return _default().reply(line, **options)


@functools.lru_cache(maxsize=1)
def _default() -> Rhymer:
    return load()


def load(model: str | Path | None = None, kind: str | None = None) -> Rhymer:
    """Load a model: None/'default' (the shipped model), 'lstm', 'markov', or a model directory path.

    ``kind`` ('lstm' or 'markov') picks the engine of a folder that holds both. Raises WrongType for a
    model that is no str or path, InvalidArgument for an unknown or contradicting kind or an empty path,
    ModelError for a folder that is missing or no model.
    """
    if model is not None:
        validate.path("model", model)
    if kind is not None:
        validate.choice("kind", kind, modeldir.KINDS)
    path, resolved_kind = modeldir.resolve(model)
    if kind and resolved_kind and kind != resolved_kind:
        raise InvalidArgument(f"kind '{kind}' contradicts model {validate.shown(str(model))}; drop one of them", "kind")
    return Rhymer(path, kind or resolved_kind)
