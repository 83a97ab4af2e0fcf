"""The library keeps its promise: every public function refuses a bad argument with a RhymerError that is
also a ValueError (bad value) or a TypeError (wrong type) and names the parameter; nothing else escapes.
The generation commands turn the same mistakes into one line on stderr and exit code 2."""

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rhymer
from rhymer import compare, lexicon, website
from rhymer.errors import GenerationError, InvalidArgument, LexiconError, RhymerError, WrongType
from rhymer.rhymepolicy import ends_no_lines
from rhymer.scoring import Rules, Weights, syllable_count
from rhymer.verse import MAX_SEED
from rhymer.words import tokens


@pytest.fixture(scope="module")
def markov():
    return rhymer.load("markov")


def _verse(**kwargs):
    """A cheap valid call with one setting replaced."""
    args = {"scheme": "couplet", "seed_word": "night", "seed": 1, "candidates": 4, **kwargs}
    return lambda r: r.verse(args.pop("scheme"), args.pop("seed_word"), **args)


BAD_CALLS = [
    # (call on the loaded model, expected kind, parameter named)
    (lambda r: rhymer.load(123), TypeError, "model"),
    (lambda r: rhymer.load(b"default"), TypeError, "model"),
    (lambda r: rhymer.load(""), ValueError, "model"),
    (lambda r: rhymer.load(kind="bogus"), ValueError, "kind"),
    (lambda r: rhymer.load(kind=1), TypeError, "kind"),
    (lambda r: rhymer.load("markov", kind="lstm"), ValueError, "kind"),
    (lambda r: rhymer.Rhymer(123), TypeError, "path"),
    (lambda r: r.couplet(123), TypeError, "seed_word"),
    (lambda r: r.couplet(b"night"), TypeError, "seed_word"),
    (lambda r: r.couplet(""), ValueError, "seed_word"),
    (lambda r: r.couplet("two words"), ValueError, "seed_word"),
    (lambda r: r.couplet("n1ght"), ValueError, "seed_word"),
    (lambda r: r.couplet("xyzzqq"), ValueError, "seed_word"),  # no pronunciation to guess
    (lambda r: r.couplet("glimmerlight", strict=True), ValueError, "seed_word"),  # not in CMU dict
    (lambda r: r.reply("my name is Xyzzqq"), ValueError, "line"),
    (lambda r: r.reply("In 1999 we partied through the night"), ValueError, "line"),  # its syllables are the target
    (lambda r: rhymer.rhymes("xyzzqq"), ValueError, "word"),
    (lambda r: rhymer.syllables("xyzzqq"), ValueError, "text"),
    (lambda r: rhymer.is_rhyme("night", "xyzzqq"), ValueError, "b"),
    (lambda r: r.verse(None), TypeError, "scheme"),
    (lambda r: r.verse(["AABB"]), TypeError, "scheme"),
    (lambda r: r.verse("villanelle"), ValueError, "scheme"),
    (lambda r: r.verse("A\nA"), ValueError, "scheme"),
    (lambda r: r.rhymes(None), TypeError, "word"),
    (lambda r: r.rhymes("night", near="yes"), TypeError, "near"),
    (lambda r: rhymer.rhymes(None), TypeError, "word"),
    (lambda r: rhymer.rhymes("night", strict=1), TypeError, "strict"),
    (lambda r: rhymer.rhymes("night", near=None), TypeError, "near"),
    (lambda r: rhymer.is_rhyme(None, "x"), TypeError, "a"),
    (lambda r: rhymer.is_rhyme("night", 3), TypeError, "b"),
    (lambda r: rhymer.is_rhyme("night", "light", near="no"), TypeError, "near"),
    (lambda r: rhymer.syllables(None), TypeError, "text"),
    # a misspelt keyword, as methods already refused it: not Python's own TypeError, which no RhymerError catches
    (lambda r: rhymer.Rules(min_word=1), TypeError, "min_word"),
    (lambda r: rhymer.Weights(foo=1), TypeError, "foo"),
    (lambda r: rhymer.load(modle="markov"), TypeError, "modle"),
    (lambda r: rhymer.rhymes("night", nearr=True), TypeError, "nearr"),
    (lambda r: rhymer.is_rhyme("night", "light", nea=True), TypeError, "nea"),
    (lambda r: rhymer.syllables(txt="night"), TypeError, "txt"),
    (lambda r: r.rhymes("night", stric=True), TypeError, "stric"),
    (lambda r: rhymer.syllables(""), ValueError, "text"),
    (lambda r: rhymer.syllables("I have 2 cats"), ValueError, "text"),  # a line's words leave digits out: 3, not 4
    (_verse(temperature="hot"), TypeError, "temperature"),
    (_verse(temperature=True), TypeError, "temperature"),
    (_verse(temperature=float("nan")), ValueError, "temperature"),
    (_verse(temperature=float("inf")), ValueError, "temperature"),
    (_verse(temperature=0), ValueError, "temperature"),
    (_verse(variety=-0.5), ValueError, "variety"),
    (_verse(variety="1"), TypeError, "variety"),
    (lambda r: r.reply("I walked along the shore at night", variety=float("nan")), ValueError, "variety"),
    (_verse(temperature=10**400), ValueError, "temperature"),
    (_verse(top_p="0.9"), TypeError, "top_p"),
    (_verse(top_p=0), ValueError, "top_p"),
    (_verse(top_p=1.01), ValueError, "top_p"),
    (_verse(top_p=float("nan")), ValueError, "top_p"),
    (lambda r: r.reply("I walked along the shore at night", top_p=2), ValueError, "top_p"),
    (lambda r: r.reply("I walked along the shore at night", top_p=None), TypeError, "top_p"),
    (_verse(candidates=2.5), TypeError, "candidates"),
    (_verse(candidates="16"), TypeError, "candidates"),
    (_verse(candidates=True), TypeError, "candidates"),
    (_verse(candidates=0), ValueError, "candidates"),
    (_verse(candidates=10**6), ValueError, "candidates"),
    (_verse(seed="abc"), TypeError, "seed"),
    (_verse(seed=1.5), TypeError, "seed"),
    (_verse(seed=-1), ValueError, "seed"),
    (_verse(seed=2**70), ValueError, "seed"),
    (_verse(retries=-5), ValueError, "retries"),
    (_verse(retries=10**9), ValueError, "retries"),
    (_verse(retries=1.0), TypeError, "retries"),
    (_verse(rules={"min_words": 3}), TypeError, "rules"),
    (_verse(weights=1), TypeError, "weights"),
    (_verse(rhyme="slant"), ValueError, "rhyme"),
    (_verse(rhyme=None), TypeError, "rhyme"),
    (_verse(strict="yes"), TypeError, "strict"),
    (lambda r: Rules(min_words=5, max_words=2), ValueError, "min_words"),
    (lambda r: Rules(min_words=0), ValueError, "min_words"),
    (lambda r: Rules(max_words="14"), TypeError, "max_words"),
    (lambda r: Rules(target_syllables=0), ValueError, "target_syllables"),
    (lambda r: Rules(target_syllables=41), ValueError, "target_syllables"),
    (lambda r: Rules(target_syllables=2.5), TypeError, "target_syllables"),
    (lambda r: Rules(syllable_tolerance=-1), ValueError, "syllable_tolerance"),
    (lambda r: Rules(meter="dactylic"), ValueError, "meter"),
    (lambda r: Rules(meter=1), TypeError, "meter"),
    (lambda r: Weights(logprob=float("nan")), ValueError, "logprob"),
    (lambda r: Weights(real_words="3"), TypeError, "real_words"),
    (lambda r: Weights(meter=-1), ValueError, "meter"),
    (lambda r: Weights(syllables=1e9), ValueError, "syllables"),
    # half an emoji (a cut-off JSON payload): refused, not a UnicodeEncodeError from deep inside
    (lambda r: r.reply("I walked \ud83c along the shore at night"), ValueError, "line"),
    (lambda r: r.couplet("ni\udcffght"), ValueError, "seed_word"),
    (lambda r: rhymer.rhymes("ni\ud83cght"), ValueError, "word"),
    (lambda r: list(r.series(1, seed_word="night", avoid=["a\ud83c"])), ValueError, "avoid"),
    (lambda r: r.couplet("night", avoid="a line"), TypeError, "avoid"),  # one string is no list of lines
    (lambda r: compare.parse_orders("8-3"), ValueError, "markov_orders"),
    (lambda r: compare.run(None, ["markov"], couplets=0), ValueError, "couplets"),
    (lambda r: website.serve(Path("."), port=70000), ValueError, "port"),
    # a word no line ends on: the line written to it reads cut off ("the leaves of the,"), though words rhyme with it
    (lambda r: r.couplet("And"), ValueError, "seed_word"),
    (lambda r: r.couplet("your"), ValueError, "seed_word"),
    # a misspelt option: a RhymerError, a TypeError as Python's own would be, naming it
    (lambda r: r.couplet("night", temprature=0.7), TypeError, "temprature"),
    (lambda r: r.reply("I walked along the shore at night", topp=0.5), TypeError, "topp"),
    (lambda r: r.series(2, seed_word="night", sed=3), TypeError, "sed"),
    (lambda r: rhymer.Verse.from_json("{"), ValueError, "text"),
    (lambda r: rhymer.Verse.from_dict([]), TypeError, "data"),
    (lambda r: rhymer.Verse.from_dict({"lines": 3}), ValueError, "data"),
    (lambda r: rhymer.Verse.from_dict({**r.couplet("night", seed=1, candidates=2).to_dict(), "seed": "7"}), ValueError, "data"),
    (lambda r: rhymer.Verse.from_json("1" * 5000), ValueError, "text"),  # beyond Python's int-length limit
    (lambda r: rhymer.Verse.from_dict({**r.couplet("night", seed=1, candidates=2).to_dict(), "lines": "ab"}), ValueError, "data"),
]


