from hypothesis import given, settings
from hypothesis import strategies as st

import pytest

from rhymer.corpus import clean, read_text, split_heldout, stats
from rhymer.errors import CorpusError


def test_clean_normalises_quotes_dashes_and_drops_annotations():
    raw = "[Chorus]\n\u201cHello,\u201d she said \u2014 it\u2019s late.   \n\n\n\n[Verse 2: Someone]\nThe night  is [softly] long\t\n"
    assert clean(raw) == "\"Hello,\" she said - it's late.\n\nThe night is long\n"


def test_clean_drops_marker_lines_and_keeps_stanza_breaks():
    assert clean("#\nA line\n\n#\n\nB line\n", r"#+") == "A line\n\nB line\n"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300))
def test_clean_is_idempotent(text):
    once = clean(text)
    assert clean(once) == once


def test_read_text_refuses_empty_binary_and_undecodable(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n\n")
    with pytest.raises(CorpusError, match="empty"):
        read_text(empty)
    binary = tmp_path / "model.bin"
    binary.write_bytes(b"\x00\x01\x02abc")
    with pytest.raises(CorpusError, match="binary"):
        read_text(binary)
    latin = tmp_path / "latin.txt"
    latin.write_bytes("caf\u00e9 au lait\n".encode("latin-1"))
    with pytest.raises(CorpusError, match="--encoding latin-1"):
        read_text(latin)
    assert read_text(latin, "latin-1") == "caf\u00e9 au lait\n"
    with pytest.raises(CorpusError, match="does not exist"):
        read_text(tmp_path / "missing.txt")


def test_utf8_bom_is_dropped(tmp_path):
    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbfThe night\n")
    assert read_text(path) == "The night\n"


def test_heldout_split_is_spread_and_complete(verse_text):
    train, held = split_heldout(verse_text, 0.05)
    assert train + held != verse_text  # interleaved, not a tail cut
    assert len(train) + len(held) == len(verse_text)
    assert 0.03 < len(held) / len(verse_text) < 0.07
    assert held.endswith("\n") and held[:300] in verse_text and held[-300:] in verse_text
    # the held-out blocks come from the whole corpus, not one end of it
    assert verse_text.find(held[:300]) < len(verse_text) * 0.2
    assert verse_text.find(held[-300:]) > len(verse_text) * 0.8
    with pytest.raises(CorpusError, match="too small"):
        split_heldout("one line\n", 0.1)


def test_stats_counts_line_final_words_in_cmu():
    s = stats("The cat sat on the mat\nWhere the glimmerzork\n")
    assert s.lines == 2 and s.line_final_words == 2
    assert s.line_final_in_cmu == 0.5
    assert s.characters == len("The cat sat on the mat\nWhere the glimmerzork\n")
