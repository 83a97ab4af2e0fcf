"""Corpus recipes: a TOML file listing sources (files or URLs, each with a sha256) to clean and join."""

from __future__ import annotations

import hashlib
import sys
from dataclasses import dataclass
from pathlib import Path

from rhymer.corpus import clean
from rhymer.errors import CorpusError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


@dataclass(frozen=True)
class Source:
    location: str  # a path relative to the recipe, or a URL
    sha256: str | None
    title: str = ""


def load(path: str | Path) -> tuple[list[Source], dict]:
    """Parse a recipe into its sources and its ``[clean]`` options."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CorpusError(f"recipe '{path}' does not exist; pass a TOML recipe such as corpora/default.toml") from None
    except tomllib.TOMLDecodeError as err:
        raise CorpusError(f"recipe '{path}' is not valid TOML ({err}); fix the file") from None
    sources = []
    for i, entry in enumerate(data.get("source", [])):
        location = entry.get("url") or entry.get("path")
        if not location:
            raise CorpusError(f"recipe '{path}': source #{i + 1} has neither 'path' nor 'url'; add one")
        if "path" in entry:
            location = str((path.parent / entry["path"]).resolve())
        sources.append(Source(location, entry.get("sha256"), entry.get("title", "")))
    if not sources:
        raise CorpusError(f"recipe '{path}' lists no [[source]]; add at least one")
    return sources, dict(data.get("clean", {}))


def build(path: str | Path) -> str:
    """Read every source, verify its sha256, clean it and join the texts with blank lines."""
    from rhymer.fetch import body_to_text, fetch_bytes

    sources, options = load(path)
    texts = []
    for src in sources:
        ctype = "text/plain"
        if src.location.startswith(("http://", "https://")):
            raw, ctype = fetch_bytes(src.location)
        else:
            try:
                raw = Path(src.location).read_bytes()
            except OSError:
                raise CorpusError(f"recipe source '{src.location}' cannot be read; fix its path") from None
        digest = hashlib.sha256(raw).hexdigest()
        if src.sha256 and digest != src.sha256:
            raise CorpusError(
                f"source '{src.location}' has sha256 {digest}, the recipe expects {src.sha256}; "
                "check the file or update the recipe"
            )
        texts.append(clean(body_to_text(raw, ctype, src.location), options.get("drop_line_regex")))
    return "\n".join(texts)
