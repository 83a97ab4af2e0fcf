"""Issue 9's generation levers: state carry, answering a line, real words by construction, the word
n-gram model, the seed-word mix, and the program metrics that measure them."""

import json
import math
import re

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import rhymer
from rhymer import metrics
from rhymer.errors import GenerationError, ModelError
from rhymer.rhymepolicy import RHYME_CHOICES
from rhymer.sampler import continuation_logprob, nucleus, read_after, sample_lines
from rhymer.scoring import (
    LONGEST_REPLY,
    SHORTEST_REPLY,
    Judgement,
    Rules,
    Weights,
    choice_order,
    echoes,
    judge,
    repetition,
    syllable_count,
)
from rhymer.verse import MAX_SEED, SERIES_MEMORY, SERIES_TRIES
from rhymer.wordmodel import WordModel
from rhymer.words import last_word, tokens
from tests.conftest import capitals_inside


@pytest.fixture(scope="module")
def lstm():
    return rhymer.load("lstm")


@pytest.fixture(scope="module")
def markov():
    return rhymer.load("markov")


# -- state carry ----------------------------------------------------------------------------------

def test_a_lines_candidates_depend_on_the_next_line(lstm):
    # (the order-5 Markov baseline carries its context too, but sees no further back than 5 characters)
    r = lstm
    after = {text: read_after(r.model, None, "\n" + text[::-1] + "\n")
             for text in ("And all the stars are burning in the sky", "O gentle love, my heart is thine")}
    lines = {}
    for text, context in after.items():
        (found,) = sample_lines(r.model, ["sea"], 8, 0.7, np.random.default_rng(3), context=context)
        lines[text] = [(c.text, c.logprob) for c in found]
    first, second = lines.values()
    assert first != second  # same seed and end word, different next line
    # and the probability of one and the same line differs with what follows it
    probe = "thgin ym fo sraet eht lla dnA"
    scores = [continuation_logprob(r.model, [read_after(r.model, None, "\n" + t[::-1])], probe)[0] for t in after]
    assert scores[0] != pytest.approx(scores[1], abs=1e-6)


@pytest.mark.parametrize("which", ["lstm", "markov"])
def test_punctuated_verse_ends_its_lines_with_a_clause_and_a_sentence(which, request):
    r = request.getfixturevalue(which)
    for seed in range(3):
        verse = r.verse("ABAB", "night", seed=seed)
        assert [line[-1] for line in verse.lines] == [",", ",", ",", "."]
        assert [last_word(line) for line in verse.lines] == list(verse.rhyme_words)
        bare = r.verse("ABAB", "night", seed=seed, punctuate=False)
        assert all(line.endswith(word) for line, word in zip(bare.lines, bare.rhyme_words))
    assert r.reply("I walked along the shore at night", seed=1).lines[0].endswith(".")


def test_a_corpus_without_the_marks_gets_bare_line_ends(small_corpus, tmp_path):
    # song lyrics often have no punctuation: the model cannot read "," or ".", so lines end bare
    from rhymer import modeldir

    bare = "".join(c for c in small_corpus if c not in ",.")
    modeldir.write_markov_model(tmp_path, bare, order=3)
    r = rhymer.load(str(tmp_path))
    verse = r.couplet("night", seed=1, candidates=4)
    assert [last_word(line) for line in verse.lines] == list(verse.rhyme_words)
    assert all(line.endswith(word) for line, word in zip(verse.lines, verse.rhyme_words))
    assert r.reply("I walked along the shore at night", seed=1, candidates=4).lines[0][-1].isalpha()


def test_the_line_end_mark_primes_the_model(lstm):
    # the mark is read before the line is written (backward): the same draws give other lines
    rng = np.random.default_rng
    (bare,) = sample_lines(lstm.model, ["sea"], 8, 0.7, rng(3))
    (closed,) = sample_lines(lstm.model, ["sea"], 8, 0.7, rng(3), ending=".")
    assert all(c.text.endswith("sea.") for c in closed) and all(c.text.endswith("sea") for c in bare)
    assert [c.text[:-1] for c in closed] != [c.text for c in bare]


def test_verse_is_written_last_line_first_with_carry(markov):
    carried = markov.couplet("night", seed=11)
    plain = markov.couplet("night", seed=11, carry=False)
    assert carried.lines[1] == plain.lines[1]  # the last line is written first, from a fresh state
    assert all(last_word(a) == b for a, b in zip(carried.lines, carried.rhyme_words))


def test_continuation_logprob_matches_reading_one_by_one(lstm):
    prefixes = ["\nthgin eht ni", "\nenim era sraets eht lla dna"]
    text = "eroh eht gnola deklaw I"
    batched = continuation_logprob(lstm.model, [read_after(lstm.model, None, p) for p in prefixes], text)
    for prefix, got in zip(prefixes, batched):
        state, logp, total = lstm.model.start(1), None, 0.0
        for i, ch in enumerate(prefix + "\n" + text):
            if i > len(prefix):
                total += logp[0, lstm.model.vocab.index(ch)]
            state, logp = lstm.model.feed(state, np.array([lstm.model.vocab.index(ch)]))
        assert got == pytest.approx(total / len(text), rel=1e-5)