@pytest.mark.parametrize("call, kind, parameter", BAD_CALLS)
def test_bad_arguments_raise_the_right_rhymer_error_naming_the_parameter(markov, call, kind, parameter):
    with pytest.raises(RhymerError) as caught:
        call(markov)
    err = caught.value
    assert isinstance(err, kind) and isinstance(err, InvalidArgument if kind is ValueError else WrongType)
    assert err.parameter == parameter and parameter in str(err)
    assert "\n" not in str(err) and len(str(err)) < 200, str(err)


def test_errors_name_the_argument_at_fault_where_their_message_does_not(markov):
    cases = [(lambda: markov.couplet("nacht"), "seed_word"),  # no word rhymes with it
             (lambda: markov.reply("I ate an orange", rhyme="perfect"), "line"),
             (lambda: markov.reply("along the shore at night\x00"), "line"),  # a character the model never saw
             (lambda: rhymer.load("no such model"), "model")]
    for call, parameter in cases:
        with pytest.raises(RhymerError) as caught:
            call()
        assert caught.value.parameter == parameter, str(caught.value)
    assert [ends_no_lines(markov.index, w) for w in ("and", "your", "my", "of", "could", "beauty")] == [
        True, True, True, False, False, False]
    assert markov.index.rhymes("and") and markov.index.rhymes("your")  # refused for what they are, not for want of rhymes
    assert markov.reply("I would help you if I could", seed=1).rhyme_words[0] in markov.index.rhymes("could")  # a line may


