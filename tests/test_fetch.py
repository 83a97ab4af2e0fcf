import pytest

from rhymer.errors import CorpusError, FetchError
from rhymer.fetch import fetch_text, html_to_text

PAGE = b"""<!doctype html><html><head><title>t</title><style>p{color:red}</style>
<script>alert('x')</script></head><body><p>The night is long&nbsp;&amp; dark</p>
<p>Line one<br>Line two &mdash; &quot;quoted&quot;</p></body></html>"""


def test_html_becomes_text_with_line_breaks():
    text = html_to_text(PAGE.decode())
    assert "alert" not in text and "color" not in text
    assert "The night is long & dark" in text  # entities decoded, nbsp becomes a space
    assert "Line one\nLine two \u2014 \"quoted\"" in text


def test_fetch_plain_and_html(http_server):
    http_server.routes["/poem.txt"] = (200, {"Content-Type": "text/plain; charset=utf-8"}, "A line\u2019s end\n".encode())
    http_server.routes["/poem.html"] = (200, {"Content-Type": "text/html"}, PAGE)
    assert fetch_text(http_server.base + "/poem.txt") == "A line\u2019s end\n"
    assert "Line one\nLine two" in fetch_text(http_server.base + "/poem.html")


def test_fetch_retries_server_errors_then_succeeds(http_server):
    http_server.routes["/flaky"] = lambda hit: (503, {}, b"busy") if hit < 3 else (200, {"Content-Type": "text/plain"}, b"ok\n")
    assert fetch_text(http_server.base + "/flaky", retries=3) == "ok\n"
    assert http_server.hits["/flaky"] == 3


def test_fetch_refuses_non_text_oversized_and_errors(http_server):
    http_server.routes["/img"] = (200, {"Content-Type": "image/png"}, b"\x89PNG....")
    http_server.routes["/big"] = (200, {"Content-Type": "text/plain"}, b"x" * 5000)
    with pytest.raises(FetchError, match="image/png, not text"):
        fetch_text(http_server.base + "/img")
    with pytest.raises(FetchError, match="larger than 1000 bytes"):
        fetch_text(http_server.base + "/big", max_bytes=1000)
    with pytest.raises(FetchError, match="HTTP 404"):
        fetch_text(http_server.base + "/missing", retries=0)
    with pytest.raises(FetchError, match="not an http"):
        fetch_text("file:///etc/passwd")


def test_fetch_unpacks_gzip_and_refuses_a_packing_it_cannot_unpack(http_server):
    import gzip

    import urllib3

    text = {"Content-Type": "text/plain"}
    http_server.routes["/gz"] = (200, {**text, "Content-Encoding": "gzip"}, gzip.compress(b"packed\n"))
    http_server.routes["/br"] = (200, {**text, "Content-Encoding": "br"}, b"\x0b\x01\x80hi\n\x03")  # (brotli's "hi")
    packed = b"nested\n"
    for _ in range(50):
        packed = gzip.compress(packed)
    http_server.routes["/deep"] = (200, {**text, "Content-Encoding": ", ".join(["gzip"] * 50)}, packed)
    assert fetch_text(http_server.base + "/gz") == "packed\n"
    if "br" in urllib3.response.HTTPResponse.CONTENT_DECODERS:  # (with Brotli installed, urllib3 unpacks it)
        assert fetch_text(http_server.base + "/br") == "hi\n"
    else:
        with pytest.raises(FetchError, match="packed as 'br', which rhymer cannot unpack"):  # was saved packed, as text
            fetch_text(http_server.base + "/br")
    with pytest.raises(FetchError, match="cannot be unpacked as its Content-Encoding says"):  # was "try again"
        fetch_text(http_server.base + "/deep", retries=0)


def test_fetch_follows_http_redirects_but_not_to_other_schemes(http_server):
    http_server.routes["/old"] = (302, {"Location": "/poem.txt"}, b"")
    http_server.routes["/poem.txt"] = (200, {"Content-Type": "text/plain"}, b"moved\n")
    http_server.routes["/evil"] = (302, {"Location": "file:///etc/passwd"}, b"")
    assert fetch_text(http_server.base + "/old") == "moved\n"
    with pytest.raises(FetchError):
        fetch_text(http_server.base + "/evil")
    http_server.routes["/broken"] = (302, {"Location": "http://a..b/poem.txt"}, b"")  # no host can be parsed
    for url in (http_server.base + "/broken", "http://a..b/"):
        with pytest.raises(FetchError, match="malformed"):
            fetch_text(url, retries=0)


def test_unreachable_address_is_one_clear_error(cli, tmp_path):
    out = tmp_path / "out.txt"
    result = cli("corpus", "fetch", "http://127.0.0.1:9/nothing", "--out", str(out), "--retries", "0", "--timeout", "2")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: cannot reach")
    assert "Traceback" not in result.stderr and not out.exists()
    for url in ("http://127.0.0.1:9/a\nb", "http://127.0.0.1:9/" + "a" * 70_000):  # every message quotes the address
        odd = cli("corpus", "fetch", url, "--out", str(out))
        assert odd.returncode == 2 and odd.stderr.count("\n") == 1 and len(odd.stderr) < 200, odd.stderr[:300]
    # an unknown encoding is refused before anything is fetched: not "cannot reach" after the download's wait
    with pytest.raises(CorpusError, match="unknown encoding 'bogus'"):
        fetch_text("http://127.0.0.1:9/nothing", retries=0, encoding="bogus")


def test_cli_fetch_writes_joined_text(cli, http_server, tmp_path):
    http_server.routes["/a.txt"] = (200, {"Content-Type": "text/plain"}, b"First poem\n")
    http_server.routes["/b.html"] = (200, {"Content-Type": "text/html"}, b"<p>Second<br>poem</p>")
    out = tmp_path / "c.txt"
    result = cli("corpus", "fetch", http_server.base + "/a.txt", http_server.base + "/b.html", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert out.read_text() == "First poem\n\nSecond\npoem\n"  # texts stay apart as stanzas


def test_a_server_dripping_its_headers_cannot_outlast_the_timeout():
    """requests' timeout bounds each read: a header byte every 0.2 s would keep it waiting for ever."""
    import socket
    import threading
    import time

    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def drip() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
            while not stop.wait(0.2):
                try:
                    conn.sendall(b"a")
                except OSError:
                    return

    threading.Thread(target=drip, daemon=True).start()
    start = time.monotonic()
    with pytest.raises(FetchError, match="did not finish within 1.5 s"):
        fetch_text(f"http://127.0.0.1:{listener.getsockname()[1]}/poem.txt", timeout=1.5, retries=0)
    assert time.monotonic() - start < 1.5 + 2  # not the 40 s it took
    stop.set()
    listener.close()
