"""The numpy engine computes what Keras (and so ml5) computes; the ml5 reader refuses broken models."""

import json
import re
import shutil

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from rhymer import ml5  # noqa: E402
from rhymer.errors import ModelError  # noqa: E402
from rhymer.lstm import SPLIT_ROWS, LSTMModel  # noqa: E402
from rhymer.train import TrainConfig, build_model, export_weights  # noqa: E402


@pytest.fixture(scope="module")
def trained(tmp_path_factory, small_corpus):
    """A Keras model trained a few steps on real verse, exported to an ml5 directory."""
    text = small_corpus[:20000][::-1]
    vocab = sorted(set(small_corpus))
    ids = np.array([vocab.index(c) for c in text], dtype="int32")
    n = (len(ids) - 1) // 40
    x, y = ids[: n * 40].reshape(n, 40), ids[1 : n * 40 + 1].reshape(n, 40)
    keras.utils.set_random_seed(1)
    model = build_model(keras, len(vocab), TrainConfig(rnn_size=48, embedding_size=16))
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(x, y, epochs=2, batch_size=32, verbose=0)
    out = tmp_path_factory.mktemp("ml5")
    layers, w, b = export_weights(model)
    ml5.write(out, layers, w, b, vocab, tag="t1")
    return model, out, vocab, ids


@pytest.mark.parametrize("rows", [3, SPLIT_ROWS + 7])  # one batch; two halves stepped on two threads
def test_numpy_probabilities_equal_keras(trained, rows):
    model, out, vocab, ids = trained
    engine = LSTMModel.load(out)
    batch = np.stack([ids[start : start + 80] for start in np.linspace(100, len(ids) - 81, rows).astype(int)])
    expected = keras.ops.convert_to_numpy(keras.ops.softmax(model(batch, training=False), axis=-1))
    state = engine.start(len(batch))
    got = []
    for t in range(batch.shape[1]):
        state, logp = engine.feed(state, batch[:, t])
        got.append(np.exp(logp))
    assert np.abs(np.stack(got, axis=1) - expected).max() <= 1e-5


def test_files_follow_the_ml5_naming_rules(trained):
    _, out, vocab, _ = trained
    manifest = json.loads((out / "manifest.json").read_text())
    assert set(manifest) == {
        "rnnlm/multi_rnn_cell/cell_0/basic_lstm_cell/kernel", "rnnlm/multi_rnn_cell/cell_0/basic_lstm_cell/bias",
        "rnnlm/multi_rnn_cell/cell_1/basic_lstm_cell/kernel", "rnnlm/multi_rnn_cell/cell_1/basic_lstm_cell/bias",
        "rnnlm/softmax_w", "rnnlm/softmax_b",
    }
    for name, entry in manifest.items():
        assert (out / entry["filename"]).stat().st_size == 4 * int(np.prod(entry["shape"]))
        bias = name.endswith("bias") or name.endswith("softmax_b")
        # ml5's own rule: a name matching this regex is a kernel, anything else a bias
        assert bool(re.search(r"weights|weight|kernel|kernels|w", name, re.I)) != bias
    assert sorted(json.loads((out / "vocab.json").read_text()).values()) == list(range(len(vocab)))


def _broken_copy(out, tmp_path, change):
    bad = tmp_path / "bad"
    shutil.copytree(out, bad)
    change(bad, json.loads((bad / "manifest.json").read_text()))
    return bad


def _rewrite_manifest(edit):
    def change(path, manifest):
        edit(path, manifest)
        (path / "manifest.json").write_text(json.dumps(manifest))
    return change


KERNEL0 = "rnnlm/multi_rnn_cell/cell_0/basic_lstm_cell/kernel"


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda p, m: (p / m[KERNEL0]["filename"]).unlink(), "does not exist"),
        (lambda p, m: (p / m[KERNEL0]["filename"]).write_bytes(b"\0" * 40), "truncated"),
        (lambda p, m: (p / m["rnnlm/softmax_b"]["filename"]).write_bytes(np.full(m["rnnlm/softmax_b"]["shape"], np.nan, "<f4").tobytes()), "NaN"),
        (_rewrite_manifest(lambda p, m: m[KERNEL0].update(filename="../../etc/passwd")), "points outside"),
        (_rewrite_manifest(lambda p, m: m.update({"a\nname": {"filename": "x\n"}})), r"^[^\n]*entry 'a\\nname' needs"),  # one line
        (_rewrite_manifest(lambda p, m: m[KERNEL0].update(shape=[m[KERNEL0]["shape"][1], m[KERNEL0]["shape"][0]])), "expected"),
        (_rewrite_manifest(lambda p, m: m.pop("rnnlm/multi_rnn_cell/cell_1/basic_lstm_cell/kernel")), "exactly two LSTM layers"),
        (lambda p, m: (p / "vocab.json").write_text(json.dumps({"a": 0, "b": 2})), "indices 0..1"),
        (lambda p, m: (p / "manifest.json").write_text("{oops"), "not valid JSON"),
        (lambda p, m: (p / "manifest.json").unlink(), "does not exist"),
    ],
)
def test_broken_model_directories_are_refused(trained, tmp_path, change, message):
    _, out, _, _ = trained
    with pytest.raises(ModelError, match=message):
        LSTMModel.load(_broken_copy(out, tmp_path, change))


def test_conversion_matches_the_documented_formula():
    rng = np.random.default_rng(0)
    h, n_in = 3, 2
    kernel, recurrent, bias = rng.normal(size=(n_in, 4 * h)), rng.normal(size=(h, 4 * h)), rng.normal(size=4 * h)
    k, b = ml5.keras_lstm_to_ml5(kernel, recurrent, bias)
    full = np.concatenate([kernel, recurrent])
    i, f, c, o = (full[:, g * h : (g + 1) * h] for g in range(4))
    assert np.allclose(k, np.concatenate([i, c, f, o], axis=1))
    bi, bf, bc, bo = (bias[g * h : (g + 1) * h] for g in range(4))
    assert np.allclose(b, np.concatenate([bi, bc, bf - 1.0, bo]))