def test_a_verse_comes_back_whole_from_its_json(markov):
    verse = markov.verse("ABAB", "sea", seed=5, candidates=4)
    back = rhymer.Verse.from_json(verse.to_json())
    assert back == verse and hash(back) == hash(verse) and isinstance(back.details[0], rhymer.Line)
    assert str(back) == str(verse) and back.scores == verse.scores
    with pytest.raises(InvalidArgument, match="half a character"):  # said as such, not as a number too long
        rhymer.Verse.from_json('{"lines": ["\ud83c"]}')


def test_old_error_families_still_catch_their_cases(markov):
    with pytest.raises(GenerationError):
        markov.couplet("night", temperature=5)
    with pytest.raises(GenerationError):
        Rules(meter="dactylic")
    with pytest.raises(LexiconError):
        markov.couplet("two words")


def test_plain_and_numpy_values_are_accepted_and_recorded_as_plain_python(markov):
    verse = markov.couplet("night", seed=np.int64(3), candidates=np.int32(4), temperature=np.float32(0.5),
                           retries=0, rules=None, weights=None, strict=np.bool_(False))
    assert type(verse.seed) is int and type(verse.candidates) is int and type(verse.temperature) is float
    verse.to_json()
    assert markov.couplet("night", seed=3, candidates=4, temperature=0.5, retries=0) == verse
    assert markov.couplet("night", seed=MAX_SEED, candidates=2).seed == MAX_SEED
    assert len(markov.couplet("night", seed=2, candidates=2, retries=0).lines) == 2  # retries 0: no crash