def test_candidates_carry_their_end_state(lstm):
    (found,) = sample_lines(lstm.model, ["night"], 6, 0.7, np.random.default_rng(1))
    done = [c for c in found if c.finished]
    assert done and all(c.state is not None for c in done)
    again = read_after(lstm.model, None, "\n" + done[0].text[::-1])
    np.testing.assert_allclose(again[3], done[0].state[3], rtol=1e-4, atol=1e-5)


# -- answer my line -------------------------------------------------------------------------------

@pytest.mark.parametrize("given", ["I walked along the shore at night", "My love is like a summer day"])
def test_reply_rhymes_with_and_follows_the_given_line(lstm, given):
    answer = lstm.reply(given, seed=4)
    (line,) = answer.lines
    assert last_word(line) == answer.rhyme_words[0]
    assert rhymer.is_rhyme(last_word(given), last_word(line))
    assert tokens(line) != tokens(given)
    assert answer.details[0].failed == ()


@pytest.mark.parametrize("given", ["I love you", "Go home", "Hold on"])
def test_a_short_line_is_answered_by_a_line_of_about_shortest_reply_syllables(lstm, given):
    # a line of three words or more seldom comes in at the 2-4 of "Go home": the answer aims at
    # SHORTEST_REPLY instead, and passes its checks; no more than one syllable per word the rules allow
    (line,) = lstm.reply(given, seed=3).details
    assert line.target_syllables == SHORTEST_REPLY and line.failed == ()
    assert rhymer.is_rhyme(last_word(given), line.end_word)
    (two,) = lstm.reply(given, seed=3, rules=Rules(min_words=1, max_words=2), retries=0).details
    assert two.target_syllables == max(2, syllable_count(lstm.index, given))


def test_a_long_line_is_answered_by_a_line_of_longest_reply_syllables(lstm, cli):
    # 29 syllables: the answer aimed at them, which no candidate of the model's comes near, and failed
    given = "And all the while the river ran beside the mill where we had played as children in the summer of our golden days"
    (line,) = lstm.reply(given, seed=2).details
    assert line.target_syllables == LONGEST_REPLY and line.failed == ()
    failed = cli("reply", given, "--seed", "2", "-k", "1", "-p", "1")  # plain sampling seldom meets it: named as the answer
    assert failed.returncode == 2 and failed.stderr.startswith("error: answer 1 ('"), failed.stderr


def test_reply_prefers_the_line_the_given_line_reads_best_after(markov):
    # with only the follow term, the chosen candidate is the one after which the given line reads best
    from rhymer.scoring import Weights

    given = "And all the stars are burning in the sky"
    only_follow = Weights(logprob=0, real_words=0, syllables=0, meter=0, words=0, follow=1.0, discriminator=0,
                          reader=0)
    answer = markov.reply(given, seed=2, weights=only_follow, retries=0, candidates=6)
    after = read_after(markov.model, None, "\n" + answer.lines[0][::-1])
    assert answer.details[0].score == pytest.approx(continuation_logprob(markov.model, [after], given[::-1])[0], abs=1e-3)


def test_reply_reads_curly_quotes_as_plain_ones(markov):
    # a line typed on a phone: the corpus has only plain quotes, so "I’m" is read as "I'm", and so is the end word
    typed, plain = "I\u2019m walking where the \u201cnight\u201d is long\u2014 ", "I'm walking where the \"night\" is long-"
    assert markov.reply(typed, seed=5).lines == markov.reply(plain, seed=5).lines
    assert rhymer.is_rhyme("sweet", last_word(markov.reply("The girl\u2019s so sweet", seed=1).lines[0]))
    # a line copied from a web page, with a zero-width space inside its last word and a soft hyphen
    copied = "I walk a\u00adlone at nig\u200bht \ufeff"
    assert markov.reply(copied, seed=5).lines == markov.reply("I walk alone at night", seed=5).lines
    # a post's emoji, symbols and "@" are left out, an accent the model cannot read is read bare ("naive")
    post = "@bob the ni\u0308ght \u2603 is long \U0001f494 \u2764\ufe0f \U0001fa77"  # (U+1FA77: Unicode 15)
    assert markov.reply(post, seed=5).lines == markov.reply("bob the night is long", seed=5).lines
    assert markov.reply("by day/night\U0001f319", seed=5).lines == markov.reply("by day night", seed=5).lines  # two words
    assert all(c in markov.model.vocab for c in "naive") and "\u00ef" not in markov.model.vocab
    assert markov.reply("a na\u00efve heart", seed=5).lines == markov.reply("a naive heart", seed=5).lines
    with pytest.raises(GenerationError, match="never seen the character"):
        markov.reply("the night \u0436 is long")  # another script's letter has no plain form: still refused


def test_module_level_reply_uses_the_default_model():
    answer = rhymer.reply("The rain has washed the town", seed=3)
    assert isinstance(answer, rhymer.Verse) and rhymer.is_rhyme("town", last_word(answer.lines[0]))


def test_reply_refuses_a_line_without_words(markov):
    with pytest.raises(GenerationError, match="no word to rhyme"):
        markov.reply("... !")


@pytest.mark.parametrize("line, refusal", [
    ("I counted to 42", "ends on '42'"),  # not "to", the word before it
    ("I wandered lonely through Zürich", "rhymes with 'zurich' even nearly"),  # not "rich"
    ("I went " * 20 + "home", "at most 120"),  # a line no answer could match in length
])
def test_reply_rhymes_with_the_whole_last_word_or_refuses(markov, line, refusal):
    with pytest.raises(GenerationError, match=re.escape(refusal)):
        markov.reply(line, seed=1)


