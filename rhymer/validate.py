"""Argument checks for the public API, in one place: each returns the value as a plain Python type or
raises ``WrongType`` (a TypeError) / ``InvalidArgument`` (a ValueError, or the family's subclass given as
``error``), with a one-line message that names the parameter and the fix."""

from __future__ import annotations

import difflib
import functools
import inspect
import math
import numbers
import os
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import numpy as np

from rhymer.errors import InvalidArgument, WrongType

MAX_SHOWN = 40  # characters of a bad value quoted in a message
F = TypeVar("F", bound=Callable)
C = TypeVar("C", bound=type)


def shown(value: object) -> str:
    """A short, one-line rendering of a user's value for an error message."""
    try:
        text = repr(value)
    except ValueError:  # an int too long to print
        return f"a {type(value).__name__} too large to show"
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 3] + "..."


def _wrong(name: str, value: object, what: str) -> WrongType:
    return WrongType(f"{name} must be {what}, not {type(value).__name__} {shown(value)}", name)


def boolean(name: str, value: object) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise _wrong(name, value, "True or False")
    return bool(value)


def text(name: str, value: object, *, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise _wrong(name, value, "a string or None" if optional else "a string")
    return _encodable(name, value)


def _encodable(name: str, value: str) -> str:
    """``value`` if it is whole text: a lone surrogate (half an emoji, as a cut-off JSON payload or a command line
    in another encoding leaves it) is refused here, not met as a UnicodeEncodeError deep inside."""
    if not is_whole(value):
        raise InvalidArgument(f"{name} {shown(value)} holds half a character (a lone surrogate); pass whole text, "
                              "decoded as UTF-8", name)
    return value


def is_whole(text: str) -> bool:
    """Whether ``text`` holds no lone surrogate (it can be written as UTF-8)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def texts(name: str, value: object) -> list[str]:
    """Strings given as a list, tuple or other iterable (never one bare string, which would be its characters)."""
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        raise _wrong(name, value, "a list (or other iterable) of strings")
    items = list(value)
    for item in items:
        if not isinstance(item, str):
            raise _wrong(name, item, "a list (or other iterable) of strings only")
        _encodable(name, item)
    return items


def options(given: dict, taker: Callable, kinds: tuple = (inspect.Parameter.KEYWORD_ONLY,)) -> dict:
    """``given`` (the options a method passes on to ``taker``) if ``taker`` takes each as a keyword-only argument
    (or of ``kinds``): a misspelt one ("temprature") is a WrongType naming it and the closest option, not Python's
    own TypeError, which is no RhymerError (``keywords`` checks a method's own).

    >>> def verse(*, temperature=0.6, seed=None): ...
    >>> options({"temprature": 0.7}, verse)
    Traceback (most recent call last):
    rhymer.errors.WrongType: there is no option 'temprature'; did you mean 'temperature'?
    """
    taken = _names(getattr(taker, "__func__", taker), kinds)
    for name in given:
        if name not in taken:
            close = difflib.get_close_matches(name, taken, 1)
            fix = f"did you mean {close[0]!r}?" if close else "pass one of " + ", ".join(taken)
            raise WrongType(f"there is no option {shown(name)}; {fix}", name)
    return given


@functools.lru_cache(maxsize=64)
def _names(function: Callable, kinds: tuple) -> list[str]:
    """The names of ``function``'s parameters of ``kinds`` ("self" aside), read once per function: the check runs
    on every couplet."""
    return [p.name for p in inspect.signature(function).parameters.values() if p.kind in kinds and p.name != "self"]


def keywords(method: F) -> F:
    """``method`` checking its keywords first (``options``): a misspelt one is a WrongType, not a TypeError
    raised before the method runs."""

    named = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)

    @functools.wraps(method)
    def checked(*args, **kwargs):
        return method(*args, **options(kwargs, method, named))

    return checked  # type: ignore[return-value]


def keyword_init(cls: C) -> C:
    """A class (a dataclass of settings) whose constructor checks its keywords as ``keywords`` does:
    ``Rules(min_word=1)`` is a WrongType suggesting min_words, not Python's own TypeError."""
    cls.__init__ = keywords(cls.__init__)
    return cls


def path(name: str, value: object) -> Path:
    """A file system path given as a str or os.PathLike; an empty one is refused."""
    if not isinstance(value, (str, os.PathLike)) or isinstance(os.fspath(value), bytes):
        raise _wrong(name, value, "a str or pathlib.Path")
    if not os.fspath(value) or "\0" in os.fspath(value):
        raise InvalidArgument(f"{name} {shown(value)} is not a usable path; pass a folder's path", name)
    return Path(value)


def integer(name: str, value: object, low: int, high: int | None = None, *, error: type = InvalidArgument) -> int:
    """An int (numpy ints too, never a bool or a float) in low..high."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise _wrong(name, value, "an integer")
    value = int(value)
    if value < low or (high is not None and value > high):
        allowed = f"{low} to {high}" if high is not None else f"an integer >= {low}"
        raise error(f"{name} {shown(value)} is out of range; pass {allowed}", name)
    return value


def number(name: str, value: object, low: float, high: float, *, error: type = InvalidArgument) -> float:
    """A finite real number (int or float, never a bool) in low..high."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise _wrong(name, value, "a number")
    try:
        converted = float(value)
    except OverflowError:  # an int beyond any float
        converted = math.inf
    if not math.isfinite(converted) or not low <= converted <= high:
        raise error(f"{name} {shown(value)} is out of range; pass a value between {low} and {high}", name)
    return converted


def choice(name: str, value: object, options: tuple | dict, *, error: type = InvalidArgument) -> str:
    """One of a few allowed strings."""
    if not isinstance(value, str):
        raise _wrong(name, value, f"one of {', '.join(options)}")
    if value not in options:
        raise error(f"unknown {name} {shown(value)}; pass one of {', '.join(options)}", name)
    return value


def instance(name: str, value: object, cls: type, default: object = None) -> object:
    """An instance of ``cls``; None gives ``default`` when one is given."""
    if value is None and default is not None:
        return default
    if not isinstance(value, cls):
        raise _wrong(name, value, f"a {cls.__name__}" + (" or None" if default is not None else ""))
    return value
