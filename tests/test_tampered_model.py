"""A model folder is untrusted input: every tampered copy of the shipped model gets one ModelError.

Each case tampers with a fresh copy of ``rhymer/models/default``; loading it, writing a couplet
with it from the CLI and exporting it as a site must each refuse it with one line naming the file,
never hang, and never write a site.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import tempfile
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rhymer
from rhymer import modeldir
from rhymer.errors import ModelError

DEFAULT = modeldir.DEFAULT_DIR
MANIFEST = json.loads((DEFAULT / "manifest.json").read_text())
KERNEL0 = "rnnlm/multi_rnn_cell/cell_0/basic_lstm_cell/kernel"
BIN = MANIFEST[KERNEL0]["filename"]
CLI_TIMEOUT = 120  # seconds: far above a normal run, far below "for ever"


@pytest.fixture
def model(tmp_path: Path) -> Path:
    copy = tmp_path / "model"
    shutil.copytree(DEFAULT, copy)
    return copy


# -- tampering helpers: each replaces a file (a new inode), so the shipped model is never touched --

def _replace(path: Path, data: bytes | str) -> None:
    path.unlink()
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)


def _edit_json(name: str, edit):
    def tamper(folder: Path) -> None:
        data = json.loads((folder / name).read_text(encoding="utf-8"))
        edit(data)
        _replace(folder / name, json.dumps(data))
    return tamper


def _edit_bytes(name: str, old: str, new: str):
    """A textual edit of a big file's first occurrence of ``old`` (cheaper than re-dumping 4 MB)."""
    def tamper(folder: Path) -> None:
        text = (folder / name).read_text(encoding="utf-8")
        assert old in text
        _replace(folder / name, text.replace(old, new, 1))
    return tamper


def _manifest(edit):
    return _edit_json("manifest.json", lambda m: edit(m[KERNEL0]))


def _fifo(folder: Path) -> None:
    (folder / BIN).unlink()
    os.mkfifo(folder / BIN)


def _folder(name: str):
    """A folder where a file should be (os.open accepts one; reading it was a traceback)."""
    def tamper(folder: Path) -> None:
        (folder / name).unlink()
        (folder / name).mkdir()
    return tamper


def _link(target):
    def tamper(folder: Path) -> None:
        (folder / BIN).unlink()
        (folder / BIN).symlink_to(target(folder) if callable(target) else target)
    return tamper


def _outside_copy(folder: Path) -> Path:
    """A file of the right size outside the folder: what a hostile link would publish."""
    outside = folder.parent / "outside-secret.bin"
    shutil.copy(DEFAULT / BIN, outside)
    return outside


def _shuffle_vocab(data: dict) -> None:
    chars = sorted(data, key=data.get)
    data.clear()
    data.update({c: i for i, c in enumerate(chars[1:] + chars[:1])})


