"""Rhymes a poet would accept: no rhymes through reduced CMU variants, near rhymes that are near and
offered closest first (issue 9, item 9)."""

import json
import math

import numpy as np
import pronouncing
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rhymer import lexicon, modeldir, rhymepolicy
from rhymer.rhymeindex import RhymeIndex

HARD_WORDS = ("orange", "purple", "silver", "month", "ocean", "tender", "empty", "wolf")


@pytest.fixture(scope="module")
def index() -> RhymeIndex:
    return RhymeIndex.load(modeldir.DEFAULT_DIR / modeldir.WORDS)


def _distance(a: str, b: str) -> float:
    return lexicon.near_distance(lexicon.pronunciations(a), lexicon.pronunciations(b))


@pytest.mark.parametrize("a, b", [("empty", "tender"), ("wolf", "yours"), ("wisdom", "persisting")])
def test_far_same_vowel_pairs_are_no_near_rhymes(index, a, b):
    assert lexicon.pronunciations(a)[0].vowel == lexicon.pronunciations(b)[0].vowel  # they share the vowel...
    assert not lexicon.is_rhyme(a, b, near=True) and not lexicon.is_rhyme(b, a, near=True)  # ...but not the coda
    assert b not in lexicon.rhymes(a, near=True) and a not in lexicon.rhymes(b, near=True)
    assert b not in index.near_rhymes(a) and a not in index.near_rhymes(b)


@pytest.mark.parametrize("word", HARD_WORDS)
def test_near_rhymes_are_listed_closest_first(index, word):
    for found in (lexicon.rhymes(word, near=True), list(index.near_rhymes(word))):
        distances = [_distance(word, other) for other in found]
        assert distances == sorted(distances), (word, found)
        assert all(d <= lexicon.MAX_NEAR_DISTANCE for d in distances)
        assert not any(lexicon.is_rhyme(word, other) for other in found)  # perfect rhymes are listed apart


@pytest.mark.parametrize("word, closer, farther", [
    ("night", "ride", "bike"),  # only voicing differs (T/D) before another place (T/K)
    ("night", "bike", "sky"),  # a consonant for a consonant before no consonant at all
    ("tender", "center", "tenor"),
    ("silver", "pilfer", "river"),
])
def test_closer_near_rhymes_come_first(word, closer, farther):
    found = lexicon.rhymes(word, near=True)
    assert found.index(closer) < found.index(farther)
    assert _distance(word, closer) < _distance(word, farther)


_KEYS = st.lists(st.sampled_from("T D K G S Z M N NG L R AH IH IY ER".split()), max_size=4).map(
    lambda tail: " ".join(["AY", *tail]))


@settings(max_examples=200, deadline=None)
@given(a=_KEYS, b=_KEYS, c=_KEYS)
def test_coda_distance_is_a_distance(a, b, c):
    ab = lexicon.coda_distance(a, b)
    assert ab == lexicon.coda_distance(b, a)
    assert (ab == 0) == (a == b)
    assert ab <= lexicon.coda_distance(a, c) + lexicon.coda_distance(c, b) + 1e-9
    assert lexicon.coda_distance(a, "IY" + a[2:]) == math.inf  # another stressed vowel: never near


def test_reduced_variants_give_no_rhymes(index):
    assert pronouncing.phones_for_word("just")[1] == "JH IH0 S T"  # CMU's "jist", listed after the main one
    assert not lexicon.is_rhyme("just", "mist") and not lexicon.is_rhyme("mist", "just")
    assert "mist" not in lexicon.rhymes("just") and "just" not in lexicon.rhymes("mist")
    assert lexicon.is_rhyme("just", "must") and "trust" in lexicon.rhymes("just")
    assert "mist" not in index.rhymes("just") and "must" in index.rhymes("just")


@pytest.mark.parametrize("word, not_rhyme, rhyme", [
    ("don't", "known", "won't"), ("around", "town", "ground"), ("last", "pass", "past"), ("next", "sex", "text"),
])
def test_a_variant_that_drops_the_final_stop_gives_no_rhymes(index, word, not_rhyme, rhyme):
    phones = pronouncing.phones_for_word(word)
    assert phones[1] == phones[0].rsplit(" ", 1)[0]  # CMU's "don'", "aroun'": the main one less its T or D
    assert not lexicon.is_rhyme(word, not_rhyme) and not_rhyme not in lexicon.rhymes(word)
    assert lexicon.is_rhyme(word, rhyme) and rhyme in lexicon.rhymes(word)
    assert not_rhyme not in index.rhymes(word) and len(index.prons[word]) == 1  # the shipped index was rebuilt


