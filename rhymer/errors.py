"""One exception family, so bots can catch everything rhymer raises with a single ``except``."""


class RhymerError(Exception):
    """Base class: the message names the problem and the fix, in one line."""


class CorpusError(RhymerError):
    """The corpus text is missing, empty, binary or undecodable."""


class FetchError(RhymerError):
    """A corpus URL could not be fetched as text."""


class LexiconError(RhymerError):
    """A word is unusable as a rhyme word (empty, several words, unknown with --strict...)."""


class ModelError(RhymerError):
    """A model directory or file is missing, malformed or inconsistent."""


class GenerationError(RhymerError):
    """Generation was asked for with impossible settings (bad temperature, K, scheme...)."""


class TrainingError(RhymerError):
    """Training cannot start or resume with the given corpus, options or output directory."""


class OutputError(RhymerError):
    """An output path would replace or delete something rhymer did not create (or one of its inputs)."""
