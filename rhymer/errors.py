"""One exception family, so bots can catch everything rhymer raises with a single ``except``.

Bad arguments to a public function raise ``InvalidArgument`` (also a ``ValueError``) or ``WrongType``
(also a ``TypeError``); both name the parameter in ``.parameter`` and in the message. A bad word is a
``LexiconError`` and a bad generation setting a ``GenerationError``, both kinds of ``InvalidArgument``.
"""

from __future__ import annotations


class RhymerError(Exception):
    """Base class: the message names the problem and the fix, in one line. ``parameter`` names the argument
    at fault where one is (mostly an ``InvalidArgument`` or ``WrongType``; a ``ModelError`` names "model" when no
    model of that name is found), else it is None, so a handler can always read it."""

    def __init__(self, message: str, parameter: str | None = None) -> None:
        super().__init__(one_line(message))
        self.parameter = parameter


def one_line(message: str) -> str:
    """``message`` with what would break its line (a path or address holding a line break) written as escapes.

    >>> print(one_line("'a\\nb' is not a rhymer model"))
    'a\\nb' is not a rhymer model
    """
    return message if message.isprintable() else "".join(c if c.isprintable() else repr(c)[1:-1] for c in message)


class InvalidArgument(RhymerError, ValueError):
    """An argument has the right type but a value rhymer cannot use; ``parameter`` names it (or is None)."""


class WrongType(RhymerError, TypeError):
    """An argument has the wrong type; ``parameter`` names it."""


class CorpusError(RhymerError):
    """The corpus text is missing, empty, binary or undecodable."""


class FetchError(RhymerError):
    """A corpus URL could not be fetched as text."""


class LexiconError(InvalidArgument):
    """A word is unusable as a rhyme word (empty, several words, unknown with --strict...)."""


class ModelError(RhymerError):
    """A model directory or file is missing, malformed or inconsistent."""


class GenerationError(InvalidArgument):
    """Generation was asked for with impossible settings (bad temperature, K, scheme, rules...)."""


class TrainingError(RhymerError):
    """Training cannot start or resume with the given corpus, options or output directory."""


class OutputError(RhymerError):
    """An output path would replace or delete something rhymer did not create (or one of its inputs)."""