def _gzip_bomb(size: int = 200 * 1024 * 1024):
    """``size`` bytes of zeros packed into about size/1000 bytes, written in chunks (never held whole)."""
    def tamper(folder: Path) -> None:
        packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        chunk = bytes(1024 * 1024)
        (folder / "corpus.txt.gz").unlink()
        with open(folder / "corpus.txt.gz", "wb") as fh:
            for _ in range(size // len(chunk)):
                fh.write(packer.compress(chunk))
            fh.write(packer.flush())
    return tamper


# (case id, tamper, the file the error must name, load kind: None = the folder's own, "markov")
CASES = [
    ("fifo-bin", _fifo, BIN, None),
    ("bin-to-dev-zero", _link("/dev/zero"), BIN, None),
    ("words-a-folder", _folder("words.json"), "words.json", None),
    ("reader-a-folder", _folder("reader.json"), "reader.json", None),
    ("bin-links-out", _link(_outside_copy), BIN, None),
    ("filename-dotdot", _manifest(lambda e: e.update(filename="../" + BIN)), "manifest.json", None),
    ("filename-absolute", _manifest(lambda e: e.update(filename=str(DEFAULT / BIN))), "manifest.json", None),
    ("filename-subfolder", _manifest(lambda e: e.update(filename="sub/" + BIN)), "manifest.json", None),
    ("bin-truncated", lambda f: _replace(f / BIN, (DEFAULT / BIN).read_bytes()[:-4]), BIN, None),
    ("bin-too-long", lambda f: _replace(f / BIN, (DEFAULT / BIN).read_bytes() + b"\0" * 4), BIN, None),
    ("shape-overflow", _manifest(lambda e: e.update(shape=[2**62 + 21, 4])), "manifest.json", None),
    ("shape-empty", _manifest(lambda e: e.update(shape=[])), "manifest.json", None),
    ("shape-rank-3", _manifest(lambda e: e.update(shape=[1, *e["shape"]])), "manifest.json", None),
    ("shape-float", _manifest(lambda e: e.update(shape=[340.0, 1024])), "manifest.json", None),
    ("shape-negative", _manifest(lambda e: e.update(shape=[-340, -1024])), "manifest.json", None),
    ("vocab-nested-bomb", lambda f: _replace(f / "vocab.json", "[" * 100_000), "vocab.json", None),
    ("words-nested-bomb", lambda f: _replace(f / "words.json", "[" * 100_000 + "]" * 100_000), "words.json", None),
    ("metadata-huge", lambda f: _replace(f / "rhymer.json", (f / "rhymer.json").read_text() + " " * 2_000_000), "rhymer.json", None),
    ("metadata-version-999", _edit_json("rhymer.json", lambda m: m.update(version=999)), "rhymer.json", None),
    ("metadata-no-version", _edit_json("rhymer.json", lambda m: m.pop("version")), "rhymer.json", None),
    ("words-version-999", _edit_bytes("words.json", '"version":1', '"version":999'), "words.json", None),
    ("markov-version-999", _edit_bytes("markov.json", '"version":1', '"version":999'), "markov.json", "markov"),
    ("vocab-shuffled", _edit_json("vocab.json", _shuffle_vocab), "vocab.json", None),
    ("metadata-vocab-shuffled", _edit_json("rhymer.json", lambda m: m["vocab"].reverse()), "vocab.json", None),
    ("markov-negative-count", _edit_bytes("markov.json", ",[1]]", ",[-1]]"), "markov.json", "markov"),
    ("markov-order-0", _edit_bytes("markov.json", '"order":5', '"order":0'), "markov.json", "markov"),
    ("markov-order-huge", _edit_bytes("markov.json", '"order":5', '"order":1000000'), "markov.json", "markov"),
    ("markov-discount-nan", _edit_bytes("markov.json", '"discounts":[', '"discounts":[NaN,'), "markov.json", "markov"),
    ("markov-discount-above-1", _edit_bytes("markov.json", '"discounts":[0.', '"discounts":[1.'), "markov.json", "markov"),
    ("markov-vocab-shuffled", _edit_bytes("markov.json", '"vocab":["\\n"," "', '"vocab":[" ","\\n"'), "markov.json", "markov"),
    ("words-entry-malformed", _edit_bytes("words.json", '"a":[2228,6]', '"a":[2228]'), "words.json", None),
    ("words-pron-malformed", _edit_bytes("words.json", '"night":[[', '"night":[7,['), "words.json", None),
    ("words-count-huge", _edit_bytes("words.json", '"a":[2228,6]', '"a":[2228' + "0" * 400 + ',6]'), "words.json", None),
    ("ngrams-order-huge", _edit_bytes("ngrams.json", '"order":3', '"order":3000'), "ngrams.json", None),
    ("ngrams-order-infinite", _edit_bytes("ngrams.json", '"order":3', '"order":Infinity'), "ngrams.json", None),
    ("ngrams-count-infinite", _edit_bytes("ngrams.json", '],[5132,', '],[Infinity,'), "ngrams.json", None),
    ("ngrams-discount-zero", _edit_json("ngrams.json", lambda m: m["discounts"].__setitem__(0, 0.0)), "ngrams.json", None),
    ("words-key-escape-codes", _edit_bytes("words.json", '"a":[2228,6]', '"\\u001b]0;pwned\\u0007a":[2228,6]'), "words.json", None),
    ("ngrams-discount-huge", _edit_bytes("ngrams.json", '"discounts":[', '"discounts":[1' + "0" * 400 + ','), "ngrams.json", None),
    ("corpus-gzip-bomb", _gzip_bomb(), "corpus.txt.gz", None),
    ("corpus-not-gzip", lambda f: _replace(f / "corpus.txt.gz", b"plain text"), "corpus.txt.gz", None),
    ("corpus-swapped", lambda f: _replace(f / "corpus.txt.gz", gzip.compress(b"another corpus\n")), "corpus.txt.gz", None),
    ("metadata-parent-a-string", _edit_json("rhymer.json", lambda m: m.update(parent="runs/x")), "rhymer.json", None),
    ("direction-missing", _edit_json("rhymer.json", lambda m: m.pop("direction")), "rhymer.json", None),
    ("direction-forward", _edit_json("rhymer.json", lambda m: m.update(direction="forward")), "rhymer.json", None),
    ("reader-bias-infinite", _edit_json("reader.json", lambda m: m.update(bias=float("inf"))), "reader.json", None),
    ("discriminator-weights-cut", _edit_json("discriminator.json", lambda m: m.update(weights=m["weights"][:-8])),
     "discriminator.json", None),
]


@pytest.mark.timeout(300)
@pytest.mark.parametrize("tamper, names, kind", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_tampered_folder_is_refused_by_load_couplet_and_export(cli, model, tmp_path, tamper, names, kind):
    tamper(model)
    spec = str(model / "markov.json") if kind == "markov" else str(model)
    site = tmp_path / "site"
    with ThreadPoolExecutor(2) as pool:  # the two commands run while the library is tried here
        runs = [pool.submit(cli, *args, timeout=CLI_TIMEOUT) for args in (
            ("couplet", "-m", spec, "-w", "night", "--seed", "1"), ("export", str(model), "--web", str(site)))]
        with pytest.raises(ModelError, match=names.replace(".", r"\.")) as refused:
            rhymer.load(model, kind)
        assert "\n" not in str(refused.value)
        done_runs = [run.result() for run in runs]
    for done in done_runs:
        assert done.returncode == 2, done.stderr
        assert done.stdout == ""
        assert done.stderr.startswith("error: ") and done.stderr.count("\n") == 1, done.stderr
        assert names in done.stderr
    assert not site.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) in (["model"], ["model", "outside-secret.bin"])


def test_a_forged_gzip_size_still_cannot_unpack_a_bomb(model):
    """The gzip trailer's size is only a hint: the unpacking itself stops at the limit."""
    _gzip_bomb(modeldir.MAX_CORPUS_BYTES + 1024 * 1024)(model)
    data = bytearray((model / "corpus.txt.gz").read_bytes())
    data[-4:] = (1000).to_bytes(4, "little")
    _replace(model / "corpus.txt.gz", bytes(data))
    with pytest.raises(ModelError, match="corpus.txt.gz' unpacks to more than"):
        rhymer.load(model)


def test_links_inside_the_folder_are_followed(model):
    """Only links that leave the folder are refused: a link to a sibling file is an ordinary model."""
    (model / BIN).rename(model / "kernel-data")
    (model / BIN).symlink_to("kernel-data")
    assert rhymer.load(model).model.hidden == MANIFEST[KERNEL0]["shape"][1] // 4


def test_weights_too_large_for_float32_are_refused(model, cli, tmp_path):
    """Finite weights whose logits overflow to NaN (which export's ``max`` passed over) are refused by load,
    couplet and export alike; a couplet wrote garbage and blamed --min-words."""
    import numpy as np

    name = next(k for k in MANIFEST if k.endswith("softmax_w"))
    weights = np.full(MANIFEST[name]["shape"], 3e38, dtype="<f4")
    weights[::2] *= -1
    _replace(model / MANIFEST[name]["filename"], weights.tobytes())
    with pytest.raises(ModelError, match="not finite numbers"):
        rhymer.load(model)
    for args in (("export", str(model), "--web", str(tmp_path / "site")), ("couplet", "-m", str(model), "-w", "night")):
        done = cli(*args, timeout=CLI_TIMEOUT)
        assert done.returncode == 2 and "not finite numbers" in done.stderr and done.stderr.count("\n") == 1, done.stderr
    assert not (tmp_path / "site").exists()


def test_the_shipped_model_passes_every_check():
    assert modeldir.verify(DEFAULT)["direction"] == "backward"


# -- arbitrary damage: load works or says ModelError, never anything else ---------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=3),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
    max_leaves=6,
)
SMALL_JSON = ["rhymer.json", "manifest.json", "vocab.json"]
ALL_FILES = sorted(p.name for p in DEFAULT.iterdir())