def test_reply_folds_accents_in_the_last_word(markov):
    answer = markov.reply("I met her in the small café", seed=1)  # CMU's "cafe" (K EY F EY)
    assert rhymer.is_rhyme(answer.rhyme_words[0], "cafe"), answer


def test_reply_cli(cli):
    out = cli("reply", "I walked  along the shore at \u201cnight\u201d", "--model", "markov", "--seed", "1", "--json")
    assert out.returncode == 0, out.stderr
    answer = json.loads(out.stdout)
    assert rhymer.is_rhyme("night", last_word(answer["lines"][0]))
    assert answer["answers"] == 'I walked along the shore at "night"'  # the given line, as it was read
    assert rhymer.Verse.from_json(out.stdout).answers == answer["answers"]
    assert rhymer.load("markov").couplet("night", seed=1).answers is None
    bad = cli("reply", "123", "--model", "markov")
    assert bad.returncode == 2 and bad.stderr.startswith("error: ") and len(bad.stderr.strip().splitlines()) == 1
    # several answers to choose from, one under the other, best first: the first is the reply itself
    given = "The rain has washed the town"
    several = cli("reply", given, "--model", "markov", "--seed", "4", "-n", "5")
    answers = rhymer.load("markov").replies(given, 5, seed=4)
    assert several.returncode == 0 and several.stdout.splitlines() == [a.lines[0] for a in answers], several.stderr
    assert answers[0] == rhymer.load("markov").reply(given, seed=4) and len(answers) == 5
    near = cli("reply", "I left my heart in Paris", "--model", "markov", "--seed", "1", "-n", "3")  # one note for all
    assert near.returncode == 0 and near.stderr.count("near rhymes used") == 1 and len(near.stdout.splitlines()) == 3, near
    assert f"near rhymes used ({last_word(near.stdout.splitlines()[0]).lower()}" in near.stderr  # the first answer's
    unquoted = cli("reply", *given.split(), "--model", "markov", "--seed", "4")  # the words read as one line
    assert unquoted.returncode == 0 and unquoted.stdout.splitlines() == several.stdout.splitlines()[:1], unquoted.stderr


def test_reply_takes_a_meter_and_may_end_bare_as_couplets_do(cli, markov):
    given = "I walked along the shore at night"
    bare = markov.replies(given, 3, seed=2, punctuate=False)
    assert all(last_word(a.lines[0]) == a.lines[0].rstrip().split()[-1] for a in bare)  # no mark after the rhyme
    assert all(a.lines[0].endswith(".") for a in markov.replies(given, 3, seed=2))
    iambic = rhymer.Rules(meter="iambic")
    out = cli("reply", given, "--model", "markov", "--seed", "2", "-n", "3", "--no-punctuate", "--meter", "iambic")
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [a.lines[0] for a in markov.replies(given, 3, seed=2, punctuate=False, rules=iambic)]
    bad = cli("reply", given, "--model", "markov", "--meter", "dactylic")
    assert bad.returncode == 2 and "unknown meter" in bad.stderr


@pytest.mark.parametrize("given", ["I left my heart in Paris", "You're the only one I'm thinking of"])
def test_replies_say_different_things_on_different_rhymes_first(lstm, given):
    answers = lstm.replies(given, 5, seed=1, candidates=64)
    lines = [a.lines[0] for a in answers]
    assert len(answers) == 5 and all(repetition([line], lines[:i]) == (0, 0) for i, line in enumerate(lines)), lines
    assert len({tuple(tokens(line)[-3:]) for line in lines}) == 5, lines  # no two end on the same three words
    if given.endswith("Paris"):  # at the defaults, seed 2 gave "And that thou art the fairest." and "But that ..."
        defaults = [a.lines[0] for a in lstm.replies(given, 5, seed=2)]
        assert len({tuple(tokens(line)[-3:]) for line in defaults}) == 5, defaults
    ends = [a.rhyme_words[0] for a in answers]
    first_repeat = next((i for i, w in enumerate(ends) if w in ends[:i]), len(ends))
    assert len(set(ends)) >= 2 and len(set(ends[first_repeat:]) - set(ends[:first_repeat])) == 0, ends  # new rhymes first
    # the plain reply's best few say the same thing over again (the test can fail)
    plain = [lstm.reply(given, seed=s, candidates=64).lines[0] for s in range(1, 9)]
    assert len(set(plain)) < len(plain) or any(repetition([line], plain[:i]) != (0, 0) for i, line in enumerate(plain)), plain


def test_more_answers_than_rhymes_tried_go_on_to_other_rhymes(lstm):
    # at the defaults, the four rhymes of "town" first tried (frown, brown, down, drown) gave brown three times
    given = "The rain has washed the town"
    answers = lstm.replies(given, 5, seed=3)
    ends = [a.rhyme_words[0] for a in answers]
    assert len(set(ends)) == 5 and len(set(lstm.rhymes("town"))) >= 5, ends
    assert answers[0] == lstm.reply(given, seed=3) and not any(a.details[0].failed for a in answers)
    more = lstm.replies(given, 9, seed=1)  # more answers than rhymes: more rhymes than one sampling tries, then again
    assert len(more) == 9 and RHYME_CHOICES < len({a.rhyme_words[0] for a in more}) <= len(lstm.rhymes("town")) < 9


