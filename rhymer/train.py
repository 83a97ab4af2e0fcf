"""Training the char-LSTM with Keras on ``tf.distribute``: the only module that imports TensorFlow.

One custom loop serves one device, several GPUs (MirroredStrategy) and several machines
(MultiWorkerMirroredStrategy, configured by ``TF_CONFIG``); Keras 3's ``model.fit`` fails under the
multi-worker strategy, a ``strategy.run`` loop does not. Every epoch ends in a checkpoint with the
optimizer state, so ``--resume`` loses at most the epoch in progress; whenever held-out bits per
character improve, the model directory is re-exported in the ml5 format (the best weights win).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, fields, replace
from functools import partial
from pathlib import Path

import numpy as np

from rhymer import ml5, modeldir, outputs, train_finetune, train_speed, validate
from rhymer.charmodel import heldout_bpc
from rhymer.corpus import DEFAULT_VAL_FRACTION, read_text, require_letters, sha256, split_heldout
from rhymer.errors import ModelError, OutputError, RhymerError, TrainingError
from rhymer.files import read_model_json, write_json
from rhymer.markov import DEFAULT_ORDER, MAX_ORDER, MIN_ORDER
from rhymer.progress import TrainingProgress

MAX_VOCAB = 256
RUN_FILE = modeldir.RUN_FILE
CHECKPOINTS = modeldir.CHECKPOINTS
STRATEGIES = ("auto", "default", "mirrored", "multiworker")
MAX_SEED = 2**32 - 1  # TensorFlow and numpy seeds are unsigned 32-bit
BYTES_PER_FLOAT = 4
OPTIMIZER_COPIES = 4  # weights, gradients and Adam's two moments, one float each per parameter
ACTIVATION_FLOATS = 14  # per unit, step and sequence: 4 gates, cell and hidden state kept for backprop, x 2 layers
MEMORY_SHARE = 0.8  # of the memory available now that one training run may plan to use
INT_SETTINGS = ("rnn_size", "embedding_size", "seq_length", "batch_size", "epochs", "patience", "seed", "markov_order")
FLOAT_SETTINGS = ("lr", "lr_half_life", "clip_norm", "dropout", "val_fraction")
TF_LOG_LEVEL = "2"  # TensorFlow's C++ log: errors only (cpu_feature_guard; oneDNN's notice is filtered), so rhymer's line is last


# C++ log lines below error level, in absl's form ("I0000 00:00:1796.0  18964 port.cc:153] oneDNN custom
# operations are on...") and TensorFlow's older one ("2024-01-11 05:40:05.06: I tensorflow/..."), and absl's
# notice that it logs to stderr before it is set up
_START_UP_NOISE = re.compile(r"^(?:[IW]\d{4} [\d:.]+ +\d+ \S+:\d+\] |\d{4}-\d\d-\d\d [\d:.]+: [IW] |"
                             r"WARNING: All log messages before absl::InitializeLog\(\) is called)")


def _import_tensorflow():
    """Import TensorFlow (here only: everything else in rhymer stays TensorFlow-free) without its start-up
    log lines (oneDNN, cpu_feature_guard, absl) reaching the user; a TF_CPP_MIN_LOG_LEVEL the user set wins."""
    level = os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", TF_LOG_LEVEL)  # read when TensorFlow's C++ core loads
    quiet = level.strip().isdigit() and int(level) >= int(TF_LOG_LEVEL)
    with _filtered_stderr(_START_UP_NOISE if quiet else None):  # TensorFlow 2.19+ logs oneDNN's notice regardless
        import absl.logging
        import tensorflow as tf

    absl.logging.set_verbosity(absl.logging.ERROR)
    tf.get_logger().setLevel("ERROR")
    return tf


@contextlib.contextmanager
def _filtered_stderr(drop: re.Pattern | None) -> Iterator[None]:
    """Pass what is written to file descriptor 2 (C++ code included) while the block runs on to it, line by
    line as it comes (a crash's last words too), but for the lines ``drop`` matches. Without a usable fd 2
    (closed, or no ``drop``) the block runs as it is."""
    try:
        if sys.stderr is not None:  # None when the process started without one
            sys.stderr.flush()
        saved = os.dup(2) if drop is not None else None
    except (OSError, ValueError):
        saved = None
    if saved is None:
        yield
        return
    read_end, write_end = os.pipe()

    def forward() -> None:
        with os.fdopen(read_end, "rb") as pipe:
            for line in pipe:
                if not drop.match(line.decode("utf-8", "replace")):
                    with contextlib.suppress(OSError):
                        os.write(saved, line)

    reader = threading.Thread(target=forward, daemon=True)
    reader.start()
    os.dup2(write_end, 2)
    os.close(write_end)
    try:
        yield
    finally:
        with contextlib.suppress(OSError, ValueError, AttributeError):
            sys.stderr.flush()
        os.dup2(saved, 2)  # the pipe's last write end closes: the reader reads to its end
        reader.join()
        os.close(saved)


class Interrupted(KeyboardInterrupt):
    """A training stopped by Ctrl-C (or SIGINT). ``resumable``: whether this run left a finished epoch's checkpoint
    that ``--resume`` continues; if not, --out holds what it held before (an earlier model set aside by --force
    is put back), and its checkpoint, if any, is that model's run."""

    def __init__(self, resumable: bool) -> None:
        super().__init__()
        self.resumable = resumable


@dataclass(frozen=True)
class TrainConfig:
    """Hyper-parameters: the classic char-rnn defaults, sized for a corpus of a few hundred KB."""

    rnn_size: int = 256
    embedding_size: int = 64
    seq_length: int = 64
    batch_size: int = 64
    epochs: int = 30  # with --max-minutes only a cap once an epoch stops improving (train_speed.stop_reason)
    lr: float = 2e-3
    lr_half_life: float = 8e6  # characters trained; decayed per step, so corpora of any size share the schedule
    clip_norm: float = 5.0  # global norm, as in char-rnn
    dropout: float = 0.25  # between layers; the LSTMs themselves stay cuDNN-eligible
    val_fraction: float = DEFAULT_VAL_FRACTION
    patience: int = 5  # epochs without held-out improvement; small corpora have short epochs and noisy held-out bpc
    seed: int = 0
    direction: str = "backward"
    markov_order: int = DEFAULT_ORDER
    strategy: str = "auto"
    xla: str = "auto"  # jit-compile the gradient step on one device: on, off, or auto (time both, keep the faster)
    max_minutes: float | None = None
    precision: str = "auto"  # float32, bfloat16 (float32 master weights and softmax), auto (bfloat16 where native)
    parent: str = train_finetune.FROM_AUTO  # --from: auto, none, default or a model folder
    cross_direction: bool = False  # allow a parent that reads the other way

    # settings that may change when resuming; every other one must match the checkpoint
    RESUMABLE = ("epochs", "patience", "strategy", "xla", "max_minutes", "precision")

    def identity(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in self.RESUMABLE}


def train(corpus: Path, out: Path, config: TrainConfig = TrainConfig(), *, resume: bool = False,
          force: bool = False, progress: bool = True, command: str | None = None) -> dict:
    """Train (or resume) a model directory on ``corpus``; returns the final metadata.

    Everything is checked before ``out`` is touched; a run that fails (or is interrupted) before its
    first epoch checkpoint removes what it created, so only resumable work is ever left behind.
    """
    _check_config(config)
    text = read_text(corpus, encoding_option=False)
    require_letters(text, str(corpus))
    parent = train_finetune.resolve_parent(config.parent, config.rnn_size, config.direction, config.cross_direction)
    if parent:  # the parent's shapes win; its vocabulary grows by the corpus' new characters
        config = replace(config, embedding_size=parent.embedding_size)
        vocab = train_finetune.extend_vocab(parent.vocab, text)
    else:
        vocab = sorted(set(text))
    if len(vocab) > MAX_VOCAB:
        raise TrainingError(
            f"the corpus has {len(vocab)} distinct characters, over the limit of {MAX_VOCAB}; "
            "clean it (rhymer corpus clean) or drop the foreign-script parts"
        )
    train_text, held_text = split_heldout(text, config.val_fraction)
    train_ids = _encode(modeldir.orient(train_text, config.direction), vocab)
    held_ids = _encode(modeldir.orient(held_text, config.direction), vocab)
    windows = (len(train_ids) - 1) // config.seq_length
    if windows < 1:
        raise TrainingError(
            f"the training text ({len(train_ids)} characters) is shorter than one sequence of "
            f"{config.seq_length + 1}; use more text or a smaller --seq-length"
        )
    if windows < config.batch_size:
        raise TrainingError(
            f"the training text holds {windows} sequences of {config.seq_length}, fewer than one batch of "
            f"{config.batch_size}; pass a smaller --batch-size or --seq-length, or use more text"
        )
    if config.val_fraction and len(held_ids) <= config.seq_length:
        raise TrainingError(
            f"the held-out text ({len(held_ids)} characters) is shorter than one sequence; "
            "raise --val-fraction or use more text"
        )
    _check_memory(config, len(vocab))
    chief = _is_chief(config.strategy)

    run = {"format": modeldir.RUN_FORMAT, "corpus_sha256": sha256(text), "config": config.identity()}
    aside = _prepare(out, run, resume, force) if chief else None  # other workers of a cluster write nothing into --out
    kept: list[bool] = []  # what keep() last found, before an earlier model set aside may come back into --out

    def keep() -> bool:  # a resumed forced run killed before its first epoch has nothing to keep over the model aside
        kept.append(modeldir.resumable(out) or resume and aside is None)
        return kept[-1]

    try:
        with modeldir.replacing(out, aside, keep), modeldir.undo_on_failure(out, keep=keep, enabled=chief):
            if chief and not resume:
                write_json(out / CHECKPOINTS / RUN_FILE, run)
            tf = _import_tensorflow()
            try:
                strategy, label = _strategy(tf, config.strategy)
                precision = train_speed.choose_precision(config.precision, train_speed.cpu_flags(), _gpu_capabilities(tf))
                describer = _Describer(out, text, config, vocab, command)
                trainer = _Trainer(tf, strategy, chief, label, config, vocab, out, describer, parent=parent, precision=precision)
                if not (out / modeldir.MARKOV).exists() and chief:
                    baseline = modeldir.write_baseline(out, text, order=config.markov_order,
                                                       val_fraction=config.val_fraction, direction=config.direction,
                                                       vocab=vocab)
                    write_json(out / modeldir.BASELINE, baseline)
                trainer.restore(resume)
                reporter = TrainingProgress(chief, progress, config.epochs, trainer.steps_per_epoch(windows),
                                             config.max_minutes)
                reporter.note(trainer.describe())
                try:
                    stop_reason = trainer.fit(train_ids, held_ids, reporter, time.perf_counter())
                finally:
                    reporter.close()
            except (tf.errors.ResourceExhaustedError, MemoryError):
                raise TrainingError(_out_of_memory(config, len(vocab))) from None
            if not chief:
                return {}
            return describer.finish(trainer, held_text, stop_reason)
    except KeyboardInterrupt as err:  # (keep() is asked before an earlier model set aside comes back; a worker
        # that is not the chief, or a run stopped before the block, leaves --out as it found it)
        raise Interrupted(kept[-1] if kept else aside is None and (resume or modeldir.resumable(out))) from err


def _finished(out: Path) -> bool:
    """Whether the folder's metadata says its run ended (not "still training", as it does until the run's end)."""
    try:
        return modeldir.training_ended(modeldir.read_metadata(out))
    except RhymerError:
        return False


# -- set-up ---------------------------------------------------------------------------------------

def _check_config(c: TrainConfig) -> None:
    for name in INT_SETTINGS:
        value = getattr(c, name)
        if isinstance(value, bool) or not isinstance(value, int):
            raise TrainingError(f"{name} must be a whole number, not {value!r}; fix the option")
    for name in FLOAT_SETTINGS + ("max_minutes",) * (c.max_minutes is not None):
        value = getattr(c, name)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise TrainingError(f"{name} must be a finite number, not {value!r}; fix the option")
    checks = [
        (c.rnn_size >= 1, f"--rnn-size {c.rnn_size} must be positive"),
        (c.embedding_size >= 1, f"--embedding-size {c.embedding_size} must be positive"),
        (c.seq_length >= 2, f"--seq-length {c.seq_length} must be at least 2"),
        (c.batch_size >= 1, f"--batch-size {c.batch_size} must be positive"),
        (c.epochs >= 1, f"--epochs {c.epochs} must be at least 1"),
        (c.patience >= 1, f"--patience {c.patience} must be at least 1"),
        (0 <= c.seed <= MAX_SEED, f"--seed {c.seed} must be between 0 and {MAX_SEED}"),
        (0 < c.lr < 1, f"--lr {c.lr} must be above 0 and below 1 (0.002 from scratch, 0.0005-0.001 to fine-tune)"),
        (c.clip_norm > 0, f"clip_norm {c.clip_norm} must be positive"),
        (0 <= c.dropout < 1, f"--dropout {c.dropout} must be in [0, 1)"),
        (0 <= c.val_fraction < 0.5, f"--val-fraction {c.val_fraction} must be in [0, 0.5)"),
        (MIN_ORDER <= c.markov_order <= MAX_ORDER, f"markov_order {c.markov_order} must be {MIN_ORDER} to {MAX_ORDER}"),
        (c.direction in modeldir.DIRECTIONS, f"--direction {c.direction} must be backward or forward"),
        (c.strategy in STRATEGIES, f"--strategy {c.strategy} must be one of {', '.join(STRATEGIES)}"),
        (c.max_minutes is None or c.max_minutes > 0, f"--max-minutes {c.max_minutes} must be positive"),
        (c.lr_half_life > 0, f"--lr-half-life {c.lr_half_life} must be positive"),
        (c.xla in train_speed.XLA_MODES, f"--xla {c.xla} must be one of {', '.join(train_speed.XLA_MODES)}"),
        (c.precision in train_speed.PRECISIONS, f"--precision {c.precision} must be one of {', '.join(train_speed.PRECISIONS)}"),
    ]
    for ok, message in checks:
        if not ok:
            raise TrainingError(message + "; fix the option")


def _memory_needed(config: TrainConfig, vocab_size: int, rnn_size: int | None = None) -> int:
    """A low estimate of the bytes one training step needs: parameters with optimizer state, activations."""
    h, e = rnn_size or config.rnn_size, config.embedding_size
    params = vocab_size * e + 4 * h * (e + h + 1) + 4 * h * (2 * h + 1) + h * vocab_size + vocab_size
    activations = config.batch_size * config.seq_length * (ACTIVATION_FLOATS * h + 2 * vocab_size)
    return BYTES_PER_FLOAT * (OPTIMIZER_COPIES * params + activations)


def _memory_available() -> int:
    """Bytes of memory available now (MemAvailable on Linux, else all physical memory)."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def _check_memory(config: TrainConfig, vocab_size: int) -> None:
    """Refuse, before allocating anything, a model that cannot fit in this machine's memory."""
    budget = MEMORY_SHARE * _memory_available()
    if _memory_needed(config, vocab_size) > budget:
        raise TrainingError(_out_of_memory(config, vocab_size, budget))


def _out_of_memory(config: TrainConfig, vocab_size: int, budget: float | None = None) -> str:
    budget = MEMORY_SHARE * _memory_available() if budget is None else budget
    needed = _memory_needed(config, vocab_size)
    size = 1 << max(0, config.rnn_size.bit_length() - 1)
    while size > 1 and (size >= config.rnn_size or _memory_needed(config, vocab_size, size) > budget):
        size //= 2
    return (f"out of memory: --rnn-size {config.rnn_size} with --batch-size {config.batch_size} needs about "
            f"{needed / 2**30:,.1f} GiB, {budget / 2**30:,.1f} GiB is available; pass --rnn-size {size} "
            "or a smaller --batch-size")


def _encode(text: str, vocab: list[str]) -> np.ndarray:
    index = {c: i for i, c in enumerate(vocab)}
    return np.fromiter((index[c] for c in text), dtype=np.int32, count=len(text))


def _prepare(out: Path, run: dict, resume: bool, force: bool) -> Path | None:
    """Check that resuming continues the same run; with --force set aside what an earlier run wrote (before
    ``undo_on_failure`` starts watching the folder, so that a run that fails removes all it wrote, and the
    earlier model comes back: ``modeldir.replacing``); returns where it was set aside."""
    state = out / CHECKPOINTS / RUN_FILE
    found = outputs.kind(out / CHECKPOINTS)
    if found not in (None, "folder"):  # a link: the checkpoints would land where it points
        raise OutputError(f"'{out / CHECKPOINTS}' is {'a ' * (found == 'file')}{found}, not a folder of rhymer's own for "
                          "the checkpoints; move it away or use another --out")
    if resume:
        if not state.exists():
            raise TrainingError(f"nothing to resume in '{out}' (no checkpoint); start without --resume")
        previous = _read_state(state)
        if not modeldir.is_run(previous):
            raise TrainingError(f"'{state}' is damaged (fields missing); start over with --force or use another --out")
        if previous["corpus_sha256"] != run["corpus_sha256"]:
            raise TrainingError(f"'{out}' was trained on a different corpus; resume with the same corpus or use another --out")
        changed = sorted(k for k in run["config"] if previous["config"].get(k) != run["config"][k])
        if changed:  # each with its value then and now, so the command can be mended
            settings = ", ".join(f"{k} {validate.shown(previous['config'].get(k))}, now {validate.shown(run['config'][k])}"
                                 for k in changed)
            raise TrainingError(f"'{out}' was trained with other settings ({settings}); resume with the same ones or use "
                                "another --out")
        # a forced run killed outright after an epoch, resumed: the model it replaced goes when this run ends
        return out / modeldir.REPLACED if outputs.is_aside(out / modeldir.REPLACED) else None
    return modeldir.prepare_out(out, force, set_aside=True, offer_resume=True)  # --force touches only what an earlier run wrote


def _read_state(path: Path) -> dict:
    """Read one of training's own JSON files as the untrusted file it may be (a link to /dev/zero, a FIFO, a
    nesting bomb: ``read_model_json``); a damaged one is a TrainingError, not a traceback or a hang."""
    try:
        return read_model_json(path, "start over with --force or use another --out", modeldir.MAX_STATE_BYTES)
    except ModelError as err:
        raise TrainingError(f"the training state is damaged: {err}") from None


def _cluster() -> dict:
    """TF_CONFIG, checked: {"cluster": {role: [host:port, ...]}, "task": {"type": role, "index": n}}."""
    fix = "see docs/training.md"
    try:
        cluster = json.loads(os.environ.get("TF_CONFIG", "{}") or "{}")
    except ValueError as err:
        raise TrainingError(f"TF_CONFIG is not valid JSON ({err}); {fix}") from None
    if not isinstance(cluster, dict):
        raise TrainingError(f"TF_CONFIG must be a JSON object; {fix}")
    nodes, task = cluster.get("cluster", {}), cluster.get("task", {})
    if not isinstance(nodes, dict) or not all(isinstance(v, list) and all(isinstance(a, str) for a in v)
                                              for v in nodes.values()):
        raise TrainingError(f"TF_CONFIG's 'cluster' must map roles to lists of host:port strings; {fix}")
    if not isinstance(task, dict) or not isinstance(task.get("type", ""), str) \
            or isinstance(task.get("index", 0), bool) or not isinstance(task.get("index", 0), int):
        raise TrainingError(f"TF_CONFIG's 'task' must be {{\"type\": role, \"index\": number}}; {fix}")
    if task and not 0 <= task.get("index", 0) < len(nodes.get(task.get("type"), [])):
        raise TrainingError(f"TF_CONFIG's task {task} is not in its cluster; {fix}")
    return cluster


def _cluster_workers() -> int:
    nodes = _cluster().get("cluster", {})
    return max(1, len(nodes.get("worker", [])) + len(nodes.get("chief", [])))


def _is_chief(strategy: str) -> bool:
    """Whether this process writes the model: always, except on the non-chief workers of a cluster.

    Also checks, before anything is written, that the strategy's cluster (TF_CONFIG) is usable.
    """
    cluster = _cluster()
    if strategy == "multiworker" and not cluster:
        raise TrainingError("--strategy multiworker needs the TF_CONFIG environment variable; see docs/training.md")
    if _cluster_workers() <= 1:
        return True
    task = cluster.get("task", {})
    if "chief" in cluster.get("cluster", {}):
        return task.get("type") == "chief"
    return task.get("type") == "worker" and task.get("index") == 0


def _strategy(tf, name: str):
    """Pick the tf.distribute strategy; returns it and its name."""
    if name == "multiworker" or (name == "auto" and _cluster_workers() > 1):
        return tf.distribute.MultiWorkerMirroredStrategy(), "MultiWorkerMirroredStrategy"
    if name == "mirrored" or (name == "auto" and len(tf.config.list_logical_devices("GPU")) > 1):
        return tf.distribute.MirroredStrategy(), "MirroredStrategy"
    return tf.distribute.get_strategy(), "default"


def _gpu_capabilities(tf) -> list[tuple[int, int]]:
    return [tuple(tf.config.experimental.get_device_details(g).get("compute_capability", (0, 0)))
            for g in tf.config.list_physical_devices("GPU")]


# -- the model and its loop -----------------------------------------------------------------------

def build_model(keras, vocab_size: int, config: TrainConfig, precision: str = "float32"):
    """Embedding -> LSTM -> LSTM -> Dense: exactly two LSTM layers, as ml5 0.12.2 requires.

    Default activations and no recurrent dropout keep the LSTMs on the cuDNN path; dropout sits
    between layers instead. With bfloat16 the weights stay float32 and so do the logits (the
    softmax layer computes in float32), so the loss and the export are float32.
    """
    L = keras.layers
    policy = train_speed.dtype_policy(precision)
    return keras.Sequential([
        keras.Input(shape=(None,), dtype="int32"),
        L.Embedding(vocab_size, config.embedding_size, name="embedding", dtype=policy),
        L.LSTM(config.rnn_size, return_sequences=True, name="lstm_0", dtype=policy),
        L.Dropout(config.dropout, dtype=policy),
        L.LSTM(config.rnn_size, return_sequences=True, name="lstm_1", dtype=policy),
        L.Dropout(config.dropout, dtype=policy),
        L.Dense(vocab_size, name="softmax", dtype="float32"),
    ])


def export_weights(model) -> tuple[list, np.ndarray, np.ndarray]:
    """Keras weights -> ml5 layers; the embedding is folded into layer 0 (K rows = E @ kernel)."""
    (embedding,) = model.get_layer("embedding").get_weights()
    k0, r0, b0 = model.get_layer("lstm_0").get_weights()
    k1, r1, b1 = model.get_layer("lstm_1").get_weights()
    w, b = model.get_layer("softmax").get_weights()
    layers = [ml5.keras_lstm_to_ml5(embedding @ k0, r0, b0), ml5.keras_lstm_to_ml5(k1, r1, b1)]
    return layers, w.astype(np.float32), b.astype(np.float32)


class _Trainer:
    def __init__(self, tf, strategy, chief: bool, label: str, config: TrainConfig, vocab: list[str], out: Path,
                 describer: _Describer | None = None, parent: train_finetune.Parent | None = None,
                 precision: tuple[str, str] = ("float32", "asked for")) -> None:
        import keras

        self.tf, self.strategy, self.chief, self.label = tf, strategy, chief, label
        self.config, self.vocab, self.out, self.describer = config, vocab, out, describer
        self.parent, (self.precision, self.precision_reason) = parent, precision
        keras.utils.set_random_seed(config.seed)
        self.replicas = strategy.num_replicas_in_sync
        self.global_batch = config.batch_size
        with strategy.scope():
            self.model = build_model(keras, len(vocab), config, self.precision)
            if parent:
                train_finetune.apply(self.model, parent, vocab)
            self.schedule_epoch = tf.Variable(0, dtype=tf.int64, trainable=False)
            step_chars = config.batch_size * config.seq_length
            lr = keras.optimizers.schedules.ExponentialDecay(config.lr, config.lr_half_life / step_chars, 0.5)
            self.optimizer = keras.optimizers.Adam(learning_rate=lr, global_clipnorm=config.clip_norm)
            self.optimizer.build(self.model.trainable_variables)
            self.best = tf.Variable(math.inf, dtype=tf.float64, trainable=False)
            self.bad_epochs = tf.Variable(0, dtype=tf.int64, trainable=False)
            self.seconds = tf.Variable(0.0, dtype=tf.float64, trainable=False)
        self.checkpoint = tf.train.Checkpoint(model=self.model, optimizer=self.optimizer, epoch=self.schedule_epoch,
                                              best=self.best, bad_epochs=self.bad_epochs, seconds=self.seconds)
        # other workers of a cluster must save too, into a scratch folder removed with the trainer
        self._scratch = None if chief else tempfile.TemporaryDirectory(prefix="rhymer-worker-ckpt-")
        folder = out / CHECKPOINTS if chief else Path(self._scratch.name)
        self.manager = tf.train.CheckpointManager(self.checkpoint, str(folder), max_to_keep=1)
        single = isinstance(strategy, type(tf.distribute.get_strategy()))
        self.xla = train_speed.XlaChooser(config.xla, available=single)
        self._train_steps = {mode: self._make_train_step(mode == "on") for mode in ("off", "on")}
        self._eval_step = tf.function(self._eval_loss)

    def describe(self) -> str:
        """One line for the progress display: where the weights start, precision and XLA."""
        start = f"fine-tuning from {self.parent.label}" if self.parent else "from scratch"
        xla = "measuring" if self.xla.choice is None else self.xla.choice
        return f"{start}; precision {self.precision} ({self.precision_reason}); XLA {xla}"

    def steps_per_epoch(self, windows: int) -> int:
        return windows // self.global_batch

    def restore(self, resume: bool) -> None:
        """On --resume every worker reads the chief's last checkpoint (a folder all of them can see)."""
        if not resume:
            return
        folder = self.out / CHECKPOINTS
        fix = "start over with --force or use another --out"
        state = self.tf.train.get_checkpoint_state(str(folder))
        latest = state.model_checkpoint_path if state else None
        if latest is None or not Path(latest + ".index").is_file():
            if (folder / "checkpoint").exists() or any(folder.glob("ckpt-*")):
                raise TrainingError(f"the last checkpoint in '{folder}' is incomplete or damaged; {fix}")
            return  # stopped before its first epoch ended: start from epoch 1
        try:
            self.checkpoint.restore(latest).assert_existing_objects_matched()
        except Exception as err:  # noqa: BLE001 - TF's reader raises OpError, IndexError, ValueError... on damage
            raise TrainingError(f"checkpoint '{latest}' is damaged ({type(err).__name__}); {fix}") from None
        epoch, config = int(self.schedule_epoch.numpy()), self.config
        done = train_speed.stop_reason(epoch, config.epochs, int(self.bad_epochs.numpy()), config.patience,
                                       config.max_minutes, out_of_time=False)
        if done and _finished(self.out):  # it would stop at once and rewrite the folder, having trained nothing (one
            # cut short while it wrote its last metadata resumes, to write it)
            raise TrainingError(f"the run in '{self.out}' already finished ({done.replace('_', ' ')} after epoch {epoch}); "
                                "to go on, resume with a higher --epochs or --patience, or start over with --force")

    def _make_train_step(self, xla: bool):
        tf, model, optimizer = self.tf, self.model, self.optimizer
        global_batch = self.global_batch
        import keras

        def gradients(x, y):
            with tf.GradientTape() as tape:
                logits = model(x, training=True)
                per_seq = tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(y, logits, from_logits=True), axis=1)
                loss = tf.nn.compute_average_loss(per_seq, global_batch_size=global_batch)
            return loss, tape.gradient(loss, model.trainable_variables)

        compiled = tf.function(gradients, jit_compile=xla)

        def replica_step(x, y):
            loss, grads = compiled(x, y)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
            return loss

        @tf.function
        def train_step(x, y):
            per_replica = self.strategy.run(replica_step, args=(x, y))
            return self.strategy.reduce(tf.distribute.ReduceOp.SUM, per_replica, axis=None)

        return train_step

    def _eval_loss(self, x, y):
        import keras

        logits = self.model(x, training=False)
        return self.tf.reduce_sum(keras.losses.sparse_categorical_crossentropy(y, logits, from_logits=True))

    def _windows(self, ids: np.ndarray, offset: int) -> tuple[np.ndarray, np.ndarray]:
        n = (len(ids) - 1 - offset) // self.config.seq_length
        span = ids[offset : offset + n * self.config.seq_length + 1]
        x = span[:-1].reshape(n, self.config.seq_length)
        y = span[1:].reshape(n, self.config.seq_length)
        return x, y

    def _dataset(self, ids: np.ndarray, epoch: int):
        tf = self.tf
        rng = np.random.default_rng([self.config.seed, epoch])
        x, y = self._windows(ids, int(rng.integers(self.config.seq_length)))
        order = rng.permutation(len(x))
        ds = tf.data.Dataset.from_tensor_slices((x[order], y[order])).batch(self.global_batch, drop_remainder=True)
        options = tf.data.Options()
        options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
        return self.strategy.experimental_distribute_dataset(ds.with_options(options).prefetch(2))

    def heldout_bpc(self, ids: np.ndarray) -> float:
        """Held-out bits per character over windows of seq_length from a zero state (fast, per epoch)."""
        x, y = self._windows(ids, 0)
        total = 0.0
        for i in range(0, len(x), 256):
            total += float(self._eval_step(x[i : i + 256], y[i : i + 256]))
        return total / y.size / math.log(2)

    def fit(self, train_ids: np.ndarray, held_ids: np.ndarray, reporter: TrainingProgress, started: float) -> str:
        """Run epochs until the time budget, early stopping or the epoch cap; returns why it stopped.

        On one worker the time budget also ends an epoch early (it is then measured and saved as usual);
        a cluster checks it between epochs only, so that its workers stop together.
        """
        config = self.config
        base_seconds = float(self.seconds.numpy())
        deadline = started + config.max_minutes * 60 if config.max_minutes else None
        out_of_time = lambda: deadline is not None and time.perf_counter() > deadline  # noqa: E731
        epoch = int(self.schedule_epoch.numpy())
        stop = partial(train_speed.stop_reason, epochs=config.epochs, patience=config.patience,
                       max_minutes=config.max_minutes)
        reason = stop(epoch, bad_epochs=int(self.bad_epochs.numpy()), out_of_time=False)
        if epoch == 0 and self.parent is not None and len(held_ids):  # epoch 0: the parent, the figure to beat
            val = self.heldout_bpc(held_ids)
            self.best.assign(val)
            if self.chief:  # kept where no epoch reads the held-out text better (a rate too high, too few minutes)
                self._export(0, val)
            reporter.note(f"the parent reads the held-out text at {val:.3f} bits/char (epoch 0); an epoch must beat it")
        while reason is None:
            reporter.start_epoch(epoch)
            loss_sum, steps, epoch_start = 0.0, 0, time.perf_counter()
            for x, y in self._dataset(train_ids, epoch):
                mode, step_start = self.xla.mode(), time.perf_counter()
                loss_sum += float(self._train_steps[mode](x, y))
                if self.xla.record(mode, time.perf_counter() - step_start):
                    timed = ", ".join(f"{m} {s * 1000:.0f} ms" for m, s in self.xla.summary()["seconds_per_step"].items())
                    reporter.note(f"XLA auto: {self.xla.choice} (per step: {timed})")
                steps += 1
                reporter.step(loss_sum / steps, steps * self.global_batch * config.seq_length / (time.perf_counter() - epoch_start))
                if out_of_time() and _cluster_workers() == 1:
                    break
            epoch += 1
            train_bpc = loss_sum / max(steps, 1) / math.log(2)
            held = self.heldout_bpc(held_ids) if len(held_ids) else None  # (nothing held out: the training figure chooses)
            val = train_bpc if held is None else held
            improved = val < float(self.best.numpy()) - 1e-4
            self.schedule_epoch.assign(epoch)
            self.seconds.assign(base_seconds + time.perf_counter() - started)
            if improved:
                self.best.assign(val)
                self.bad_epochs.assign(0)
                if self.chief:
                    self._export(epoch, held)
            else:
                self.bad_epochs.assign_add(1)
            self.manager.save(checkpoint_number=epoch)
            reporter.end_epoch(epoch, train_bpc, held)
            reason = stop(epoch, bad_epochs=int(self.bad_epochs.numpy()), out_of_time=out_of_time())
        return reason

    def _export(self, epoch: int, val: float | None) -> None:
        layers, w, b = export_weights(self.model)
        ml5.write(self.out, layers, w, b, self.vocab, tag=f"e{epoch:03d}")
        write_json(self.out / modeldir.BEST, {"epoch": epoch, "heldout_bpc_windowed": val})
        if self.describer:  # the directory is a usable model while training goes on
            self.describer.write(self, {"heldout_bpc": None, "heldout_bpc_windowed": val, "best_epoch": epoch,
                                        "stopped_by": "still training"})


