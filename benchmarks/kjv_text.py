"""King James Bible text from Debian's `bible` program (packages bible-kjv, bible-kjv-text).

One verse per line, verse numbers dropped, a blank line between chapters; the corpora of the
"10 minutes on a new corpus" table (benchmarks/README.md):

    python benchmarks/kjv_text.py "Ps1:1-150:6" > psalms.txt
    python benchmarks/kjv_text.py "Pr1:1-31:31" "Ec1:1-12:14" "Song1:1-8:14" > wisdom.txt
"""

import re
import subprocess
import sys

out = []
for spec in sys.argv[1:]:
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
sys.stdout.write("\n".join(out).strip() + "\n")