def test_replies_check_their_arguments_and_avoid_lines_shown(markov):
    for bad, error in [({"count": 0}, GenerationError), ({"avoid": "a line"}, TypeError), ({"avoid": [3]}, TypeError)]:
        with pytest.raises(error):
            markov.replies("I walked along the shore at night", **{"count": 2, **bad})
    first = markov.reply("I walked along the shore at night", seed=3)
    after = markov.replies("I walked along the shore at night", 2, seed=3, avoid=first.lines)
    assert all(a.lines[0].lower() != first.lines[0].lower() for a in after)


# -- real words by construction -------------------------------------------------------------------

@pytest.mark.parametrize("which,temperature", [("lstm", 1.0), ("markov", 3.0)])
def test_the_trie_makes_invented_words_impossible(which, temperature, request):
    from rhymer.vocabtrie import CAPITAL_ONLY_WORDS

    r = request.getfixturevalue(which)
    words = ["night", "love", "sea"]
    constrained = sample_lines(r.model, words, 24, temperature, np.random.default_rng(5), trie=r.trie)
    lines = [c.text for group in constrained for c in group]
    assert metrics.invented_word_rate(lines, r.index.is_real) == 0.0
    assert not [w for line in lines for w in tokens(line) if len(w) == 1 and w not in "aio"]  # no "t were"
    assert all(not any(ch.isdigit() or ch in "{}[]_#|" for ch in line) for line in lines)
    assert capitals_inside(lines) == []  # the trie that compared letters case-blind wrote 10 and 67 ("HAnd")
    more = [c.text for group in sample_lines(r.model, words + ["day"], 48, temperature, np.random.default_rng(5), trie=r.trie)
            for c in group]  # and 4 small "i" or "o" at T=3 before "I" and "O" were written only so
    assert [w for line in lines + more for w in re.findall(r"[A-Za-z']+", line) if w in CAPITAL_ONLY_WORDS] == []
    free = sample_lines(r.model, words, 24, temperature, np.random.default_rng(5))
    free_lines = [c.text for group in free for c in group]
    assert metrics.invented_word_rate(free_lines, r.index.is_real) > 0.0 and capitals_inside(free_lines)
    assert r.index.is_real("t") and "t" not in r.trie and "o" in r.trie  # a real word, but no word to write


@pytest.mark.parametrize("which,temperature", [("lstm", 1.0), ("markov", 3.0)])
def test_a_line_cut_off_mid_word_loses_the_broken_word(which, temperature, request):
    # lines stopped at 14 characters, mostly inside a word: the part written is dropped up to the next word,
    # whatever separates them ("rlbut-Om" once kept "rlbut"), so an unfinished line holds only known words
    r = request.getfixturevalue(which)
    cut = sample_lines(r.model, ["night", "sea"], 32, temperature, np.random.default_rng(8), max_chars=14, trie=r.trie)
    lines = [c.text for group in cut for c in group if not c.finished]
    assert len(lines) > 16 and [w for line in lines for w in tokens(line) if w not in r.trie] == []
    assert all(line.endswith(("night", "sea")) and not line.startswith((" ", "-", ",", '"')) for line in lines)


# -- nucleus (top-p) sampling ---------------------------------------------------------------------

@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(0.001, 10.0), min_size=1, max_size=12), st.floats(0.01, 1.0))
def test_the_nucleus_is_the_smallest_set_of_the_likeliest_holding_top_p(weights, top_p):
    probs = np.array([weights])
    kept = nucleus(probs, top_p)[0]
    on = kept > 0
    assert np.array_equal(kept[on], probs[0][on]) and on[np.argmax(probs[0])]  # untouched; the top one always
    assert not (~on).any() or probs[0][on].min() >= probs[0][~on].max()  # the likeliest
    total = top_p * probs.sum()
    assert kept.sum() >= total * (1 - 1e-9)  # holds top_p...
    assert kept.sum() - kept[on].min() < total * (1 + 1e-9)  # ...and without its least likely member it would not


def _nucleus_by_argsort(probs: np.ndarray, top_p: float) -> np.ndarray:
    """The nucleus as first written (a stable argsort, the kept flags put back in place): the reference."""
    order = np.argsort(-probs, axis=1, kind="stable")
    ranked = np.take_along_axis(probs, order, axis=1)
    keep = np.zeros(probs.shape, dtype=bool)
    np.put_along_axis(keep, order, np.cumsum(ranked, axis=1) - ranked < top_p * ranked.sum(axis=1, keepdims=True), axis=1)
    return np.where(keep, probs, 0.0)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.sampled_from([0.0, 0.25, 0.5, 1.0, 2.0, 0.3]), min_size=6, max_size=6), min_size=1, max_size=5),
       st.sampled_from([0.01, 0.25, 0.5, 0.75, 0.9, 1.0]))
def test_the_nucleus_keeps_what_the_argsort_reference_keeps(rows, top_p):
    probs = np.array(rows)  # ties, zeros, all-equal and all-zero rows, shares on a boundary
    assert np.array_equal(nucleus(probs, top_p), _nucleus_by_argsort(probs, top_p))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([0.5, 1.0, 2.0]), min_size=1, max_size=12), st.floats(0.01, 1.0))