class _Describer:
    """Writes rhymer.json: provisionally at every new best epoch, finally with the numpy-measured bpc."""

    def __init__(self, out: Path, text: str, config: TrainConfig, vocab: list[str], command: str | None) -> None:
        self.out, self.text, self.config, self.vocab, self.command = out, text, config, vocab, command

    def write(self, trainer: _Trainer, metrics: dict) -> dict:
        import tensorflow as tf

        baseline = _read_state(self.out / modeldir.BASELINE)
        c = self.config
        return modeldir.write_metadata(
            self.out, "lstm", self.text, c.direction, c.val_fraction, self.vocab,
            hyperparameters=asdict(c),
            metrics={**metrics, "markov_heldout_bpc": baseline["heldout_bpc"],
                     "epochs_trained": int(trainer.schedule_epoch.numpy())},
            markov=baseline,
            training_seconds=round(float(trainer.seconds.numpy()), 1),
            distribution={"strategy": trainer.label, "replicas": trainer.replicas, "workers": _cluster_workers()},
            speed={"precision": trainer.precision, "precision_reason": trainer.precision_reason,
                   "xla": trainer.xla.summary()},
            parent=trainer.parent.record() if trainer.parent else None,
            tensorflow_version=tf.__version__,
            python_version=sys.version.split()[0],
            command=self.command,
        )

    def finish(self, trainer: _Trainer, held_text: str, stop_reason: str) -> dict:
        """Measure the exported best model with the numpy engine (streaming, like the Markov baseline)."""
        from rhymer.lstm import LSTMModel

        if not (self.out / ml5.MANIFEST).exists():
            raise TrainingError("training ended before any epoch finished; give it more time (--max-minutes)")
        best = _read_state(self.out / modeldir.BEST)
        engine = LSTMModel.load(self.out)
        text = modeldir.orient(held_text, self.config.direction)
        bpc = float(heldout_bpc(engine, text)) if held_text else None
        parent = trainer.parent.record() if trainer.parent else None
        read = train_finetune.read_by_shipped(held_text) if held_text and train_finetune.from_shipped(parent) else None
        return self.write(trainer, {"heldout_bpc": bpc, "heldout_bpc_windowed": best["heldout_bpc_windowed"],
                                    "best_epoch": best["epoch"], "stopped_by": stop_reason,
                                    "heldout_read_by_parent": read})