def test_syllables_and_couplet_agree_on_the_seed_word(markov):
    with pytest.raises(LexiconError) as by_syllables:
        rhymer.syllables("qqqq")
    with pytest.raises(LexiconError) as by_couplet:
        markov.couplet("qqqq", seed=1)
    assert str(by_syllables.value).replace("text", "seed_word", 1) == str(by_couplet.value)  # each names its own argument
    outside = [w for w in ("glimmerlight", "xylophone", "spaghetti", "night", "literally") if w not in markov.index.prons]
    assert len(outside) >= 3  # words the corpus index does not hold: counted by the same rule
    for word in (*outside, "night", "literally"):
        assert markov.index.syllables(word) == lexicon.syllable_count(word) == rhymer.syllables(word), word
    line = markov.couplet("glimmerlight", seed=5, candidates=4).details[0]
    assert line.syllables == sum(lexicon.syllable_count(t) for t in tokens(line.text))


# -- arbitrary values at every public function and parameter ------------------------------------------
ANYTHING = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=60),
    st.binary(max_size=20), st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.sampled_from(["night", "glimmerlight", "qqqq", "couplet", "AABB", "auto", "perfect", "iambic", "markov", "lstm"]),
    st.integers(0, 40), st.floats(0.05, 3.0),
)
FAST = settings(max_examples=40, deadline=None)
VERSE_PARAMS = ["scheme", "seed_word", "temperature", "seed", "candidates", "top_p", "variety", "retries", "rhyme", "weights",
                "rules", "strict"]


def _only_rhymer_errors(call):
    try:
        return call()
    except RhymerError as err:
        assert "\n" not in str(err), str(err)


@FAST
@given(param=st.sampled_from(VERSE_PARAMS), value=ANYTHING)
def test_verse_takes_anything_without_crashing(markov, param, value):
    args = {"scheme": "couplet", "seed_word": "night", "seed": 1, "candidates": 4, param: value}
    if param in ("candidates", "retries") and isinstance(value, int) and value > 16:
        args[param] = 16  # a valid but slow setting proves nothing more
    verse = _only_rhymer_errors(lambda: markov.verse(args.pop("scheme"), args.pop("seed_word"), **args))
    if verse is not None:
        verse.to_json()


@FAST
@given(word=ANYTHING, near=ANYTHING, strict=ANYTHING)
def test_lexicon_functions_take_anything_without_crashing(markov, word, near, strict):
    _only_rhymer_errors(lambda: rhymer.rhymes(word, near=near, strict=strict))
    _only_rhymer_errors(lambda: rhymer.is_rhyme(word, "night", near=near))
    _only_rhymer_errors(lambda: rhymer.is_rhyme("night", word))
    _only_rhymer_errors(lambda: rhymer.syllables(word))
    _only_rhymer_errors(lambda: markov.rhymes(word, near=near))
    _only_rhymer_errors(lambda: markov.couplet(word, seed=1, candidates=2))


@FAST
@given(model=ANYTHING, kind=ANYTHING)
def test_load_takes_anything_without_crashing(model, kind):
    _only_rhymer_errors(lambda: rhymer.load(model, kind))
    _only_rhymer_errors(lambda: rhymer.Rhymer(model, kind))


