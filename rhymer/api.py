"""The library's entry points for bots: ``rhymer.load()`` gives a ``Rhymer`` (rhymer.verse) that writes
couplets and verses; ``rhymer.reply()`` answers a line with the shipped model."""

from __future__ import annotations

import functools
from pathlib import Path

from rhymer import modeldir, validate
from rhymer.errors import InvalidArgument
from rhymer.verse import Rhymer, Verse


def reply(line: str, **options) -> Verse:
    """The line that answers ``line`` (rhymes with it, follows from it), by the shipped default model."""
    return _default().reply(line, **options)


@functools.lru_cache(maxsize=1)
def _default() -> Rhymer:
    return load()


@validate.keywords
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
