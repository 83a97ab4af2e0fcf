"""Corpus recipes: a TOML file listing sources (files or URLs, each with a sha256) to clean and join."""

from __future__ import annotations

import hashlib
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from rhymer.corpus import clean, head, join
from rhymer.errors import CorpusError
from rhymer.fetch import body_to_text, fetch_bytes

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


SOURCE_FIELDS = ("title", "path", "url", "sha256", "max_characters")
# the fix for a source in another encoding ({} that encoding): a recipe reads UTF-8 and pins each source's sha256
RECIPE_CONVERT = ("convert it to UTF-8 first, with its real encoding (rhymer corpus clean FILE --encoding {0} --out NEW.txt, or corpus fetch "
                  "--encoding {0} for an address) and point the recipe's path and sha256 at the new file")
CLEAN_FIELDS = ("drop_line_regex", "delete_regex")
RECIPE_TABLES = ("source", "clean")  # [[source]] and [clean]: nothing else, so a misspelt [clen] is refused
_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Source:
    location: str  # a resolved path inside the recipe's folder, or an http(s) URL
    sha256: str
    title: str = ""
    max_characters: int | None = None  # keep the cleaned text's poems that fit (caps a source's share)


def load(path: str | Path) -> tuple[list[Source], dict]:
    """Parse a recipe into its sources and its ``[clean]`` options; every field is type-checked.

    A recipe is untrusted: paths must stay inside the recipe's folder, URLs must be http(s), and
    every source must be pinned by its sha256.
    """
    path = Path(path)
    if path.exists() and not path.is_file():
        raise CorpusError(f"recipe '{path}' is not a regular file; pass a TOML recipe file")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CorpusError(f"recipe '{path}' does not exist; pass a TOML recipe such as corpora/default.toml") from None
    except (OSError, UnicodeDecodeError) as err:
        reason = err.strerror if isinstance(err, OSError) and err.strerror else "not UTF-8 text"
        raise CorpusError(f"recipe '{path}' cannot be read ({reason}); pass a TOML recipe file") from None
    except tomllib.TOMLDecodeError as err:
        raise CorpusError(f"recipe '{path}' is not valid TOML ({err}); fix the file") from None
    except RecursionError:  # arrays nested thousands deep
        raise CorpusError(f"recipe '{path}' nests too deeply to be a recipe; fix the file") from None
    _check_fields(path, "the recipe", data, RECIPE_TABLES, tables=True)  # a misspelt [clen] would be ignored
    entries = data.get("source", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise CorpusError(f"recipe '{path}': 'source' must be a list of [[source]] tables; fix the file")
    sources = [_source(path, i, entry) for i, entry in enumerate(entries)]
    if not sources:
        raise CorpusError(f"recipe '{path}' lists no [[source]]; add at least one")
    options = data.get("clean", {})
    if not isinstance(options, dict):
        raise CorpusError(f"recipe '{path}': 'clean' must be a [clean] table; fix the file")
    _check_fields(path, "[clean]", options, CLEAN_FIELDS)
    return sources, dict(options)


def _check_fields(path: Path, where: str, table: dict, known: tuple[str, ...], tables: bool = False) -> None:
    for key, value in table.items():
        if key not in known:
            what, named = ("table", [f"[{k}]" for k in known]) if tables else ("field", list(known))
            raise CorpusError(f"recipe '{path}': {where} has an unknown {what} '{key}'; use {', '.join(named)}")
        if tables:
            continue
        if key == "max_characters":
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise CorpusError(f"recipe '{path}': {where} field 'max_characters' must be a positive integer; fix it")
        elif not isinstance(value, str):
            raise CorpusError(f"recipe '{path}': {where} field '{key}' must be a string, not {type(value).__name__}; fix it")


def _source(path: Path, i: int, entry: dict) -> Source:
    where = f"source #{i + 1}"
    _check_fields(path, where, entry, SOURCE_FIELDS)
    if ("path" in entry) == ("url" in entry):
        raise CorpusError(f"recipe '{path}': {where} needs exactly one of 'path' and 'url'; fix it")
    digest = entry.get("sha256", "").lower()
    if not _SHA256.fullmatch(digest):
        raise CorpusError(f"recipe '{path}': {where} has no valid 'sha256' (64 hex digits); add the source's sha256")
    if "url" in entry:
        url = entry["url"]
        if not url.lower().startswith(("http://", "https://")):
            raise CorpusError(f"recipe '{path}': {where} url '{url}' is not http(s); use 'path' for a file beside the recipe")
        return Source(url, digest, entry.get("title", ""), entry.get("max_characters"))
    folder = path.parent.resolve()
    if "\0" in entry["path"]:
        raise CorpusError(f"recipe '{path}': {where} path holds a NUL character, which no file name can; fix it")
    location = (folder / entry["path"]).resolve()
    if Path(entry["path"]).is_absolute() or not location.is_relative_to(folder):
        raise CorpusError(
            f"recipe '{path}': {where} path '{entry['path']}' is outside the recipe's folder; "
            "copy the file beside the recipe and give a relative path"
        )
    return Source(str(location), digest, entry.get("title", ""), entry.get("max_characters"))


def build(path: str | Path) -> str:
    """Read every source, verify its sha256, clean it and join the texts (corpus.join: blank lines between)."""
    sources, options = load(path)
    texts = []
    for src in sources:
        ctype = "text/plain"
        if src.location.lower().startswith(("http://", "https://")):
            raw, ctype = fetch_bytes(src.location)
        else:
            try:
                if not Path(src.location).is_file():  # a folder or a FIFO (which would block for ever)
                    raise FileNotFoundError(src.location)
                raw = Path(src.location).read_bytes()
            except OSError:  # missing, not a regular file, no permission
                raise CorpusError(f"recipe source '{src.location}' cannot be read; fix its path") from None
        digest = hashlib.sha256(raw).hexdigest()
        if digest != src.sha256:
            raise CorpusError(
                f"source '{src.location}' has sha256 {digest}, the recipe expects {src.sha256}; "
                "check the file or update the recipe"
            )
        text = clean(body_to_text(raw, ctype, src.location, convert=RECIPE_CONVERT), options.get("drop_line_regex"),
                     options.get("delete_regex"))
        texts.append(head(text, src.max_characters) if src.max_characters else text)
    joined = join(texts)
    if not joined.strip():  # as `corpus clean` refuses it: no training text, whatever its sources held
        raise CorpusError(f"nothing is left of recipe '{path}' once its sources are cleaned and cut; check its "
                          "delete_regex, drop_line_regex and max_characters")
    return joined
