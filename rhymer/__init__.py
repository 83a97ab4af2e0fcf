"""rhymer: rhyming verse written backward from the rhyme word, by a char-LSTM or a Markov baseline.

    >>> import rhymer
    >>> r = rhymer.load()                       # the shipped default model, no TensorFlow
    >>> print(r.couplet("night", seed=7))
    Difference in the ground on all his horrid night
    Within the Winds of Nature from about his hight
    >>> rhymer.rhymes("night")[:5]              # most common first
    ['might', 'light', 'sight', 'bright', 'right']
"""

__version__ = "0.1.0"

from rhymer.api import Rhymer, load, reply  # noqa: E402
from rhymer.errors import (  # noqa: E402
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
from rhymer.lexicon import is_rhyme, rhymes, syllables  # noqa: E402
from rhymer.scoring import Rules, Weights  # noqa: E402
from rhymer.verse import Couplet, Line, Verse  # noqa: E402

__all__ = [
    "load", "reply", "Rhymer", "Verse", "Couplet", "Line", "Weights", "Rules", "rhymes", "is_rhyme", "syllables",
    "RhymerError", "CorpusError", "FetchError", "GenerationError", "LexiconError", "ModelError", "OutputError",
    "TrainingError", "InvalidArgument", "WrongType",
]