@pytest.mark.parametrize("word, identical, rhyme", [
    ("around", "round", "ground"), ("arrest", "rest", "best"), ("arise", "rise", "eyes"), ("array", "ray", "day"),
])
def test_an_unstressed_er_before_the_stressed_vowel_gives_its_syllable_an_r(index, word, identical, rhyme):
    # CMU dict writes a-round as ER0 AW1 N D: its R begins the stressed syllable, so round is an identical rhyme
    assert pronouncing.phones_for_word(word)[0].startswith("ER0")
    assert not lexicon.is_rhyme(word, identical) and lexicon.is_rhyme(word, rhyme)
    assert identical not in index.rhymes(word) and index.prons[word][0].onset == "R"  # the shipped index was rebuilt


@pytest.mark.parametrize("word, identical, rhyme", [("forever", "ever", "never"), ("overall", "all", "fall")])
def test_a_prefix_keeps_its_own_r(word, identical, rhyme):
    # for-ever, over-all: CMU writes the prefix's R as an ER too, but the stem's syllable begins with no R
    assert not lexicon.is_rhyme(word, identical) and lexicon.is_rhyme(word, rhyme)
    assert word not in lexicon.rhymes(identical) and word in lexicon.rhymes(rhyme)  # both ways, as rhymer rhymes lists


def test_a_variant_that_adds_the_er_syllable_keeps_its_rhymes(index):
    # spring as S P ER0 IH1 NG ("spuh-ring") would give it onset R, a homophone of ring
    assert "S P ER0 IH1 NG" in pronouncing.phones_for_word("spring")
    assert lexicon.is_rhyme("spring", "ring") and lexicon.is_rhyme("springs", "rings") and "ring" in index.rhymes("spring")


@pytest.mark.parametrize("word", ["just", "years", "been", "yours", "the", "tears", "wind", "live", "again", "don't", "around",
                                  "arrest"])
def test_the_shipped_index_holds_the_rhyming_pronunciations(index, word):
    """words.json must be rebuilt with the current builder: an old one still rhymes just/mist."""
    assert index.prons[word] == lexicon.pronunciations(word)
    phones = pronouncing.phones_for_word(word)
    assert lexicon.pronunciations(word)[0] == lexicon.analyse(phones[0])  # CMU's main pronunciation leads
    clipped = phones[0].rsplit(" ", 1)[0] if phones[0].endswith((" T", " D")) else None  # "don'" for "don't"
    assert {p.key for p in index.prons[word]} == {lexicon.analyse(p).key for p in phones
                                                  if p == phones[0] or any(c in p for c in "12") and p != clipped}


@pytest.mark.parametrize("word, one, other", [
    ("tears", "bears", "fears"), ("wind", "find", "sinned"), ("live", "five", "give"), ("read", "need", "bed"),
])
def test_stressed_variants_still_rhyme(word, one, other):
    assert lexicon.is_rhyme(word, one) and lexicon.is_rhyme(word, other)


def _spread(index: RhymeIndex, word: str) -> tuple[list[str], dict[str, float]]:
    """The words that take every perfect rhyme of ``word``, and its near rhymes once they are taken."""
    used = [word, *index.rhymes(word)]
    return used, index.near_rhymes(word, avoid=used)


def test_a_near_rhyme_is_drawn_from_the_closest_band(index):
    word = next(w for w in ("ocean", *HARD_WORDS, *rhymepolicy.SEED_WORDS) if (d := _spread(index, w)[1])
                and max(d.values()) > min(d.values()) + rhymepolicy.NEAR_BAND)  # a far one to refuse
    used, distances = _spread(index, word)
    for seed in range(20):
        chosen, near = rhymepolicy.rhyme_choices(index, [word], used, np.random.default_rng(seed), "auto", candidates=4)
        assert near and all(distances[w] <= min(distances.values()) + rhymepolicy.NEAR_BAND for w in chosen)


def test_identical_rhymes_count_once_when_rhymes_are_kept_for_later_lines(index):
    """silver's closest near rhymes are river, giver, liver and deliver: a line written for liver and deliver
    left AAAA's last line no rhyme, since each is the other's identical rhyme."""
    assert lexicon.is_homophone(index.pronunciations("liver"), index.pronunciations("deliver"))
    for seed in range(20):
        words, nears = rhymepolicy.end_words(index, "AAAA", "silver", np.random.default_rng(seed), "auto", candidates=256)
        assert nears[1:] == [True] * 3  # a line's options may be each other's identical rhymes, not another line's
        assert not any(lexicon.is_homophone(index.pronunciations(a), index.pronunciations(b))
                       for i, line in enumerate(words) for later in words[i + 1 :] for a in line for b in later)


def test_rhymes_command_lists_near_rhymes_closest_first(cli):
    out = cli("rhymes", "orange", "--near", "--json", "--limit", "0")
    found = json.loads(out.stdout)
    assert out.returncode == 0 and found == lexicon.rhymes("orange", near=True)
    distances = [_distance("orange", w) for w in found]
    assert distances == sorted(distances) and distances[0] < distances[-1]


def test_a_models_near_rhymes_follow_the_ranking(index):
    import rhymer

    assert rhymer.load().rhymes("Tender", near=True) == list(index.near_rhymes("tender"))
