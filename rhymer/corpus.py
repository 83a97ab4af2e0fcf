"""Corpus text: reading it safely, cleaning it, and describing it."""

from __future__ import annotations

import codecs
import functools
import hashlib
import re
import sys
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rhymer.errors import CorpusError
from rhymer.lexicon import in_cmu
from rhymer.words import last_word, tokens

if TYPE_CHECKING:
    import regex

_QUOTES = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
        "\u00ab": '"', "\u00bb": '"',
        "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
        "\t": " ",
    }
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SPACES = re.compile(r" {2,}")
_BLANK_RUNS = re.compile(r"\n{3,}")
_WIDE_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)  # the UTF-32 BOMs start with these too
BINARY_PROBE = 65536  # bytes (or characters) searched for NULs
REGEX_SECONDS = 10.0  # time budget of a user's drop_line_regex (--drop-lines) over a whole text...
REGEX_LINE_SECONDS = 0.5  # ...and over one line (matching a line normally takes microseconds)
DEFAULT_VAL_FRACTION = 0.05  # share of a corpus held out to measure bits per character (split_heldout)


# a saved web page: a doctype or an html tag first, after any XML declaration and comments ("saved from url=")
_HTML_START = re.compile(r"\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*(?:<!doctype\s+html|<html[\s>])", re.I | re.S)
# the most text a corpus file may hold: a model folder keeps its corpus (corpus.txt.gz) and reads back no more, and
# CPU training takes days per 100 MB (the shipped corpus is 0.65 MB)
MAX_CORPUS_BYTES = 128 * 1024 * 1024
# the fix named where a command reads UTF-8 only ({} the encoding to convert from)
CLEAN_FIRST = "convert it to UTF-8 first, with its real encoding: rhymer corpus clean '{name}' --encoding {{}} --out verse.txt"


def read_text(path: str | Path, encoding: str = "utf-8", *, encoding_option: bool = True, html: bool = False) -> str:
    """Read a corpus file; refuse missing, empty, binary or wrongly-encoded files with a clear message. Line
    breaks are read as "\n" whatever the file's (``plain_line_breaks``). A saved web page is refused unless
    ``html`` (the caller converts it: ``corpus clean``). ``encoding_option``: the command has ``--encoding`` to
    suggest (else the fix is ``corpus clean``'s)."""
    path = Path(path)
    try:
        if not path.is_file():
            raise CorpusError(f"corpus file '{path}' does not exist; pass the path of a UTF-8 text file")
        if path.stat().st_size > 4 * MAX_CORPUS_BYTES:  # (before reading it: a 3 GB file is a MemoryError; 4: UTF-32)
            raise _too_large(path, path.stat().st_size)
        raw = path.read_bytes()
    except OSError as err:  # a name over the system's limit, a file that cannot be read
        raise CorpusError(f"corpus file '{str(path)[:200]}' cannot be read ({err.strerror}); pass the path of a UTF-8 "
                          "text file") from None
    convert = None if encoding_option else CLEAN_FIRST.format(name=path)
    text = plain_line_breaks(decode(raw, str(path), encoding, convert))
    if 4 * len(text) > MAX_CORPUS_BYTES and (size := len(text.encode("utf-8"))) > MAX_CORPUS_BYTES:  # what a model keeps
        raise _too_large(path, size)
    if not html and looks_html(text):
        raise CorpusError(f"'{path}' is a web page (HTML), not plain text; convert it first: rhymer corpus clean "
                          f"'{path}' --out verse.txt")
    return text


def _too_large(path: Path, size: int) -> CorpusError:
    return CorpusError(f"corpus file '{path}' holds {size / 2**20:.1f} MB of text, over rhymer's {MAX_CORPUS_BYTES / 2**20:g} "
                       "MB (as UTF-8); pass a part of it (a model folder keeps its corpus)")


