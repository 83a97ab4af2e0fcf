"""Public-domain rhymed English verse picked from Debian's fortunes 1:1.99.1-7.3
(/usr/share/games/fortunes/songs-poems, fortune-mod upstream; BSD-licensed package).
Only entries attributed to authors who died before 1955, with the work first published
before 1929, in English, rhymed, laid out one verse line per line (two-column layouts skipped);
entries already contained in byron_don_juan.txt / housman_shropshire_lad.txt /
fitzgerald_rubaiyat_5th_ed.txt (same quatrains, other edition) left out.
Usage: python3 fortunes_pd_verse.py PATH/TO/songs-poems > fortunes_pd_verse.txt
Changes: attribution lines ('-- Author') dropped, leading/trailing blanks stripped."""
import sys

KEEP = {  # entry index (split on '\n%\n'): text that must occur in its attribution
    16: "Blake", 19: "William Blake", 21: "Leigh Hunt", 23: "Millay", 42: "Blake", 61: "Frederic Reynolds", 86: "Belloc", 88: "Burns",
    105: "Donne", 108: "Fletcher", 114: "Heber", 139: "Stevenson", 147: "Stevenson",
    154: "Hawes", 158: "Swinburne", 164: "Canning", 208: "Carrol", 224: "Stevenson",
    301: "Coleridge", 363: "Byron",
    401: "Hardy", 427: "Tennyson", 432: "Blake", 485: "Carrol",
    545: "Burns", 549: "Carroll", 625: "Stevenson",
    630: "Burns", 688: "Burns",
}
entries = open(sys.argv[1], encoding="latin-1").read().split("\n%\n")
poems = []
for i, who in KEEP.items():
    lines = [line.strip() for line in entries[i].strip("\n").split("\n")]
    body = [line for line in lines if not line.startswith("--")]
    assert any(line.startswith("--") and who in line for line in lines), (i, who)
    while body and body[-1] == "":
        body.pop()
    poems.append("\n".join(body))
sys.stdout.write("\n\n".join(poems) + "\n")
