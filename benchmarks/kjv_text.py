"""King James Bible text from Debian's `bible` program (packages bible-kjv, bible-kjv-text).

One verse per line, verse numbers dropped, a blank line between chapters; the corpora of the
"10 minutes on a new corpus" table (benchmarks/README.md):

    python benchmarks/kjv_text.py "Ps1:1-150:6" > psalms.txt
    python benchmarks/kjv_text.py "Pr1:1-31:31" "Ec1:1-12:14" "Song1:1-8:14" > wisdom.txt

With --lines each verse is broken into verse-like lines after a , ; : . ? or ! once a line has five
words (the shipped model's pretraining text, docs/default-model.md):

    python benchmarks/kjv_text.py --lines "Ge1:1-Re22:21" > kjv-lines.txt
"""

import re
import subprocess
import sys

MIN_LINE_WORDS = 5  # a line breaks at the first clause mark after this many words...
MIN_TAIL_WORDS = 3  # ...and a shorter rest of a verse joins the line before it


def verse_lines(verses: list[str]) -> list[str]:
    """Bible verses (a blank between chapters) as lines that end at clause marks, like lines of verse."""
    lines: list[str] = []
    for verse in verses:
        if not verse:
            lines.append("")
            continue
        line: list[str] = []
        for word in verse.split():
            line.append(word)
            if len(line) >= MIN_LINE_WORDS and re.search(r"[,;:.?!]$", word):
                lines.append(" ".join(line))
                line = []
        if line and lines and lines[-1] and len(line) < MIN_TAIL_WORDS:
            lines[-1] += " " + " ".join(line)
        elif line:
            lines.append(" ".join(line))
    return lines


as_lines = "--lines" in sys.argv[1:]
out = []
for spec in (a for a in sys.argv[1:] if a != "--lines"):
    raw = subprocess.run(["bible", spec], capture_output=True, text=True, check=True).stdout
    for line in raw.splitlines():
        if not line.strip():
            continue
        m = re.match(r"^\s+\d+ (.*)", line)
        if m:
            out.append(m.group(1))
        elif re.match(r"^[A-Z0-9][A-Za-z ]* \d+$", line):
            if out and out[-1] != "":
                out.append("")
        else:
            out[-1] += " " + line.strip()
if as_lines:
    out = verse_lines(out)
sys.stdout.write("\n".join(out).strip() + "\n")
