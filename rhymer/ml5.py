"""The ml5.js 0.12.2 charRNN file format: names, conversion from Keras weights, writing and reading.

Verified conversion (shared docs, ml5-format.md): per Keras LSTM layer, ``K = [kernel; recurrent]``,
gate blocks reordered from Keras' (i, f, c, o) to tfjs' (i, c, f, o), and 1.0 subtracted from the
forget bias because ml5's ``basicLSTMCell`` adds it back at run time. ml5 reads ``state.h[1]``, so a
model has exactly two layers.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from rhymer.errors import ModelError
from rhymer.files import read_model_json, write_bytes, write_json

MANIFEST, VOCAB = "manifest.json", "vocab.json"
LAYER_NAME = "rnnlm/multi_rnn_cell/cell_{i}/basic_lstm_cell/{part}"
SOFTMAX_W, SOFTMAX_B = "rnnlm/softmax_w", "rnnlm/softmax_b"
_LAYER = re.compile(r"cell_[0-9]|lstm_[0-9]", re.I)  # ml5's own regexes, mirrored exactly
_WEIGHT = re.compile(r"weights|weight|kernel|kernels|w", re.I)
_SOFTMAX = re.compile(r"softmax", re.I)
_SAFE_FILE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def keras_lstm_to_ml5(kernel: np.ndarray, recurrent: np.ndarray, bias: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Convert one Keras LSTM layer to ml5's (kernel [in+H, 4H], bias [4H])."""
    h = recurrent.shape[0]
    order = np.concatenate([np.arange(0, h), np.arange(2 * h, 3 * h), np.arange(h, 2 * h), np.arange(3 * h, 4 * h)])
    k = np.concatenate([kernel, recurrent], axis=0)[:, order]
    b = bias[order].copy()
    b[2 * h : 3 * h] -= 1.0
    return k.astype(np.float32), b.astype(np.float32)


