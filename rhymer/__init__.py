"""rhymer: rhyming verse written backward from the rhyme word, by a char-LSTM or a Markov baseline.

    >>> import rhymer
    >>> r = rhymer.load()                       # the shipped default model, no TensorFlow
    >>> print(r.couplet("night", seed=7))
    It seemed the greatness of the night,
    And this the seat of God and light.
    >>> rhymer.rhymes("night")[:5]              # most common first
    ['light', 'might', 'white', 'bright', 'right']
"""

from rhymer._version import __version__
from rhymer.api import Rhymer, load, reply
from rhymer.errors import (
    CorpusError,
    FetchError,
    GenerationError,
    InvalidArgument,
    LexiconError,
    ModelError,
    OutputError,
    RhymerError,
    TrainingError,
    WrongType,
)
from rhymer.lexicon import is_rhyme, syllables
from rhymer.rhymepolicy import rhymes
from rhymer.scoring import Rules, Weights
from rhymer.verse import Couplet, Line, Verse

__all__ = [
    "__version__", "load", "reply", "Rhymer", "Verse", "Couplet", "Line", "Weights", "Rules", "rhymes", "is_rhyme", "syllables",
    "RhymerError", "CorpusError", "FetchError", "GenerationError", "LexiconError", "ModelError", "OutputError",
    "TrainingError", "InvalidArgument", "WrongType",
]
