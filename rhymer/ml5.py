"""The ml5.js 0.12.2 charRNN file format: names, conversion from Keras weights, writing and reading.

The conversion (docs/model-format.md, "ml5 variables"): per Keras LSTM layer, ``K = [kernel; recurrent]``,
gate blocks reordered from Keras' (i, f, c, o) to tfjs' (i, c, f, o), and 1.0 subtracted from the
forget bias because ml5's ``basicLSTMCell`` adds it back at run time. ml5 reads ``state.h[1]``, so a
model has exactly two layers. Tests check it: tests/test_lstm.py against Keras, tests/test_web.py in ml5.
"""

from __future__ import annotations

import glob
import math
import re
from pathlib import Path

import numpy as np

from rhymer.errors import ModelError
from rhymer.files import read_model_file, read_model_json, write_bytes, write_json
from rhymer.outputs import remove_own
from rhymer.validate import shown

MANIFEST, VOCAB = "manifest.json", "vocab.json"
LAYER_NAME = "rnnlm/multi_rnn_cell/cell_{i}/basic_lstm_cell/{part}"
SOFTMAX_W, SOFTMAX_B = "rnnlm/softmax_w", "rnnlm/softmax_b"
VARIABLES = (*(LAYER_NAME.format(i=i, part=part) for i in range(2) for part in ("kernel", "bias")), SOFTMAX_W, SOFTMAX_B)
_LAYER = re.compile(r"cell_[0-9]|lstm_[0-9]", re.I)  # ml5's own regexes, mirrored exactly
_WEIGHT = re.compile(r"weights|weight|kernel|kernels|w", re.I)
_SOFTMAX = re.compile(r"softmax", re.I)
_SAFE_FILE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
MAX_RANK = 2  # ml5's charRNN variables are matrices and vectors
MAX_VARIABLE_BYTES = 1 << 30  # one float32 variable; the shipped model's largest is 2 MB
FIX = "re-export the model"


def _gate_order(h: int) -> np.ndarray:
    """Keras writes an LSTM's gates i, f, c, o and ml5 (TensorFlow 1's BasicLSTMCell) i, c, f, o: the middle two
    blocks of H columns swap, and swapping them again undoes it."""
    return np.concatenate([np.arange(0, h), np.arange(2 * h, 3 * h), np.arange(h, 2 * h), np.arange(3 * h, 4 * h)])