@FAST
@given(cls=st.sampled_from([Rules, Weights]), data=st.data())
def test_rules_and_weights_take_anything_without_crashing(cls, data):
    field = data.draw(st.sampled_from(list(cls.__dataclass_fields__)))
    _only_rhymer_errors(lambda: cls(**{field: data.draw(ANYTHING)}))


# -- the generation commands -----------------------------------------------------------------------------
CLI_BAD = [
    (("couplet", "--seed", "-1"), "seed -1 is out of range"),
    (("couplet", "--seed", str(2**70)), "seed"),
    (("couplet", "--seed", "abc"), "'--seed': 'abc' is not a valid int"),  # the bad value quoted
    (("couplet", "--temperature", "hot"), "'hot' is not a valid float"),
    (("couplet", "--temperature", "nan"), "error: --temperature nan"),
    (("verse", "-t", "inf"), "error: --temperature inf"),
    (("couplet", "-w", "orange", "--rhyme", "perfect"), "allow near rhymes (--rhyme auto)"),
    (("couplet", "-w", "a min_words b"), "error: --seed-word 'a min_words b' is several words"),  # the user's own, as typed
    (("couplet", "--candidates", "2.5"), "--candidates"),
    (("couplet", "--candidates", "5000"), "error: --candidates 5000 is out of range"),
    (("verse", "-p", "1.5"), "error: --top-p 1.5 is out of range"),
    (("reply", "I walked along the shore at night", "--top-p", "nan"), "error: --top-p nan is out of range"),
    (("compare", "--top-p", "0"), "error: --top-p 0.0 is out of range"),  # before any work
    (("couplet", "--top-p", "most"), "'most' is not a valid float"),
    (("couplet", "--variety", "-1"), "error: --variety -1.0 is out of range"),
    (("reply", "I walked along the shore at night", "--variety", "1000"), "error: --variety 1000.0 is out of range"),
    (("couplet", "--count", "0"), "Invalid value for '--count'"),
    (("verse", "--syllables", "0"), "error: --syllables 0 is out of range"),
    (("couplet", "--min-words", "5", "--max-words", "2"), "error: --min-words 5 is above --max-words 2"),
    (("verse", "--min-words", "0"), "error: --min-words 0 is out of range"),
    (("verse", "--scheme", "villanelle"), "unknown scheme"),
    (("verse", "--scheme", "A\nA"), "unknown scheme"),
    (("verse", "--meter", "dactylic"), "unknown meter"),
    (("couplet", "--rhyme", "slant"), "unknown rhyme"),
    (("couplet", "-w", "qqqq"), "error: --seed-word 'qqqq' has no pronunciation to go by"),
    (("reply", "my name is Qqqq"), "error: the line's last word 'qqqq' has no pronunciation to go by"),
    (("reply", "In 1999 we partied through the night"), "error: the line to answer has digits"),
    (("couplet", "--bogus"), "No such option"),
    (("rhymes", ""), "word is empty"),
    (("rhymes", "glimmerlight", "--strict"), "dictionary; drop --strict to guess its rhyme"),
    (("rhymes", "two words", "--model", "markov"), "several words"),
]


@pytest.mark.parametrize("args, message", CLI_BAD)
def test_bad_generation_options_are_one_line_and_exit_2(cli, args, message):
    model = () if args[0] == "rhymes" else ("--model", "markov")
    result = cli(*args, *model)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr and result.stdout == ""


def test_syllables_of_a_line_are_what_the_verse_counts(markov):
    lines = [line for seed in range(6) for line in markov.couplet("night", seed=seed, candidates=4).lines]
    lines += ["I walked along the shore at night", "O'er glimmerlight and broken-hearted sea!"]
    for line in lines:
        assert rhymer.syllables(line) == syllable_count(markov.index, line), line
    assert rhymer.syllables("I walked along the shore at night") == 8
    assert rhymer.syllables("  night  ") == 1  # one word, however spaced
    with pytest.raises(LexiconError, match="not an English word"):
        rhymer.syllables("n1ght")  # one word is checked as a seed word is
