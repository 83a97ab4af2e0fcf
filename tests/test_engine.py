"""The engine's shortcuts change nothing but speed: a batch stepped in two halves (on a helper thread or
inline) and candidates that share a history stepped once give what stepping every row gives."""

import multiprocessing
import sys
import threading

import numpy as np
import pytest

import rhymer
from rhymer import blas, offload, sampler
from rhymer.lstm import SPLIT_ROWS


@pytest.fixture(scope="module")
def lstm():
    return rhymer.load("lstm")


@pytest.fixture(scope="module")
def batch(lstm):
    rng = np.random.default_rng(0)
    rows = SPLIT_ROWS + 7
    state = tuple(rng.standard_normal((rows, lstm.model.hidden)).astype(np.float32) for _ in range(4))
    return state, rng.integers(0, len(lstm.model.vocab), rows)


def _same(a, b) -> bool:
    (state_a, logp_a), (state_b, logp_b) = a, b
    return np.array_equal(logp_a, logp_b) and all(np.array_equal(x, y) for x, y in zip(state_a, state_b))


def test_a_large_batch_is_stepped_as_its_two_halves(lstm, batch):
    model, (state, ids) = lstm.model, batch
    half = len(ids) // 2
    first = model._step(tuple(s[:half] for s in state), ids[:half])
    second = model._step(tuple(s[half:] for s in state), ids[half:])
    got = model.feed(state, ids)
    assert _same(got, (tuple(np.concatenate(p) for p in zip(first[0], second[0])), np.concatenate([first[1], second[1]])))
    whole = model._step(state, ids)  # (one product over all rows sums in another order: the last bits differ)
    assert np.allclose(got[1], whole[1], rtol=0, atol=1e-4)


def _wait_free(seconds: float = 5.0) -> bool:
    """Whether the helper is free (its lock not held) within ``seconds``."""
    if not offload._free.acquire(timeout=seconds):
        return False
    offload._free.release()
    return True


def test_the_helper_computes_a_call_and_is_free_again(monkeypatch):
    monkeypatch.setattr(offload, "CORES", 2)  # (on a one-core runner too)
    future = offload.offload(sum, [1, 2, 3])
    assert future is not None and future.result(timeout=5) == 6 and _wait_free()
    failing = offload.offload(divmod, 1, 0)
    with pytest.raises(ZeroDivisionError):
        failing.result(timeout=5)
    assert _wait_free()


def test_the_caller_steps_the_second_half_when_the_helper_cannot(lstm, batch, monkeypatch):
    model, (state, ids) = lstm.model, batch
    monkeypatch.setattr(offload, "CORES", 2)
    helped = model.feed(state, ids)
    assert offload._free.acquire(timeout=5)  # the helper busy with another thread's half
    try:
        assert offload.offload(len, ()) is None
        assert _same(model.feed(state, ids), helped)
    finally:
        offload._free.release()
    gone = offload.ThreadPoolExecutor(1)
    gone.shutdown()  # as at interpreter shutdown: it takes no new work
    monkeypatch.setattr(offload, "_helper", gone)
    monkeypatch.setattr(offload, "_usable", True)  # (restored after the test: the helper gives up on failure)
    assert _same(model.feed(state, ids), helped)
    assert not offload._usable and _wait_free()  # given up, and free
    assert offload.offload(len, ()) is None and _same(model.feed(state, ids), helped)
    monkeypatch.setattr(offload, "_usable", True)
    monkeypatch.setattr(offload, "_helper", None)
    monkeypatch.setattr(offload, "CORES", 1)
    assert offload.offload(len, ()) is None and _same(model.feed(state, ids), helped)


def _couplet(seed: int) -> tuple[tuple[str, ...], bool]:
    return rhymer.load("lstm").couplet("night", seed=seed).lines, offload._helper is not None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forks a process with threads (safe on Linux)")
def test_a_forked_child_writes_as_its_parent(lstm, monkeypatch):
    monkeypatch.setattr(offload, "CORES", 2)  # (on a one-core runner too: the child inherits it)
    parent = lstm.couplet("night", seed=5).lines
    assert offload._helper is not None  # the helper thread runs in the parent now
    with multiprocessing.get_context("fork").Pool(1) as pool:
        child, helped = pool.apply_async(_couplet, (5,)).get(timeout=60)  # (waiting on the parent's thread hangs)
    assert child == parent and helped


def test_rows_that_share_a_history_are_stepped_once(lstm):
    model, fed = lstm.model, []

    class Counting:  # the model, counting the rows it steps
        vocab = model.vocab

        def feed(self, state, ids):
            fed.append(len(ids))
            return model.feed(state, ids)

        def take(self, state, rows):
            return model.take(state, rows)

    state = sampler.read_after(model, None, "\nthgin"), sampler.read_after(model, None, "\nnaes"), sampler.read_after(model, None, "\nevol")
    state = model.join(list(state))
    node, ids = np.array([0, 0, 1, 2, 2, 2, 1]), np.array([5, 5, 5, 7, 7, 8, 9])
    new, logp, shared = sampler._feed_distinct(Counting(), state, node, ids)
    assert fed == [5]  # (0, 5) and (2, 7) twice: five distinct histories of seven rows
    assert shared[0] == shared[1] and shared[3] == shared[4] and len(set(shared.tolist())) == 5
    alone_state, alone = model.feed(model.take(state, node), ids)  # every row stepped on its own
    assert np.allclose(logp, alone, atol=1e-5)
    assert all(np.allclose(s[shared], a, atol=1e-5) for s, a in zip(new, alone_state))


@pytest.mark.parametrize("context", [False, True])
def test_shared_histories_sample_what_every_row_samples(context, monkeypatch):
    markov = rhymer.load("markov")  # (a Markov model's states are its exact contexts: any mix-up shows)
    model, words = markov.model, ["night", "light", "sea", "day"]
    carried = sampler.read_after(model, None, "\n.thgin eht fo") if context else None

    def sample(seed: int) -> list[list[sampler.Candidate]]:
        return sampler.sample_lines(model, words, 24, 0.8, np.random.default_rng(seed), context=carried,
                                    runs=markov.run_tries, ending=",", top_p=0.9)

    shared = [sample(seed) for seed in range(3)]

    def every_row(model, state, node, ids):  # each row stepped on its own, as before histories were shared
        new, logp = model.feed(model.take(state, node), ids)
        return new, logp, np.arange(len(ids))

    monkeypatch.setattr(sampler, "_feed_distinct", every_row)
    alone = [sample(seed) for seed in range(3)]
    assert shared == alone  # texts, log-probabilities, finished
    assert [c.state for s in shared for g in s for c in g] == [c.state for s in alone for g in s for c in g]
    assert len({c.text for s in shared for g in s for c in g}) > 100  # (varied lines, not one repeated)


def test_blas_is_held_to_one_thread_whichever_thread_generates():
    """A bot's worker thread, after a call from the main thread, used to generate with OpenBLAS's spinning
    threads (threadpoolctl 3.8 ignores a thread that did not set the pool first): 9 times as slow."""
    from threadpoolctl import threadpool_info

    def blas_threads() -> list[int]:
        return [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]

    before = blas_threads()
    if not before or max(before) < 2:
        pytest.skip("BLAS runs one thread here already")
    seen = []
    limited = blas.one_thread(lambda: seen.append(blas_threads()))
    limited()
    worker = threading.Thread(target=limited)
    worker.start()
    worker.join()
    limited()
    assert seen == [[1] * len(before)] * 3 and blas_threads() == before