def keras_lstm_to_ml5(kernel: np.ndarray, recurrent: np.ndarray, bias: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Convert one Keras LSTM layer to ml5's (kernel [in+H, 4H], bias [4H])."""
    h = recurrent.shape[0]
    order = _gate_order(h)
    k = np.concatenate([kernel, recurrent], axis=0)[:, order]
    b = bias[order].copy()
    b[2 * h : 3 * h] -= 1.0
    return k.astype(np.float32), b.astype(np.float32)


def ml5_lstm_to_keras(kernel: np.ndarray, bias: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The inverse of :func:`keras_lstm_to_ml5`: one ml5 layer -> Keras (kernel, recurrent, bias)."""
    h = bias.shape[0] // 4
    b = bias.astype(np.float32).copy()
    b[2 * h : 3 * h] += 1.0
    order = _gate_order(h)
    k = kernel[:, order]
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
        filename = f"{tag}-{_file_suffix(name)}"
        write_bytes(out / filename, np.ascontiguousarray(value, dtype="<f4").tobytes())
        manifest[name] = {"filename": filename, "shape": list(value.shape)}
    write_json(out / VOCAB, {c: i for i, c in enumerate(vocab)})
    write_json(out / MANIFEST, manifest)
    keep = {v["filename"] for v in manifest.values()}
    stale = {p.name for pattern in own_variable_files() for p in out.glob(pattern)} - keep
    remove_own(out, [glob.escape(name) for name in stale])



def _file_suffix(name: str) -> str:
    return name.split("/", 1)[1].replace("/", "_") + ".bin"


def own_variable_files() -> list[str]:
    """Glob patterns of the variable files ``write`` creates (any tag), so only those are ever removed."""
    return [f"*-{_file_suffix(name)}" for name in VARIABLES]


def read(path: Path) -> tuple[dict[str, np.ndarray], list[str]]:
    """Read and validate an ml5 model directory: (variables by ml5 role, vocabulary by index).

    Roles: ``kernel_0``, ``bias_0``, ``kernel_1``, ``bias_1``, ``softmax_w``, ``softmax_b`` and
    optionally ``embedding``, assigned with ml5's own name rules.
    """
    manifest = _read_json(path / MANIFEST)
    vocab = _read_vocab(path / VOCAB)
    if not manifest:
        raise ModelError(f"'{path / MANIFEST}' lists no variables; {FIX}")
    roles: dict[str, np.ndarray] = {}
    for name, entry in manifest.items():
        value = _read_variable(path, name, entry)  # every file ml5 would fetch is checked, role or not
        role = _role(name)
        if role in roles:
            raise ModelError(f"'{path / MANIFEST}' has two variables for {role}; {FIX}")
        if role is not None:
            roles[role] = value
    _check_shapes(roles, len(vocab), path)
    return roles, vocab


def files(path: Path) -> list[str]:
    """The files of an ml5 model directory that ml5 fetches (manifest, vocabulary, each variable's file), once
    ``read`` has checked them all: a tampered manifest names none outside the directory."""
    read(path)
    return [MANIFEST, VOCAB, *(entry["filename"] for entry in _read_json(path / MANIFEST).values())]


def _role(name: str) -> str | None:
    if _LAYER.search(name):
        layer = re.search(r"[0-9]", name).group(0)
        return f"{'kernel' if _WEIGHT.search(name) else 'bias'}_{layer}"
    if _SOFTMAX.search(name):
        return "softmax_w" if _WEIGHT.search(name) else "softmax_b"
    return "embedding" if name == "embedding" else None


def _read_json(file: Path) -> dict:
    return read_model_json(file, f"the model directory is incomplete or damaged, {FIX}")


def _read_vocab(file: Path) -> list[str]:
    vocab = _read_json(file)
    indices = sorted(vocab.values()) if all(type(v) is int for v in vocab.values()) else None
    if indices != list(range(len(vocab))) or not all(isinstance(c, str) and len(c) == 1 for c in vocab):
        raise ModelError(f"'{file}' must map single characters to the indices 0..{len(vocab) - 1} exactly; {FIX}")
    return [c for c, _ in sorted(vocab.items(), key=lambda kv: kv[1])]


def _read_variable(path: Path, name: str, entry: dict) -> np.ndarray:
    manifest = path / MANIFEST
    filename, shape = (entry.get("filename"), entry.get("shape")) if isinstance(entry, dict) else (None, None)
    label = shown(name)  # a tampered manifest's names may hold anything: quoted, on one line
    if not isinstance(filename, str) or not isinstance(shape, list):
        raise ModelError(f"'{manifest}': entry {label} needs a filename and a shape; {FIX}")
    if not _SAFE_FILE.fullmatch(filename) or ".." in filename:
        raise ModelError(f"'{manifest}': entry {label} points outside the model directory ({shown(filename)}); {FIX}")
    if not 1 <= len(shape) <= MAX_RANK or any(type(s) is not int or s < 1 for s in shape):
        raise ModelError(f"'{manifest}': entry {label} has shape {shown(shape)}, not 1 or 2 positive sizes; {FIX}")
    size = 4 * math.prod(shape)  # Python ints: no overflow
    if size > MAX_VARIABLE_BYTES:
        raise ModelError(f"'{manifest}': entry {label} has shape {shown(shape)}, over the limit of {MAX_VARIABLE_BYTES} bytes; {FIX}")
    file = path / filename
    raw = read_model_file(file, MAX_VARIABLE_BYTES, FIX, size=size)
    value = np.frombuffer(raw, dtype="<f4").reshape(shape).astype(np.float32)
    if not np.isfinite(value).all():
        raise ModelError(f"variable file '{file}' contains NaN or infinite values; the training diverged, retrain with a lower --lr")
    return value


def _check_shapes(roles: dict[str, np.ndarray], vocab_size: int, path: Path) -> None:
    needed = ["kernel_0", "bias_0", "kernel_1", "bias_1", "softmax_w", "softmax_b"]
    missing = [r for r in needed if r not in roles]
    extra = sorted(r for r in roles if r.split("_")[-1].isdigit() and r not in needed)
    if missing or extra:
        raise ModelError(f"'{path}' must hold exactly two LSTM layers and a softmax (missing {missing}, extra {extra}); {FIX}")
    h = roles["bias_0"].shape[0] // 4
    inputs = roles["embedding"].shape[-1] if "embedding" in roles else vocab_size
    want = {
        "kernel_0": (inputs + h, 4 * h), "bias_0": (4 * h,), "kernel_1": (2 * h, 4 * h), "bias_1": (4 * h,),
        "softmax_w": (h, vocab_size), "softmax_b": (vocab_size,),
    }
    if "embedding" in roles:
        want["embedding"] = (vocab_size, inputs)
    for role, shape in want.items():
        if tuple(roles[role].shape) != shape:
            raise ModelError(f"'{path / MANIFEST}': {role} has shape {list(roles[role].shape)}, expected {list(shape)}; {FIX}")

