"""Fetching corpus text over HTTP(S), with one deadline per address, retries, a size cap and HTML-to-text.

requests is imported on the first fetch: the command line reads this module's defaults at start-up.
"""

from __future__ import annotations

import html.parser
import threading
import time
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from rhymer.corpus import codec_name, decode, looks_html
from rhymer.errors import FetchError, RhymerError
from rhymer.validate import shown

if TYPE_CHECKING:
    import requests

MAX_BYTES = 20 * 1024 * 1024
DEFAULT_TIMEOUT = 30.0  # seconds per address: every try, backoff and the download together
DEFAULT_RETRIES = 3  # further tries of an address after a failed request
MAX_TIMEOUT = 24 * 3600.0  # a day; sockets refuse much larger timeouts
MAX_URL_CHARS = 2000  # longer than any address a server takes, short enough to quote in a one-line error
LATE_GRACE = 0.5  # seconds past the deadline a fetch may take to report its own error before it is called late
BACKOFF = 0.5  # seconds before the first retry, doubled after each
RETRY_STATUSES = (429, 500, 502, 503, 504)
MAX_REDIRECTS = 5
TEXT_TYPES = ("text/", "application/xhtml+xml", "application/xml")


def _check_settings(url: str, timeout: float, max_bytes: int, retries: int) -> None:
    if not isinstance(url, str) or not url.isprintable() or len(url) > MAX_URL_CHARS:  # every message quotes it
        raise FetchError(f"url {shown(url)} is not one line of at most {MAX_URL_CHARS} printable characters; "
                         "check the address")
    try:
        scheme = urlparse(url).scheme
    except ValueError as err:
        raise FetchError(f"'{url}' is not a valid URL ({err}); check the address") from None
    if scheme not in ("http", "https"):
        raise FetchError(f"'{url}' is not an http(s) URL; pass an address starting with http:// or https://")
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout <= MAX_TIMEOUT:
        raise FetchError(f"timeout {timeout!r} must be a number of seconds above 0 and at most {MAX_TIMEOUT:g}; "
                         f"pass e.g. --timeout {DEFAULT_TIMEOUT:g}")
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 1:
        raise FetchError(f"max bytes {max_bytes!r} must be a positive whole number; pass e.g. --max-bytes {MAX_BYTES}")
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
        raise FetchError(f"retries {retries!r} must be a whole number of 0 or more; pass e.g. --retries {DEFAULT_RETRIES}")


def fetch_bytes(url: str, timeout: float = DEFAULT_TIMEOUT, max_bytes: int = MAX_BYTES,
                retries: int = DEFAULT_RETRIES) -> tuple[bytes, str]:
    """GET ``url`` and return (body, content type); refuse non-HTTP(S), non-text and oversized answers.

    ``timeout`` bounds the whole fetch of the address (connecting, every retry and its backoff, and
    the download), so neither an unanswering host nor a server dripping bytes can hang the caller.
    Connection failures and 429/5xx answers are retried with exponential backoff while time is left.
    """
    _check_settings(url, timeout, max_bytes, retries)
    deadline = time.monotonic() + timeout
    done: dict = {}
    worker = threading.Thread(target=_fetch_into, args=(done, url, timeout, deadline, max_bytes, retries), daemon=True)
    worker.start()
    # requests' timeout bounds each read, so a server dripping its headers a byte at a time outlasts it: the
    # deadline is kept here, and a fetch still waiting is left to its (daemon) thread
    worker.join(max(deadline - time.monotonic(), 0.0) + LATE_GRACE)
    if worker.is_alive():
        raise _late(url, timeout)
    if "error" in done:
        raise done["error"]
    return done["value"]


def _fetch_into(done: dict, url: str, timeout: float, deadline: float, max_bytes: int, retries: int) -> None:
    """``_fetch``'s value or error into ``done``: it runs in a thread of its own."""
    try:
        done["value"] = _fetch(url, timeout, deadline, max_bytes, retries)
    except BaseException as err:  # noqa: BLE001 - handed to the caller's thread as it is
        done["error"] = err