def test_of_tied_characters_the_nucleus_keeps_the_earlier(weights, top_p):
    kept = nucleus(np.array([weights]), top_p)[0] > 0
    ranked = sorted(weights, reverse=True)  # as many as the smallest set of the likeliest holding top_p

    def smallest(share: float) -> int:
        return next((n for n in range(1, len(ranked)) if sum(ranked[:n]) >= share * sum(ranked)), len(ranked))

    assert smallest(top_p * (1 - 1e-9)) <= kept.sum() <= smallest(min(top_p * (1 + 1e-9), 1.0))  # (sums' rounding)
    assert all(kept[i] or not kept[j] for i in range(len(weights)) for j in range(i + 1, len(weights))
               if weights[i] >= weights[j])  # never a later or a smaller one before an earlier, larger-or-equal one


def test_top_p_draws_only_from_the_nucleus(lstm):
    # a nucleus smaller than the top character's share is that character alone: every candidate is the greedy
    # line, the same at any temperature; without one the candidates differ
    greedy = [{c.text for c in sample_lines(lstm.model, ["night"], 6, t, np.random.default_rng(3), trie=lstm.trie,
                                            top_p=0.01)[0]} for t in (0.5, 2.0)]
    assert len(greedy[0]) == 1 and greedy[0] == greedy[1]
    free = sample_lines(lstm.model, ["night"], 6, 2.0, np.random.default_rng(3), trie=lstm.trie, top_p=1.0)[0]
    assert len({c.text for c in free}) > 1
    # and the library draws from the nucleus it is given: greedy, a couplet is the same at any temperature
    greedy_verses = [lstm.couplet("night", seed=3, candidates=4, top_p=0.01, temperature=t).lines for t in (0.5, 2.0)]
    free_verses = [lstm.couplet("night", seed=3, candidates=4, top_p=1.0, temperature=t).lines for t in (0.5, 2.0)]
    assert greedy_verses[0] == greedy_verses[1] and free_verses[0] != free_verses[1]
    verse = lstm.couplet("night", seed=3, candidates=4, top_p=0.5)
    assert verse.top_p == 0.5 and verse.to_dict()["top_p"] == 0.5
    built = type(verse)(verse.lines, verse.rhyme_words, "couplet", "lstm", 3, 0.6, 4, verse.details)  # as before top-p
    assert built.top_p == 1.0 and built.details == verse.details


def test_trie_masks_follow_the_reversed_vocabulary():
    from rhymer.vocabtrie import VocabTrie

    vocab = list("\n ,abcdefghinrt'BINRT")
    trie = VocabTrie(["night", "bright", "right", "in", "can't"], vocab)

    def allowed(prefix):
        return {c for c, ok in zip(vocab, trie.allowed(prefix)) if ok}

    assert allowed("thg") == {"i"}  # "ight" is no word: no capital "I"
    assert allowed("thgir") == {"b", "B", " ", "\n", ","}  # "right" is whole: a boundary or "b" (bright)
    assert allowed("thgi") == {"n", "r", "N", "R"}  # "ight" is no word: no boundary
    assert "'" in allowed("t") and allowed("t'") == {"n"}
    assert "ni" not in trie and "in" in trie and "I" in allowed("n") and "N" not in allowed("")
    # a capital only begins a word: written backward it is the last letter, and the word is then whole
    assert "T" not in allowed("") and "B" not in allowed("thgi") and "I" not in allowed("thg")
    assert trie.advance(["thgi", "thgi", ""], np.array([vocab.index("N"), vocab.index("n"), vocab.index(" ")])) == [
        "thgin^", "thgin", ""]
    assert allowed("thgin^") == allowed("thgir^") == {" ", "\n", ","}  # "Night" is whole: only a boundary
    narrow = trie.narrowed(["right", "bright", "x-ray", "might"])  # only words the trie holds
    assert len(narrow) == 2 and "right" in narrow and "might" not in narrow and "night" not in narrow
    assert {c for c, ok in zip(vocab, narrow.allowed("thg")) if ok} == {"i"} and allowed("thgir") == {
        c for c, ok in zip(vocab, narrow.allowed("thgir")) if ok}
    # words the model cannot spell are left out, so no partial word is a dead end
    short = VocabTrie(["ab", "abz", "x-ray"], list(" ab'xry"))
    assert {c for c, ok in zip(" ab'xry", short.allowed("")) if ok} == {" ", "b"}
    assert not short.allowed("ba")[1:].any() and short.allowed("ba")[0]
    tampered = VocabTrie(["ab\nba", "ab"], list(" ab"))  # a word with a line break in it is no word, not two
    assert len(tampered) == 1 and "ab" in tampered and "ba" not in tampered


# all capitals, none, no I or O, no apostrophe (then "tis" is written bare)
@pytest.mark.parametrize("letters", [" 'ailmnostAILNOT", " 'ailmnost", " 'ailmnostALN", " ailmnostAILNOT"])
@settings(max_examples=100, deadline=None)
@given(st.sets(st.sampled_from(["i", "o", "a", "i'll", "i'm", "in", "on", "no", "oil", "lion", "loin", "nil", "ill", "a'n",
                                "tis", "its", "tail"]), min_size=1))