def _replace_somewhere(data, draw):
    """Replace one value at a random depth of a JSON document with an arbitrary JSON value."""
    if isinstance(data, (dict, list)) and data and draw(st.booleans()):
        keys = list(data) if isinstance(data, dict) else list(range(len(data)))
        key = draw(st.sampled_from(keys))
        data[key] = _replace_somewhere(data[key], draw)
        return data
    return draw(JSON_VALUES)


def _load_or_model_error(folder: Path, kind: str | None = None) -> None:
    try:
        rhymer.load(folder, kind)
    except ModelError as err:
        assert "\n" not in str(err)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(SMALL_JSON), data=st.data())
def test_arbitrary_json_values_give_a_model_or_a_model_error(name, data):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "m"
        shutil.copytree(DEFAULT, folder)
        document = json.loads((folder / name).read_text(encoding="utf-8"))
        _replace((folder / name), json.dumps(_replace_somewhere(document, data.draw)))
        _load_or_model_error(folder)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from([n for n in ALL_FILES if n != "markov.json"]), data=st.data())
def test_arbitrary_byte_damage_gives_a_model_or_a_model_error(name, data):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "m"
        shutil.copytree(DEFAULT, folder)
        raw = bytearray((folder / name).read_bytes())
        at = data.draw(st.integers(0, len(raw) - 1))
        if data.draw(st.booleans()):
            raw[at] = data.draw(st.integers(0, 255))
        else:
            del raw[at:]
        _replace(folder / name, bytes(raw))
        _load_or_model_error(folder)


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_arbitrary_markov_damage_gives_a_model_or_a_model_error(data):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "m"
        shutil.copytree(DEFAULT, folder)
        document = json.loads((folder / "markov.json").read_text(encoding="utf-8"))
        field = data.draw(st.sampled_from(["version", "order", "vocab", "discounts"]))
        document[field] = _replace_somewhere(document[field], data.draw)
        table = document["tables"][data.draw(st.integers(0, len(document["tables"]) - 1))]
        context = data.draw(st.sampled_from(sorted(table)[:50]))
        table[context] = _replace_somewhere(table[context], data.draw)
        _replace(folder / "markov.json", json.dumps(document))
        _load_or_model_error(folder, "markov")