def ml5_lstm_to_keras(kernel: np.ndarray, bias: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The inverse of :func:`keras_lstm_to_ml5`: one ml5 layer -> Keras (kernel, recurrent, bias)."""
    h = bias.shape[0] // 4
    b = bias.astype(np.float32).copy()
    b[2 * h : 3 * h] += 1.0
    order = np.concatenate([np.arange(0, h), np.arange(2 * h, 3 * h), np.arange(h, 2 * h), np.arange(3 * h, 4 * h)])
    k = kernel[:, order]  # swapping the middle two gate blocks is its own inverse
    return k[:-h].astype(np.float32), k[-h:].astype(np.float32), b[order]


def write(out: Path, layers: list[tuple[np.ndarray, np.ndarray]], softmax_w: np.ndarray, softmax_b: np.ndarray,
          vocab: list[str], tag: str) -> None:
    """Write the ml5 files; the manifest is replaced last, so readers see the old or the new model, whole.

    ``tag`` goes into the variable file names, so new weights never overwrite those the current
    manifest points to; the files of earlier tags are removed afterwards.
    """
    if len(layers) != 2:
        raise ModelError(f"ml5 0.12.2 needs exactly two LSTM layers, got {len(layers)}")
    variables = {}
    for i, (k, b) in enumerate(layers):
        variables[LAYER_NAME.format(i=i, part="kernel")] = k
        variables[LAYER_NAME.format(i=i, part="bias")] = b
    variables[SOFTMAX_W], variables[SOFTMAX_B] = softmax_w, softmax_b
    manifest = {}
    for name, value in variables.items():
        filename = f"{tag}-{name.split('/', 1)[1].replace('/', '_')}.bin"
        write_bytes(out / filename, np.ascontiguousarray(value, dtype="<f4").tobytes())
        manifest[name] = {"filename": filename, "shape": list(value.shape)}
    write_json(out / VOCAB, {c: i for i, c in enumerate(vocab)})
    write_json(out / MANIFEST, manifest)
    keep = {v["filename"] for v in manifest.values()}
    for stale in out.glob("*.bin"):
        if stale.name not in keep:
            stale.unlink()


def read(path: Path) -> tuple[dict[str, np.ndarray], list[str]]:
    """Read and validate an ml5 model directory: (variables by ml5 role, vocabulary by index).

    Roles: ``kernel_0``, ``bias_0``, ``kernel_1``, ``bias_1``, ``softmax_w``, ``softmax_b`` and
    optionally ``embedding``, assigned with ml5's own name rules.
    """
    manifest = _read_json(path / MANIFEST)
    vocab = _read_vocab(path / VOCAB)
    roles: dict[str, np.ndarray] = {}
    for name, entry in manifest.items():
        role = _role(name)
        if role is None:
            continue
        roles[role] = _read_variable(path, name, entry)
    _check_shapes(roles, len(vocab), path)
    return roles, vocab


def _role(name: str) -> str | None:
    if _LAYER.search(name):
        layer = re.search(r"[0-9]", name).group(0)
        return f"{'kernel' if _WEIGHT.search(name) else 'bias'}_{layer}"
    if _SOFTMAX.search(name):
        return "softmax_w" if _WEIGHT.search(name) else "softmax_b"
    return "embedding" if name == "embedding" else None


def _read_json(file: Path) -> dict:
    return read_model_json(file, "the model directory is incomplete or damaged, re-export it")


def _read_vocab(file: Path) -> list[str]:
    vocab = _read_json(file)
    indices = sorted(vocab.values()) if all(isinstance(v, int) for v in vocab.values()) else None
    if indices != list(range(len(vocab))) or not all(isinstance(c, str) and len(c) == 1 for c in vocab):
        raise ModelError(f"'{file}' must map single characters to the indices 0..{len(vocab) - 1} exactly; re-export the model")
    return [c for c, _ in sorted(vocab.items(), key=lambda kv: kv[1])]


def _read_variable(path: Path, name: str, entry: dict) -> np.ndarray:
    try:
        filename, shape = entry["filename"], [int(s) for s in entry["shape"]]
    except (KeyError, TypeError, ValueError):
        raise ModelError(f"manifest entry '{name}' needs a filename and a shape; re-export the model") from None
    if not isinstance(filename, str) or not _SAFE_FILE.fullmatch(filename) or ".." in filename:
        raise ModelError(f"manifest entry '{name}' points outside the model directory ('{filename}'); re-export the model")
    file = path / filename
    try:
        raw = file.read_bytes()
    except OSError:
        raise ModelError(f"variable file '{file}' is missing; the model directory is incomplete, re-export it") from None
    expected = 4 * int(np.prod(shape))
    if len(raw) != expected:
        raise ModelError(f"variable file '{file}' has {len(raw)} bytes, its shape {shape} needs {expected}; it is truncated or wrong, re-export the model")
    value = np.frombuffer(raw, dtype="<f4").reshape(shape).astype(np.float32)
    if not np.isfinite(value).all():
        raise ModelError(f"variable '{name}' contains NaN or infinite values; the training diverged, retrain with a lower --lr")
    return value


def _check_shapes(roles: dict[str, np.ndarray], vocab_size: int, path: Path) -> None:
    needed = ["kernel_0", "bias_0", "kernel_1", "bias_1", "softmax_w", "softmax_b"]
    missing = [r for r in needed if r not in roles]
    extra = sorted(r for r in roles if r.split("_")[-1].isdigit() and r not in needed)
    if missing or extra:
        raise ModelError(f"'{path}' must hold exactly two LSTM layers and a softmax (missing {missing}, extra {extra}); re-export the model")
    h = roles["bias_0"].shape[0] // 4
    inputs = roles["embedding"].shape[1] if "embedding" in roles else vocab_size
    want = {
        "kernel_0": (inputs + h, 4 * h), "bias_0": (4 * h,), "kernel_1": (2 * h, 4 * h), "bias_1": (4 * h,),
        "softmax_w": (h, vocab_size), "softmax_b": (vocab_size,),
    }
    if "embedding" in roles:
        want["embedding"] = (vocab_size, inputs)
    for role, shape in want.items():
        if tuple(roles[role].shape) != shape:
            raise ModelError(f"'{path}': {role} has shape {list(roles[role].shape)}, expected {list(shape)}; re-export the model")