def test_every_word_the_trie_lets_a_line_write_is_a_known_word_in_its_case(letters, words):
    """Walk every path the trie allows, backward as the sampler writes: no partial word is a dead end, and
    each word it ends is one of ``words``, with a capital only as its first letter, "I", "O" only so
    (where the vocabulary has them) and "tis" only as "'tis" or "'Tis"."""
    from rhymer.vocabtrie import CAPITAL_ONLY_WORDS, VocabTrie
    from rhymer.words import ELIDED_WORDS

    vocab = list(letters)
    assume("'" in vocab or any("'" not in w for w in words))  # a word the model can spell
    trie = VocabTrie(words, vocab)
    seen, todo = set(), [("", "")]  # (partial word, the word as written so far, backward)
    while todo:
        partial, written = todo.pop()
        allowed = [i for i, ok in enumerate(trie.allowed(partial)) if ok]
        assert allowed, (partial, written)  # a dead end would leave the sampler nothing to write
        for i in allowed:
            if vocab[i] == " ":
                word = written[::-1]
                if word:
                    bare = word.removeprefix("'")
                    assert bare.lower() in words and bare[1:] == bare[1:].lower(), word
                    assert (bare != word) == (bare.lower() in ELIDED_WORDS and "'" in vocab), word  # never "Tis", nor "'tail"
                    assert bare.lower() not in CAPITAL_ONLY_WORDS or bare[0].isupper() or bare[0].upper() not in vocab, word
                continue
            (nxt,) = trie.advance([partial], np.array([i]))
            if (nxt, written + vocab[i]) not in seen and len(nxt) < 8:
                seen.add((nxt, written + vocab[i]))
                todo.append((nxt, written + vocab[i]))
    assert {w for _, w in seen if w} and all(any(x[::-1].startswith(w.lower().removesuffix("'")) for x in words) for _, w in seen)


# -- word n-gram model ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def words_model(small_corpus):
    return WordModel.build(small_corpus)


@pytest.mark.parametrize("context", [["<s>", "<s>"], ["thou", "art"], ["of", "the"], ["zzz", "qqq"], ["love"]])
def test_word_model_probabilities_sum_to_one(words_model, context):
    total = math.fsum(words_model.prob(context, w) for w in words_model.vocab)
    assert total == pytest.approx(1.0, abs=1e-9)


def test_word_model_prefers_grammar_and_round_trips(words_model, tmp_path):
    assert words_model.line_logprob("and in the night") > words_model.line_logprob("night the in and")
    words_model.save(tmp_path / "ngrams.json")
    again = WordModel.load(tmp_path / "ngrams.json")
    assert again.line_logprob("thy eternal summer shall not fade") == words_model.line_logprob(
        "thy eternal summer shall not fade")
    bad = json.loads((tmp_path / "ngrams.json").read_text())
    bad["tables"][1] = {"x": [["a", "b"], [2]]}
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    with pytest.raises(ModelError, match="malformed"):
        WordModel.load(tmp_path / "bad.json")


def test_shipped_model_has_its_word_model(lstm):
    assert lstm.words is not None and len(lstm.words.vocab) > 5000


# -- variety --------------------------------------------------------------------------------------

def test_seed_word_is_mixed_into_the_seed(lstm):
    def skeleton(verse):
        return [" ".join(tokens(line)[:-1]) for line in verse.lines]
    for seed in range(3):
        a, b = lstm.couplet("night", seed=seed), lstm.couplet("day", seed=seed)
        assert skeleton(a) != skeleton(b) and a.seed == b.seed == seed
    assert lstm.couplet("night", seed=1).lines == lstm.couplet("night", seed=1).lines


def _first_choice(judged, variety, seeds=2000):
    return [choice_order(judged, variety, np.random.default_rng(s))[0].text for s in range(seeds)]


def test_the_choice_draws_from_the_softmax_of_distinct_passing_lines():
    passing = [Judgement("one line here", 0.0, -1.0, 1.0, 3)] * 50 + [Judgement("another line here", 0.0, -1.0, 1.0, 3)]
    failing = [Judgement("a better line", 9.0, -1.0, 1.0, 3, ("syllables",))]
    picks = _first_choice(passing + failing, 1.0)
    assert "a better line" not in picks  # a failed check ranks after every passing line, noise or not
    assert 900 < picks.count("another line here") < 1100  # one draw per distinct line: 50 copies are one line
    ahead = [Judgement("the better line", 2.0, -1.0, 1.0, 3), Judgement("the worse line", 0.0, -1.0, 1.0, 3)]
    share = _first_choice(ahead, 1.0).count("the better line") / 2000
    assert abs(share - 1 / (1 + math.exp(-2.0))) < 0.03  # softmax at temperature 1: e^2 / (e^2 + 1) = 0.88
    assert set(_first_choice(ahead, 0.0, seeds=50)) == {"the better line"}
    rng = np.random.default_rng(5)
    assert choice_order(ahead[::-1], 0.0, rng) == ahead and rng.random() == np.random.default_rng(5).random()
    rng = np.random.default_rng(5)  # one distinct passing line: nothing to choose, nothing drawn
    assert choice_order(passing[:3] + failing, 1.0, rng)[0].text == "one line here"
    assert rng.random() == np.random.default_rng(5).random()


