"""Fetching corpus text over HTTP(S), with timeouts, retries, a size cap and HTML-to-text."""

from __future__ import annotations

import html.parser
from urllib.parse import urlparse

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from rhymer.corpus import decode
from rhymer.errors import FetchError

MAX_BYTES = 20 * 1024 * 1024
TEXT_TYPES = ("text/", "application/xhtml+xml", "application/xml")


def session(retries: int = 3, backoff: float = 0.5) -> requests.Session:
    """A session that retries connection errors and 429/5xx answers with exponential backoff."""
    s = requests.Session()
    retry = Retry(
        total=retries, backoff_factor=backoff, status_forcelist=(429, 500, 502, 503, 504),
        allowed_methods=("GET",), raise_on_status=False,
    )
    s.mount("http://", HTTPAdapter(max_retries=retry))
    s.mount("https://", HTTPAdapter(max_retries=retry))
    s.max_redirects = 5
    return s


def fetch_bytes(url: str, timeout: float = 20.0, max_bytes: int = MAX_BYTES, retries: int = 3) -> tuple[bytes, str]:
    """GET ``url`` and return (body, content type); refuse non-HTTP(S), non-text and oversized answers."""
    if urlparse(url).scheme not in ("http", "https"):
        raise FetchError(f"'{url}' is not an http(s) URL; pass an address starting with http:// or https://")
    try:
        with session(retries).get(url, timeout=timeout, stream=True) as resp:
            if urlparse(resp.url).scheme not in ("http", "https"):
                raise FetchError(f"'{url}' redirected to a non-http(s) address; fetch the final address yourself")
            if resp.status_code >= 400:
                raise FetchError(f"'{url}' answered HTTP {resp.status_code}; check the address")
            ctype = resp.headers.get("Content-Type", "text/plain").split(";")[0].strip().lower()
            if not ctype.startswith(TEXT_TYPES):
                raise FetchError(f"'{url}' is {ctype}, not text; pass the address of a plain-text or HTML page")
            body = bytearray()
            for chunk in resp.iter_content(65536):
                body += chunk
                if len(body) > max_bytes:
                    raise FetchError(f"'{url}' is larger than {max_bytes} bytes; raise --max-bytes or fetch a smaller file")
            return bytes(body), ctype if ctype else "text/plain"
    except requests.exceptions.TooManyRedirects:
        raise FetchError(f"'{url}' redirects too often; fetch the final address") from None
    except requests.exceptions.RequestException as err:
        reason = type(err).__name__
        raise FetchError(f"cannot reach '{url}' ({reason}); check the address and your connection") from None


def fetch_text(url: str, timeout: float = 20.0, max_bytes: int = MAX_BYTES, retries: int = 3) -> str:
    """Fetch ``url`` as text; HTML pages become plain text with line breaks kept."""
    return body_to_text(*fetch_bytes(url, timeout, max_bytes, retries), url)


def body_to_text(body: bytes, ctype: str, name: str) -> str:
    """Decode a fetched body; HTML (by content type or by its first tag) becomes plain text."""
    text = decode(body, name)
    if "html" in ctype or (ctype == "text/plain" and text.lstrip()[:15].lower().startswith(("<!doctype html", "<html"))):
        text = html_to_text(text)
    return text


class _TextExtractor(html.parser.HTMLParser):
    BREAKS = {"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "blockquote"}
    SKIP = {"script", "style", "noscript", "template", "head"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):  # noqa: ANN001 - HTMLParser's signature
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):  # noqa: ANN001
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BREAKS and tag != "br":
            self.parts.append("\n")

    def handle_data(self, data):  # noqa: ANN001
        if not self.skipping:
            self.parts.append(" ".join(data.split("\n")))


def html_to_text(page: str) -> str:
    """Drop scripts, styles and tags, decode entities; <br> and block ends become line breaks."""
    parser = _TextExtractor()
    parser.feed(page)
    parser.close()
    lines = [" ".join(line.split()) for line in "".join(parser.parts).split("\n")]
    return "\n".join(lines).strip() + "\n"