def _fetch(url: str, timeout: float, deadline: float, max_bytes: int, retries: int) -> tuple[bytes, str]:
    import requests

    attempt = 0
    with requests.Session() as s:
        s.max_redirects = MAX_REDIRECTS
        while True:
            try:
                with s.get(url, timeout=_remaining(url, timeout, deadline), stream=True) as resp:
                    if resp.status_code in RETRY_STATUSES and _backoff(attempt, retries, deadline):
                        attempt += 1
                        continue
                    return _read(url, resp, timeout, deadline, max_bytes)
            except requests.exceptions.TooManyRedirects:
                raise FetchError(f"'{url}' redirects too often; fetch the final address") from None
            except requests.exceptions.Timeout:
                raise _late(url, timeout) from None
            except requests.exceptions.ConnectionError as err:
                if not _backoff(attempt, retries, deadline):
                    raise FetchError(f"cannot reach '{url}' ({type(err).__name__}); check the address and your connection") from None
                attempt += 1
            except requests.exceptions.RequestException as err:
                raise FetchError(f"cannot fetch '{url}' ({type(err).__name__}); check the address") from None
            except ValueError as err:  # urllib3's own (LocationParseError), for an address or a redirect it cannot parse
                if isinstance(err, RhymerError):
                    raise
                raise FetchError(f"cannot fetch '{url}': it or an address it redirects to is malformed ({type(err).__name__}); check the address") from None


def _backoff(attempt: int, retries: int, deadline: float) -> bool:
    """Wait before retry number ``attempt + 1``; False when no retry or no time for it is left."""
    pause = BACKOFF * 2 ** attempt
    if attempt >= retries or time.monotonic() + pause >= deadline:
        return False
    time.sleep(pause)
    return True


def _remaining(url: str, timeout: float, deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise _late(url, timeout)
    return left


def _late(url: str, timeout: float) -> FetchError:
    return FetchError(f"'{url}' did not finish within {timeout:g} s; raise --timeout or try again later")


def _read(url: str, resp: requests.Response, timeout: float, deadline: float, max_bytes: int) -> tuple[bytes, str]:
    """Read the body as it arrives (one socket read at a time), checking the deadline and size cap."""
    import urllib3

    if urlparse(resp.url).scheme not in ("http", "https"):
        raise FetchError(f"'{url}' redirected to a non-http(s) address; fetch the final address yourself")
    if resp.status_code >= 400:
        raise FetchError(f"'{url}' answered HTTP {resp.status_code}; check the address")
    ctype = resp.headers.get("Content-Type", "text/plain").split(";")[0].strip().lower()
    if not ctype.startswith(TEXT_TYPES):
        raise FetchError(f"'{url}' is {ctype}, not text; pass the address of a plain-text or HTML page")
    packed = [c.strip() for c in resp.headers.get("Content-Encoding", "").lower().split(",") if c.strip() not in ("", "identity")]
    unknown = [c for c in packed if c not in urllib3.response.HTTPResponse.CONTENT_DECODERS]
    if unknown:  # (read as it is, the packed bytes were saved as the text)
        raise FetchError(f"'{url}' is sent packed as {unknown[0][:20]!r}, which rhymer cannot unpack; fetch it with another "
                         "tool and pass the file")
    body = bytearray()
    try:
        while chunk := resp.raw.read1(65536, decode_content=True):
            body += chunk
            if len(body) > max_bytes:
                raise FetchError(f"'{url}' is larger than {max_bytes} bytes; raise --max-bytes or fetch a smaller file")
            _remaining(url, timeout, deadline)
    except urllib3.exceptions.ReadTimeoutError:
        raise _late(url, timeout) from None
    except urllib3.exceptions.DecodeError:  # (packed more often than urllib3 unpacks, or damaged: a retry cannot help)
        raise FetchError(f"'{url}' cannot be unpacked as its Content-Encoding says; fetch it with another tool and pass "
                         "the file") from None
    except (urllib3.exceptions.HTTPError, OSError) as err:
        raise FetchError(f"'{url}' broke off mid-download ({type(err).__name__}); try again") from None
    return bytes(body), ctype if ctype else "text/plain"


def fetch_text(url: str, timeout: float = DEFAULT_TIMEOUT, max_bytes: int = MAX_BYTES, retries: int = DEFAULT_RETRIES,
               encoding: str = "utf-8") -> str:
    """Fetch ``url`` as text in ``encoding`` (an unknown one is refused before anything is downloaded); HTML pages
    become plain text with line breaks kept."""
    codec_name(encoding)
    return body_to_text(*fetch_bytes(url, timeout, max_bytes, retries), url, encoding)


def body_to_text(body: bytes, ctype: str, name: str, encoding: str = "utf-8", convert: str | None = None) -> str:
    """Decode a fetched body; HTML (by content type or by its first tag) becomes plain text. ``convert``: the fix
    to name for another encoding where the caller has no ``--encoding`` (see ``corpus.decode``)."""
    text = decode(body, name, encoding, convert)
    if "html" in ctype or (ctype == "text/plain" and looks_html(text)):
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