def test_the_score_terms_are_computed_only_for_candidates_that_pass_the_checks(lstm, monkeypatch):
    scored = {"reader": [], "discriminator": [], "words": []}
    for name, owner, method in (("reader", lstm.reader, "score"), ("discriminator", lstm.discriminator, "log_real"),
                                ("words", lstm.words, "line_logprob")):
        term = getattr(owner, method)
        monkeypatch.setattr(owner, method, lambda lines, term=term, seen=scored[name]: (
            seen.extend([lines] if isinstance(lines, str) else lines) or term(lines)))
    verse = lstm.couplet("night", seed=2, candidates=32)
    assert all(d.attempts == 1 and not d.failed for d in verse.details)  # each line kept from its first sampling
    for seen in scored.values():
        assert verse.lines[0] in seen and verse.lines[1] in seen and len(seen) < 64
        assert all(syllable_count(lstm.index, t) == 8 and len(tokens(t)) >= Rules().min_words for t in seen)


def test_when_no_candidate_passes_the_best_ranked_of_all_wholly_scored_is_kept(lstm, monkeypatch):
    batches = []
    judged = rhymer.Rhymer._judged
    monkeypatch.setattr(rhymer.Rhymer, "_judged", lambda self, *a: batches.append(judged(self, *a)) or batches[-1])
    verse = lstm.couplet("night", seed=1, candidates=16, retries=0, rules=Rules(min_words=14))  # every line too short
    passing, failing = batches[:2]  # the line written first: none passes, so all 16 are scored with every term
    assert passing == [] and len(failing) == 16 and all(j.failed for j in failing)
    best = min(failing, key=Judgement.rank)
    assert verse.details[1].text == best.text and verse.details[1].score == round(best.score, 4)


def test_a_line_no_candidate_keeps_is_the_best_ranked_whatever_the_variety(markov, monkeypatch):
    monkeypatch.setattr(markov.copies, "copied", lambda line: True)  # every passing candidate is copied
    loose = Rules(syllable_tolerance=40)  # most candidates pass every check but the copy check
    for seed in range(4):
        plain, varied = (markov.couplet("night", seed=seed, candidates=16, retries=0, rules=loose, variety=v)
                         for v in (0.0, 5.0))
        assert plain.details[1] == varied.details[1]  # the line written first: the same candidates, no noise on the fallback
        assert varied.details[1].failed == ("copied",) and varied.variety == 5.0


def test_variety_gives_a_seed_word_other_lines_across_seeds(lstm):
    def lines(variety):
        verses = [lstm.couplet(word, seed=seed, variety=variety) for word in ("love", "song") for seed in range(4)]
        verses += [lstm.reply("I walked along the shore at night", seed=0, candidates=8, variety=variety),
                   *lstm.series(1, seed_word="night", seed=0, candidates=8, variety=variety)]
        assert {v.variety for v in verses} == {variety} and all(v.to_dict()["variety"] == variety for v in verses)
        return {line for v in verses for line in v.lines}
    assert len(lines(0.0)) < len(lines(3.0))


# -- program metrics ------------------------------------------------------------------------------

def test_identical_and_invented_word_metrics():
    couplets = [("In the dark of night", "We waited for midnight"), ("The stars are bright", "They shine so right"),
                ("The day is done", "The day is done")]
    assert metrics.identical_rhyme_rate(couplets) == pytest.approx(2 / 3)
    invented = ["Delightful Spirit, rountinemitated", "and abstain"]
    assert metrics.invented_word_rate(invented, lambda w: w != "rountinemitated") == 0.5


def test_model_folders_are_built_with_their_word_model(small_corpus, tmp_path):
    from rhymer import modeldir

    modeldir.write_markov_model(tmp_path, small_corpus, order=3)
    r = rhymer.load(str(tmp_path))
    assert r.words is not None and "thy" in r.words.vocab
    plain = r.couplet("night", seed=1, candidates=4, weights=rhymer.Weights(words=0))
    assert r.couplet("night", seed=1, candidates=4).details[1].score != plain.details[1].score  # the word term counts
    (tmp_path / modeldir.NGRAMS).write_text('{"format": "rhymer-wordgrams", "order": 3}')
    with pytest.raises(ModelError, match="ngrams.json"):
        rhymer.load(str(tmp_path))


# -- a series that does not echo itself ------------------------------------------------------------

@pytest.mark.parametrize("line, earlier, echo", [
    ("And yet to be revenged this night", ["And, there to be revenged this night"], True),
    ("The trophies of his war", ["and all the trophies of the field"], True),
    ("And on the hills", ["And on the sea", "Upon the hills"], False),  # only function words, or two words
    ("Of the night", [], False),
    ("I wander in the night", ["Who sleeps in the night, and wakes"], False),  # a line's last run: its rhyme word's
])
def test_echoes_are_runs_of_three_words_with_a_content_word(line, earlier, echo):
    assert echoes(line, earlier) is echo