def plain_line_breaks(text: str) -> str:
    """``text`` with Windows' and old Macs' line breaks as "\n" ("\r" would enter a model's alphabet)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def looks_html(text: str) -> bool:
    """Whether ``text`` is a web page: a doctype or an html tag first (after an XML declaration or comments).

    >>> looks_html("<!-- saved from url=(0014)about:internet --> <HTML><body>"), looks_html("<htmlish poem")
    (True, False)
    """
    return bool(_HTML_START.match(text[:4096]))


def codec_name(encoding: str) -> str:
    """Python's name for an encoding (a command checks it before anything else); CorpusError for an unknown one.

    >>> codec_name("Latin-1")
    'iso8859-1'
    """
    try:
        return codecs.lookup(encoding).name
    except (LookupError, TypeError, ValueError):
        raise CorpusError(f"unknown encoding '{encoding}'; pass a Python codec name such as utf-8 or latin-1") from None


def decode(raw: bytes, name: str, encoding: str = "utf-8", convert: str | None = None) -> str:
    """Decode corpus bytes (a UTF-8 BOM is dropped); binary data, decoding errors and mojibake are refused.

    Mojibake: bytes that are valid UTF-8 but read as another encoding (``--encoding utf-16`` or
    ``latin-1`` on a UTF-8 file) would decode into garbled text, so that is refused too. ``convert``: the fix
    to name where the command has no ``--encoding`` (a template for the encoding to convert from).
    """
    encoding_option = convert is None
    codec = codec_name(encoding)
    utf8 = codec == "utf-8"
    wide = codec.startswith(("utf-16", "utf-32"))  # NUL bytes are part of these encodings' plain text
    if not wide and b"\x00" in raw[:BINARY_PROBE]:
        fix = "pass --encoding utf-16 or utf-32" if encoding_option else convert.format("utf-16")
        hint = f" (its BOM says UTF-16/32: {fix})" if raw.startswith(_WIDE_BOMS) else ""
        raise CorpusError(f"'{name}' looks binary (it contains NUL bytes){hint}; pass a plain text file")
    try:
        text = raw.decode("utf-8-sig" if utf8 else codec)
    except UnicodeDecodeError as err:
        fix = "drop --encoding: it is UTF-8" if not utf8 and _as_utf8(raw) is not None else \
            "pass --encoding latin-1 (or the file's real encoding), or convert it to UTF-8" if encoding_option else \
            convert.format("latin-1")
        raise CorpusError(
            f"'{name}' is not valid {encoding} (byte 0x{raw[min(err.start, len(raw) - 1)]:02x} at offset {err.start}); {fix}"
        ) from None
    except LookupError:  # a codec that is not a text encoding (e.g. base64 or rot13)
        raise CorpusError(f"'{encoding}' is not a text encoding; pass a Python codec name such as utf-8 or latin-1") from None
    as_utf8 = None if utf8 else _as_utf8(raw)
    if as_utf8 is not None and text != as_utf8:
        raise CorpusError(
            f"'{name}' is UTF-8, and read as {encoding} it becomes garbled text; drop --encoding or pass --encoding utf-8"
        )
    if "\x00" in text[:BINARY_PROBE]:
        raise CorpusError(f"'{name}' looks binary (it decodes to NUL characters as {encoding}); pass a plain text file")
    if not text.strip():
        raise CorpusError(f"'{name}' is empty; pass a file with some verse in it")
    return text


def _as_utf8(raw: bytes) -> str | None:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def require_letters(text: str, name: str) -> None:
    """Refuse a corpus with no letters at all (punctuation or digits only): nothing to learn verse from."""
    if not any(c.isalpha() for c in text):
        raise CorpusError(f"'{name}' holds no letters (only punctuation, digits or spaces); pass a text of verse")


def clean(text: str, drop_line_regex: str | None = None, delete_regex: str | None = None) -> str:
    r"""Normalise Unicode, quotes and dashes, drop [annotations], control and invisible format characters (a web
    page's zero-width spaces and soft hyphens), tidy spacing.

    Idempotent: ``clean(clean(t)) == clean(t)``. Lines matching ``drop_line_regex`` are removed
    (e.g. section markers such as ``#``) and text matching ``delete_regex`` is cut out of every line
    (e.g. a source's markup such as ``i{``); each pattern gets ``REGEX_LINE_SECONDS`` per line and
    ``REGEX_SECONDS`` in all, so a catastrophically backtracking one is refused instead of running for ever.

    >>> clean("i{Come away,}  O human child!\n#\n", drop_line_regex="#+", delete_regex=r"i\{|\}")
    'Come away, O human child!\n'
    >>> clean("Eased her\u200b at last, al\u00adone\ufeff")
    'Eased her at last, alone\n'
    """
    text = _invisible().sub("", _CONTROL.sub("", plain_line_breaks(text)))  # (first: one left between a letter and
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)           # its accent would keep them apart)
    drop = _drop_pattern(drop_line_regex, "drop_line_regex")
    delete = _drop_pattern(delete_regex, "delete_regex")
    deadline = time.monotonic() + REGEX_SECONDS
    lines = []
    for line in text.split("\n"):
        had_words = bool(line.strip())
        if delete:
            line = _timed(delete, deadline, lambda timeout, line=line: delete.sub("", line, timeout=timeout))
        line = _SPACES.sub(" ", _unbracket(line)).strip()
        if (had_words and not line) or (drop and _drops(drop, line, deadline)):
            continue  # the line held only an annotation: drop it rather than leave a blank
        lines.append(line)
    text = _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip("\n")
    return text + "\n" if text else ""


@functools.cache
def _invisible() -> re.Pattern:
    """Unicode's format characters (category Cf: zero-width spaces and joiners, soft hyphens, byte-order and
    direction marks), which would join a model's vocabulary as characters no one sees (0.1 s, built once)."""
    points = [i for i in range(sys.maxunicode + 1) if unicodedata.category(chr(i)) == "Cf"]
    runs = [[points[0], points[0]]]
    for i in points[1:]:  # as ranges: a class of 163 single characters took half of a large corpus's cleaning
        if i == runs[-1][1] + 1:
            runs[-1][1] = i
        else:
            runs.append([i, i])
    return re.compile("[" + "".join(re.escape(chr(a)) + (f"-{re.escape(chr(b))}" if b > a else "") for a, b in runs) + "]")


def _unbracket(line: str) -> str:
    """Cut [annotations] out, nested ones too ("[[Chorus]]"), in one pass (a stack of open brackets, so a
    line of thousands of nested brackets costs no more than any other); unmatched brackets stay.

    >>> _unbracket("[Verse 2: [Someone]] The night is [softly] long] [")
    ' The night is  long] ['
    """
    out: list[str] = []
    opened: list[int] = []  # where each open "[" sits in ``out``
    for ch in line:
        if ch == "]" and opened:
            del out[opened.pop() :]
        else:
            if ch == "[":
                opened.append(len(out))
            out.append(ch)
    return "".join(out)


def _drop_pattern(pattern: str | None, option: str) -> regex.Pattern | None:
    if pattern is None or pattern == "":
        return None
    if not isinstance(pattern, str):
        raise CorpusError(f"the {option} regex must be text, not {type(pattern).__name__}; fix it")
    import regex  # for its time limits; only cleaning with a user's pattern needs it (~15 ms of every import)

    try:
        return regex.compile(pattern)
    except (regex.error, OverflowError, RecursionError, ValueError) as err:
        raise CorpusError(f"{option} '{pattern}' is not a valid regular expression ({err}); fix it") from None


def _drops(pattern: regex.Pattern, line: str, deadline: float) -> bool:
    return _timed(pattern, deadline, lambda timeout: pattern.fullmatch(line, timeout=timeout)) is not None


def _timed(pattern: regex.Pattern, deadline: float, match):
    """Run one regex call on a line within the per-line and whole-text time limits."""
    try:
        return match(min(REGEX_LINE_SECONDS, max(deadline - time.monotonic(), 0.001)))
    except TimeoutError:
        raise CorpusError(
            f"the regex '{pattern.pattern}' takes too long (over {REGEX_LINE_SECONDS:g} s on a line or "
            f"{REGEX_SECONDS:g} s in all; it may backtrack catastrophically); pass a simpler regular expression"
        ) from None


def head(text: str, max_characters: int) -> str:
    r"""The start of a text up to its last poem break (a blank line) within ``max_characters``.

    Caps one source's share of a joined corpus without cutting a poem in half; with no blank line in
    reach it cuts at the last line break.

    >>> head("One line\nanother\n\nA second poem\n", 20)
    'One line\nanother\n'
    """
    if len(text) <= max_characters:
        return text
    cut = text.rfind("\n\n", 0, max_characters + 1)
    cut = cut + 1 if cut >= 0 else text.rfind("\n", 0, max_characters) + 1
    return text[:cut]


def join(texts: list[str]) -> str:
    r"""One corpus from several texts (fetched or built from a recipe): each ends in one line break and a
    blank line separates them, so no poem runs into the next; empty texts are left out.

    >>> join(["a rose\n\n", "\nis a rose", ""])
    'a rose\n\nis a rose\n'
    """
    return "\n".join(t.strip("\n") + "\n" for t in texts if t.strip("\n"))


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class CorpusStats:
    characters: int
    lines: int
    character_vocabulary: int
    word_vocabulary: int
    words: int
    line_final_words: int
    line_final_in_cmu: float  # share of line-final words found in CMU dict


def stats(text: str) -> CorpusStats:
    """Sizes, vocabularies, and how many line-final words CMU dict knows (rhymeable ends)."""
    lines = [line for line in text.split("\n") if line.strip()]
    finals = [w for w in map(last_word, lines) if w]
    all_tokens = tokens(text)
    return CorpusStats(
        characters=len(text),
        lines=len(lines),
        character_vocabulary=len(set(text)),
        word_vocabulary=len(set(all_tokens)),
        words=len(all_tokens),
        line_final_words=len(finals),
        line_final_in_cmu=sum(map(in_cmu, finals)) / len(finals) if finals else 0.0,
    )


def word_counts(text: str) -> tuple[Counter, Counter]:
    """Frequencies of all words and of line-final words."""
    finals = Counter(w for w in map(last_word, text.split("\n")) if w)
    return Counter(tokens(text)), finals


def split_heldout(text: str, fraction: float, block: int = 4096) -> tuple[str, str]:
    """Split text into (training part, held-out part): every n-th block of ~``block`` characters.

    Blocks end at line breaks and are spread over the whole corpus, so the held-out part samples
    every text in it. Every model and the comparison use this same split, so held-out text is never
    trained on.
    """
    if not 0.0 <= fraction < 0.5:
        raise CorpusError(f"held-out fraction {fraction} is out of range; pass a value in [0, 0.5)")
    if fraction == 0.0:
        return text, ""
    period = max(2, round(1 / fraction))
    block = max(64, min(block, len(text) // (4 * period)))  # small corpora still get several held-out blocks
    train, held, start = [], [], 0
    while start < len(text):
        end = text.find("\n", start + block)
        end = len(text) if end < 0 else end + 1
        (held if len(held) < len(train) // (period - 1) else train).append(text[start:end])
        start = end
    if not held:
        raise CorpusError(
            f"the corpus ({len(text)} characters) is too small to hold out {fraction:.0%}; "
            "use more text or pass --val-fraction 0"
        )
    return "".join(train), "".join(held)