def test_a_series_writes_each_verse_to_avoid_the_lines_before_it(lstm):
    k = 64  # (fewer candidates than the default: the same rule, a sixth of the time)
    series = list(lstm.series(12, seed_word="love", seed=1, candidates=k))
    start, gave_way = 1, 0
    for i, verse in enumerate(series):
        earlier = [line for v in series[:i] for line in v.lines][-SERIES_MEMORY:]
        tried = []
        for seed in range(start, start + SERIES_TRIES):  # the seeds after the last one tried for the verse before
            couplet = lstm.couplet("love", seed=seed, candidates=k, avoid=earlier)
            tried.append((repetition(couplet.lines, earlier), couplet))
            if tried[-1][0] == (0, 0):
                break
        assert verse == min(tried, key=lambda t: t[0])[1], i  # the earliest of the least repeating
        gave_way += len(tried) - 1
        start += len(tried)
    assert series == list(lstm.series(12, seed_word="love", seed=1, candidates=k))  # the same series again
    said, echoed = zip(*(repetition(v.lines, [line for w in series[:i] for line in w.lines]) for i, v in enumerate(series)))
    assert sum(said) == 0 and sum(echoed) <= 2, series
    # each verse on its own seed alone says one line 2 over and over: "He showed the names of those above."
    alone = [lstm.couplet("love", seed=v.seed, candidates=k).lines[1] for v in series]
    assert len(set(alone)) <= len(alone) // 2 < len({v.lines[1] for v in series}), alone
    assert repetition(["The trophies of the field, my love"], ["THE TROPHIES OF THE FIELD my love!"]) == (1, 1)


def test_a_series_avoids_the_lines_it_is_given_and_checks_its_arguments(markov):
    first = next(markov.series(1, seed_word="night", seed=3))
    after = next(markov.series(1, seed_word="night", seed=3, avoid=list(first.lines)))
    assert not any(echoes(line, first.lines) or line in first.lines for line in after.lines)
    assert after == markov.couplet("night", seed=after.seed, avoid=first.lines)
    highest = MAX_SEED + 1 - 2 * SERIES_TRIES  # room for every seed two verses may take
    for bad, error in [({"count": 0}, GenerationError), ({"avoid": "a line"}, TypeError),
                       ({"avoid": [3]}, TypeError), ({"seed": -1}, GenerationError), ({"seed": highest + 1}, GenerationError)]:
        with pytest.raises(error):
            markov.series(**{"count": 2, **bad})  # at once, before any verse is asked for: never half a series
    last = list(markov.series(2, seed_word="night", seed=highest, avoid=list(first.lines)))
    assert len(last) == 2 and highest <= last[0].seed < last[1].seed <= MAX_SEED
    fresh = next(markov.series(1, seed_word="night"))  # fresh seeds, each recorded
    assert fresh == markov.couplet("night", seed=fresh.seed)


def test_a_lines_echo_of_the_verses_other_lines_costs_its_score():
    index = rhymer.load("markov").index
    args = (-1.0, True, index, Rules(), Weights(), ["And, there to be revenged this night"])
    echoed, plain = judge("And yet to be revenged this light", *args), judge("And yet to have my vengeance on the light", *args)
    quiet = judge("And yet to be revenged this light", -1.0, True, index, Rules(), Weights(echo=0), args[-1])
    unpenalised = judge(plain.text, -1.0, True, index, Rules(), Weights(echo=0), args[-1])
    assert echoed.score == pytest.approx(quiet.score - Weights().echo) and plain.score == unpenalised.score
    assert not echoed.failed and not plain.failed


def test_a_line_with_a_quotation_mark_or_bracket_left_without_its_partner_fails_a_check():
    index = rhymer.load("markov").index
    args = (-1.0, True, index, Rules(), Weights(), [])
    assert judge('"It was such pleasure to be done.', *args).failed == ("unbalanced_marks",)
    assert judge('The current of her breast?" she cried,', *args).failed == ("unbalanced_marks",)
    assert judge("Though (hateful; I myself when by.", *args).failed == ("unbalanced_marks",)
    assert judge("The night (so still) was come,", *args).failed == ()
    assert judge('"Come," she said, "to me tonight."', *args).failed == ()
    verse = rhymer.load().couplet("month", seed=1)  # its second line was '"It was such pleasure to be done.'
    assert all(line.count('"') % 2 == 0 for line in verse.lines), verse.lines


def test_a_verse_that_gave_way_to_the_next_seeds_says_so(cli):
    # a verse that breaks a rule gives way to the next seed's (Rhymer.series): --json said so, the text nothing
    gave = cli("verse", "--scheme", "limerick", "-w", "day", "--seed", "2", "-k", "8", "-m", "markov")
    assert gave.returncode == 0 and "# seed 2's verse broke a rule, so this is seed 3's (--seed 3 writes it again)" in gave.stderr
    assert cli("verse", "--scheme", "limerick", "-w", "day", "--seed", "3", "-k", "8", "-m", "markov").stdout == gave.stdout


def test_count_cli_writes_a_series(cli):
    result = cli("couplet", "-w", "night", "--seed", "7", "-n", "4", "--json")
    assert result.returncode == 0, result.stderr
    seeds = [json.loads(line)["seed"] for line in result.stdout.splitlines()]
    assert seeds == [v.seed for v in rhymer.load().series(4, seed_word="night", seed=7)]
    text = cli("couplet", "-w", "night", "--seed", "7", "-n", "4")  # the seeds, skipped ones left out, on stderr
    assert text.returncode == 0 and f"# seeds {', '.join(map(str, seeds))}: --seed 7 -n 4 writes them again" in text.stderr


def test_a_form_with_its_own_syllables_refuses_a_syllable_target(markov):
    with pytest.raises(GenerationError, match=r"limerick sets each line's syllables \(8, 8, 5, 5, 8\)"):
        markov.verse("limerick", "night", seed=1, rules=rhymer.Rules(target_syllables=12))
    with pytest.raises(GenerationError, match="capital letters such as ABCB"):
        markov.verse("villanelle", "night", seed=1)  # a form rhymer lacks, not a pattern of ten letters
