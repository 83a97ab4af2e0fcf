// rhymer in the browser, on ml5.js 0.12.2: each couplet is written backward from its rhyme words as
// rhymer/verse.py writes one (the second line first, then the first line primed with the model state after
// it), and each line is the best of a few sampled candidates, judged as rhymer/scoring.py judges them.
// As rhymer/sampler.py samples, every word written is a known word (a corpus or CMU dict word the model can
// spell) and, where the corpus has seen the words after it, one it has seen before them (its word
// runs): the page masks ml5's probabilities with the same tries (rhymer/vocabtrie.py, rhymer/wordruns.py).
// What must agree with the Python library comes from it in the exported site (rhymer/website.py): the rules,
// weights, line length limit, end words and word boundaries in site.json's "page" (with the page's own
// temperature, rhymer/website.py PAGE_TEMPERATURE),
// which words are no rhyme words ("a", "re"), every real word, which of them are no known words (the model
// cannot spell them, or they are short and no verse words) and the syllable counts in wordfacts.json.gz, and
// the word runs in wordruns.json.gz (none when the model folder has none). The browser tests
// (tests/test_web.py) check the rest against Python: next-character probabilities, rhymes, judging,
// syllables, real words, near rhymes and the known-word masks.
// It also answers a line the visitor types (the reply form, or a link's ?reply=), as rhymer/verse.py reply
// does: the answer rhymes with the line's last word, aims at its syllable count, closes the sentence, and
// its candidates are judged also by how well the model reads the given line after each (the follow weight);
// the pair is shown on top of the feed as a couplet. A line it cannot answer (empty, no word, characters the
// model cannot read, a last word with neither a rhyme nor a near rhyme here) is refused with a message under
// the form. A word with no perfect rhyme gets the closest near rhymes, as rhymer/rhymepolicy.py rhyme_choices
// draws them (site.json's "near_rhymes" carries rhymer/lexicon.py's costs).
// It is a lighter writer than the library's: no word model, discriminator or reader model in the score, no check for
// lines copied from the corpus, no rhymes for a word CMU dict lacks, even a corpus word (no spelling guess), a few
// candidates instead of the library's hundreds (site.json's page.candidates, rhymer/website.py PAGE_CANDIDATES), sampled
// cooler than the library (PAGE_TEMPERATURE: a higher temperature pays only with many candidates to choose from) and from
// every character, without the library's nucleus (at the page's settings it read too little better to port), no second
// try at a line, and
// the word limits are kept while sampling rather than judged afterwards. ml5.js takes about
// a second to start, so a visit opens on one of the couplets the library wrote at export with its own
// defaults (site.json's "openings", picked by the visit's seed) while ml5.js and the word lists load; the page writes every
// couplet after it.
// All generated text reaches the page through textContent, never as HTML.
"use strict";

const SITE_VERSION = 1;  // of the site.json this page reads (rhymer/website.py SITE_VERSION)
const SUGGESTIONS = 12;  // rhymes the word box offers as it is typed, most frequent first
const TEMPERATURE = { min: 0.3, max: 1.5 };  // the slider's range; its default is site.json's (PAGE_TEMPERATURE)
const WORDS = { maxLow: 4 };  // the max-words slider's low end; it starts at site.json's page.max_words
const AHEAD_PX = 400;  // keep writing while the end of the feed is this close to the screen
const REPLY_SUGGESTIONS = 3;  // line ends offered for a last word with no rhyme nor near rhyme here

// ---------- small helpers ----------
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const WORD = /[a-z]+(?:'[a-z]+)*/g;  // rhymer/words.py tokens
const tokens = (line) => line.toLowerCase().match(WORD) || [];
const ANY_WORD = /[\p{L}\p{N}]+(?:'[\p{L}\p{N}]+)*/gu;  // rhymer/words.py end_word: letters of any script, digits
const endWord = (line) => {
  const found = line.normalize("NFC").toLowerCase().match(ANY_WORD);
  return found ? found.at(-1).normalize("NFKD").replace(/\p{M}/gu, "") : null;  // "Zürich" -> "zurich"
};
const isWord = (token) => /^[a-z]+(?:'[a-z]+)*$/.test(token);  // rhymer/words.py is_word
// a seed word no line ends on ("the", "and": rhymepolicy.py ends_no_lines), as the library refuses it
const endsNoLines = (word) => state.site.page.no_end_words.includes(word);
const reversed = (text) => [...text].reverse().join("");

function weightedChoice(weights, rng) {
  const words = Object.keys(weights).sort();
  const total = words.reduce((s, w) => s + Math.max(weights[w], 1), 0);
  let r = rng() * total;
  for (const w of words) { r -= Math.max(weights[w], 1); if (r < 0) return w; }
  return words[words.length - 1];
}

// How many rhymes a partner line is written for with `candidates` lines: the most, up to page.rhyme_choices
// and the `available` ones, that share them evenly (rhymepolicy.py rhyme_choices_for)
function rhymeChoicesFor(candidates, available = Infinity) {
  let n = Math.max(1, Math.min(state.site.page.rhyme_choices, candidates, available));
  while (n > 1 && candidates % n) n--;
  return n;
}

// Up to `count` different words drawn by weight, without replacement (rhymepolicy.py _weighted_sample)
function weightedSample(weights, count, rng) {
  const left = { ...weights };
  const drawn = [];
  while (drawn.length < count && Object.keys(left).length) {
    const w = weightedChoice(left, rng);
    drawn.push(w);
    delete left[w];
  }
  return drawn;
}

// ---------- the rhyme index exported by `rhymer export` (words.json), as rhymer/rhymeindex.py reads it ----------
class RhymeIndex {
  constructor(data, lineEnds, noRhymeWords) {
    this.words = data.words;   // word -> [frequency, line-final frequency]
    this.prons = data.prons;   // word -> [[key, onset, near, syllables], ...]
    this.outside = null;       // the same for CMU dict's other words (prons.json.gz), once a seed or typed word needs them
    this.lineEnds = lineEnds;  // Python's thresholds of ends_lines (site.json)
    const refused = new Set(noRhymeWords);  // "a", "re" (site.json: those rhymepolicy.py is_rhyme_word refuses)
    this.byKey = new Map();
    for (const [w, ps] of Object.entries(this.prons)) {  // as a candidate, a word counts by its main pronunciation
      if (refused.has(w)) continue;
      if (!this.byKey.has(ps[0][0])) this.byKey.set(ps[0][0], []);
      this.byKey.get(ps[0][0]).push(w);
    }
  }
  // false for frequent words that (almost) never end a corpus line ("of", "the", "with"...) and for words
  // used once (rhymepolicy.py ends_lines)
  endsLines(w) {
    const [total, final] = this.words[w] || [0, 0];
    return total >= this.lineEnds.min_uses && (total < this.lineEnds.frequent_word || final >= this.lineEnds.min_share * total);
  }
  pronsOf(w) {  // a word's pronunciations: the corpus's, else CMU dict's once loaded, else undefined
    if (Object.hasOwn(this.prons, w)) return this.prons[w];
    return this.outside && Object.hasOwn(this.outside, w) ? this.outside[w] : undefined;
  }
  homophones(a, b) { return a.some((p) => b.some((q) => p[0] === q[0] && p[1] === q[1])); }
  // Perfect rhymes of `word` in the vocabulary -> frequency; never a word in `avoid` or its homophone.
  rhymes(word, avoid = []) {
    const mine = this.pronsOf(word) || [];
    const avoided = avoid.map((w) => this.pronsOf(w)).filter(Boolean);
    const found = {};
    for (const p of mine) {
      for (const other of this.byKey.get(p[0]) || []) {
        if (other === word || avoid.includes(other) || Object.hasOwn(found, other) || !this.endsLines(other)) continue;
        const all = this.prons[other];
        if (this.homophones(mine, all) || avoided.some((a) => this.homophones(all, a))) continue;
        if (mine.some((x) => x[0] === all[0][0] && x[1] !== all[0][1])) found[other] = this.words[other][0];
      }
    }
    return found;
  }
  // Near rhymes of `word` that are no perfect ones -> [[word, distance], ...], closest first, then most
  // frequent (rhymeindex.py near_rhymes, lexicon.py closest_first); the same exclusions as rhymes.
  nearRhymes(word, avoid = []) {
    const mine = this.pronsOf(word) || [];
    const costs = state.site.page.near_rhymes;
    const avoided = [mine, ...avoid.map((w) => this.pronsOf(w)).filter(Boolean)];
    const keys = [...this.byKey.keys()].filter((k) => mine.some((p) => codaDistance(p[0], k, costs) <= costs.max_distance));
    const found = new Map();
    for (const other of new Set(keys.flatMap((k) => this.byKey.get(k)))) {
      if (other === word || avoid.includes(other) || !this.endsLines(other)) continue;
      if (avoided.some((a) => this.homophones(this.prons[other], a))) continue;
      const main = this.prons[other][0];
      if (mine.some((p) => p[0] === main[0] && p[1] !== main[1])) continue;  // a perfect rhyme
      const distance = Math.min(...mine.filter((p) => p[0] !== main[0] || p[1] !== main[1]).map((p) => codaDistance(p[0], main[0], costs)));
      if (distance <= costs.max_distance) found.set(other, distance);
    }
    const freq = (w) => this.words[w][0];
    return [...found].sort(([a, da], [b, db]) => da - db || freq(b) - freq(a) || (a < b ? -1 : a > b ? 1 : 0));
  }
  // rhymepolicy.py rhyme_choices for one word: its perfect rhymes, else the near ones within the band of the
  // closest -> frequency (to draw from), and whether they are near rhymes; empty when there are neither.
  rhymeFor(word) {
    const perfect = this.rhymes(word, [word]);
    if (Object.keys(perfect).length) return { rhymes: perfect, near: false };
    const near = this.nearRhymes(word, [word]);
    const reach = near.length ? near[0][1] + state.site.page.near_rhymes.band : -Infinity;
    return { rhymes: Object.fromEntries(near.filter(([, d]) => d <= reach).map(([w]) => [w, this.words[w][0]])), near: true };
  }
}

// rhymer/lexicon.py coda_distance: how far apart two rhyme keys sound (infinite unless they share the
// stressed vowel; else a weighted edit distance over the phones after it), with the costs of site.json
function codaDistance(a, b, costs) {
  const [vx, ...x] = a.split(" ");
  const [vy, ...y] = b.split(" ");
  if (vx !== vy) return Infinity;
  const gap = (phone) => (Object.hasOwn(costs.classes, phone) ? costs.consonant_gap : costs.syllable_gap);
  let row = [0];
  for (const q of y) row.push(row[row.length - 1] + gap(q));
  for (const p of x) {
    const prev = row;
    row = [prev[0] + gap(p)];
    y.forEach((q, j) => row.push(Math.min(prev[j] + phoneCost(p, q, costs), prev[j + 1] + gap(p), row[j] + gap(q))));
  }
  return Math.round(row[row.length - 1] * 1e6) / 1e6;
}

// rhymer/lexicon.py _phone_cost: the cost of hearing `q` where a rhyme wants `p`
function phoneCost(p, q, costs) {
  if (p === q) return 0;
  const cp = costs.classes[p], cq = costs.classes[q];
  if (cp === undefined && cq === undefined) {
    return costs.reduced_vowels.includes(p) && costs.reduced_vowels.includes(q) ? costs.reduced : costs.vowel;
  }
  if (cp !== cq) return cp === undefined || cq === undefined ? Infinity : costs.other_consonant;
  if (costs.voicing_pairs.some(([u, v]) => (u === p && v === q) || (u === q && v === p))) return costs.voicing;
  return (cp === "nasal" ? costs.nasal : costs.class) + (costs.voiced.includes(p) !== costs.voiced.includes(q) ? costs.voicing : 0);
}

// ---------- what the judging needs to know of a word (wordfacts.json.gz, written by rhymer/website.py) ----------
// rhymer/words.py guess_syllables, for the words that are neither in the corpus nor in CMU dict
function guessSyllables(w) {
  w = w.replaceAll("'", "");  // words.py guess_syllables: "o'er" is one syllable
  let n = (w.match(/[aeiouy]+/g) || []).length;
  if (w.endsWith("e") && !/(le|ee|ye)$/.test(w) && n > 1) n -= 1;
  return Math.max(n, 1);
}

class WordFacts {
  constructor(data) {
    const real = data.real.split("\n");  // sorted by reversed spelling, as the known-word trie searches
    this.real = new Set(real);  // every word RhymeIndex.is_real calls real
    const notKnown = new Set(data.not_known ? data.not_known.split("\n") : []);
    this.known = notKnown.size ? real.filter((w) => !notKnown.has(w)) : real;  // VocabTrie.known's words
    this.counts = new Map();  // the words whose RhymeIndex.syllables is not the spelling guess
    for (const [n, words] of Object.entries(data.syllables)) for (const w of words.split("\n")) this.counts.set(w, Number(n));
    this.typedCase = new Set(data.typed_case.split("\n"));  // corpus words never written in small letters mid-line
  }
  isReal(w) { return this.real.has(w); }
  syllables(w) { return this.counts.get(w) ?? guessSyllables(w); }
}

// ---------- real words by construction (rhymer/vocabtrie.py) and word runs (rhymer/wordruns.py) ----------
const isLetter = (c) => /^[\p{L}']$/u.test(c);  // a letter of a word (vocabtrie.py is_letter)
const CAPITAL = "^";  // ends a partial word whose first letter was written as a capital (vocabtrie.py CAPITAL)
const withoutEnd = (text, end) => (text.endsWith(end) ? text.slice(0, -end.length) : text);  // Python's removesuffix
const wordOf = (partial) => reversed(withoutEnd(withoutEnd(partial, "'"), CAPITAL));  // vocabtrie.py word_of ("'Tis": tis)

// The reversed spelling of `word` against `text`, in Python's order of w[::-1] and text (< 0, 0, > 0); with
// `prefix`, 0 whenever the reversed word starts with `text`.
function compareReversed(word, text, prefix = false) {
  const n = Math.min(word.length, text.length);
  for (let i = 0; i < n; i++) {
    const d = word.charCodeAt(word.length - 1 - i) - text.charCodeAt(i);
    if (d) return d;
  }
  return prefix && word.length >= text.length ? 0 : word.length - text.length;
}

// What a trie needs of the engine's vocabulary: each character lower-cased if it is a letter ("" if not),
// whether it is a capital, whether it ends a word (site.json's word_boundaries, vocabtrie.py BOUNDARIES),
// the ids of each letter, small and capital apart, the words written only with a capital where the
// vocabulary has it (reversed; site.json's capital_only_words, vocabtrie.py CAPITAL_ONLY_WORDS) and those
// written only after an apostrophe where it has that ("'Tis"; site.json's elided_words, words.py ELIDED_WORDS).
function spellingOf(vocab, boundaries, capitalOnly, elided) {
  const lower = vocab.map((c) => (isLetter(c) ? c.toLowerCase() : ""));
  const capital = vocab.map((c) => c !== c.toLowerCase());
  const ids = new Map();  // "c" -> small ids, "C" -> capital ids (keyed by the lower-cased letter's capital)
  lower.forEach((c, i) => {
    const key = capital[i] ? c.toUpperCase() : c;
    if (c) ids.set(key, [...(ids.get(key) ?? []), i]);
  });
  return { lower, capital, boundary: vocab.map((c) => boundaries.includes(c)), ids,
           capitalOnly: new Set(capitalOnly.filter((w) => vocab.includes(w[0].toUpperCase())).map(reversed)),
           elided: new Set(vocab.includes("'") ? elided.map(reversed) : []), apostrophe: vocab.map((c) => c === "'") };
}

// VocabTrie: which characters may follow a partial word (reversed, lower-cased; "" between words) so that
// every word written is one of `words` (sorted by reversed spelling, searched in place: nothing to build).
// A word ends only at a boundary and only when whole; a capital only begins a word, so it comes only where
// it makes a whole word and marks the partial word (CAPITAL) so that only a boundary follows; each mask is
// computed on first use and kept.
class VocabTrie {
  constructor(words, spelling) {
    this.words = words;
    this.spelling = spelling;
    this.masks = new Map();
  }
  get size() { return this.words.length; }
  has(word) {
    const rev = reversed(word.toLowerCase());
    const i = this.first(0, (w) => compareReversed(w, rev) >= 0);
    return i < this.size && compareReversed(this.words[i], rev) === 0;
  }
  allowed(partial) {
    if (!this.masks.has(partial)) this.masks.set(partial, this.compute(partial));
    return this.masks.get(partial);
  }
  ends(word) {  // what may follow the whole (reversed) word: a boundary, or for an elided word its apostrophe
    return Uint8Array.from(this.spelling.elided.has(word) ? this.spelling.apostrophe : this.spelling.boundary, Number);
  }
  compute(partial) {
    const { lower, ids } = this.spelling;
    if (partial.endsWith("'") && this.spelling.elided.has(withoutEnd(partial.slice(0, -1), CAPITAL))) return this.ends("");  // "'Tis": whole
    if (partial.endsWith(CAPITAL)) return this.ends(partial.slice(0, -1));  // a capital begins the word: it is whole
    const mask = new Uint8Array(lower.length);
    const n = partial.length;
    const lo = this.first(0, (w) => compareReversed(w, partial) >= 0);
    const hi = this.first(lo, (w) => compareReversed(w, partial, true) > 0);
    const whole = lo < hi && this.words[lo].length === n;
    if (partial === "" || (whole && !this.spelling.capitalOnly.has(partial))) {  // between words, or after a whole one (not "i")
      this.ends(partial).forEach((b, i) => { if (b) mask[i] = 1; });
    }
    for (let i = lo + whole; i < hi;) {  // from one next character to the next: a search per distinct character
      const c = this.words[i][this.words[i].length - 1 - n];
      const past = this.first(i, (w) => compareReversed(w, partial + c, true) > 0);  // past the words that go on with c
      const wholeC = this.words[i].length === n + 1 ? 1 : 0;  // partial + c is a whole word (it sorts first)
      // in small letters unless that spells a capital-only word and nothing longer ("i": a dead end)
      if (past - i > wholeC || !this.spelling.capitalOnly.has(partial + c)) for (const j of ids.get(c) ?? []) mask[j] = 1;
      if (wholeC) for (const j of ids.get(c.toUpperCase()) ?? []) mask[j] = 1;  // it may begin with a capital
      i = past;
    }
    return mask;
  }
  first(lo, past) {  // the first index from `lo` whose word is `past` (false for all words before it)
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (past(this.words[mid])) hi = mid; else lo = mid + 1;
    }
    return lo;
  }
}

// RunTries: the known words narrowed to the words the corpus has seen before the one or two words after
// the new one (`after`, nearest first), where it has seen at least min_predecessors known ones there, else
// before the next word alone, else any known word; `runs` is the site's wordruns.json.gz (null: no runs).
class RunTries {
  constructor(runs, known, contextWords) {
    this.before = new Map(Object.entries(runs?.before ?? {}));
    this.least = runs?.min_predecessors ?? 0;
    this.known = known;
    this.contextWords = contextWords;
    this.tries = new Map();  // per stored context, built on first use (forgotten past page.remembered_tries: an endless feed)
  }
  trie(after) {
    for (let n = Math.min(after.length, this.contextWords); n > 0; n--) {
      const context = after.slice(0, n).join(" ");
      if (!this.before.has(context)) continue;
      if (!this.tries.has(context)) {
        if (this.tries.size >= state.site.page.remembered_tries) this.tries.clear();
        this.tries.set(context, this.narrowed(this.before.get(context)));
      }
      if (this.tries.get(context).size >= this.least) return this.tries.get(context);
    }
    return this.known;
  }
  narrowed(joined) {
    const known = [...new Set(joined.split(" "))].filter((w) => this.known.has(w));  // a file never widens them
    return new VocabTrie(known.map(reversed).sort().map(reversed), this.known.spelling);
  }
}

// One line's place in its words, as rhymer/sampler.py keeps it: the word being written (reversed, lower-cased)
// and the words after it, which pick the trie of the next character.
class WordCursor {
  constructor(tries, endWord) {
    this.tries = tries;
    this.partial = "";
    this.after = [endWord.toLowerCase()];
    this.trie = tries.trie(this.after);
  }
  allowed() { return this.trie.allowed(this.partial); }
  // character `id` (`ch`) written: a letter goes on with the word, a space ends it (it joins `after`), any
  // other mark ends the clause (sampler.py _after)
  advance(id, ch) {
    const { lower, capital } = this.trie.spelling;
    if (lower[id]) {
      this.partial += lower[id] + (capital[id] ? CAPITAL : "");
      return;
    }
    if (ch !== " ") this.after = [];
    else if (this.partial) this.after = [wordOf(this.partial), ...this.after].slice(0, this.tries.contextWords);
    this.partial = "";
    this.trie = this.tries.trie(this.after);
  }
}

// ---------- the two character models, one interface: start(text) and feed(state, text) ----------
class MarkovEngine {
  constructor(data) {
    if (!Number.isInteger(data?.order) || !Array.isArray(data.vocab) || !Array.isArray(data.tables) || !Array.isArray(data.discounts)) {
      throw new Error("markov.json is not a Markov model this page reads; export the site again with this rhymer");
    }
    this.kind = "markov";
    this.order = data.order;
    this.vocab = data.vocab;
    this.index = new Map(this.vocab.map((c, i) => [c, i]));
    this.discounts = data.discounts;
    this.tables = data.tables.map((t) => new Map(Object.entries(t)));
  }
  // Interpolated Kneser-Ney, as rhymer/markov.py computes it.
  logprobs(ctx) {
    const V = this.vocab.length;
    const p = new Float64Array(V).fill(1 / V);
    for (let n = 0; n < this.tables.length; n++) {
      if (ctx.length < n) break;
      const entry = this.tables[n].get(ctx.slice(ctx.length - n));
      if (!entry) break;
      const [chars, counts] = entry;
      const total = counts.reduce((s, c) => s + c, 0);
      const d = this.discounts[n];
      const gamma = (d * chars.length) / total;
      for (let i = 0; i < V; i++) p[i] *= gamma;
      for (let i = 0; i < chars.length; i++) p[this.index.get(chars[i])] += Math.max(counts[i] - d, 0) / total;
    }
    return Array.from(p, Math.log);
  }
  async start(text) { const ctx = text.slice(-this.order); return { state: ctx, logp: this.logprobs(ctx) }; }
  async feed(state, text) { const ctx = (state + text).slice(-this.order); return { state: ctx, logp: this.logprobs(ctx) }; }
  begin() {}
  end() {}
}

class LstmEngine {
  // ml5 keeps one state per model; we save and restore it per candidate. ml5 0.12.2 quirks handled:
  // generate() never really resets (initCells() does), feed() is off by one (we use generateInternal
  // with length 1), unknown characters become zero input (we never feed them), temperature is kept
  // at 1 inside ml5 (no overflow) and applied here, and ~12 tensors leak per character (each couplet
  // runs inside an engine scope that frees them; a saved state lives until the end of its couplet).
  constructor(model) {
    this.kind = "lstm";
    this.model = model;
    this.vocab = Object.keys(model.vocab).sort((a, b) => model.vocab[a] - model.vocab[b]);
    this.index = new Map(this.vocab.map((c, i) => [c, i]));
  }
  async step(seed) {
    await this.model.generateInternal({ seed, length: 1, temperature: 1, stateful: true });
    if (!this.model.probabilities.every(Number.isFinite)) throw new Error("ml5 overflowed (NaN probabilities): lower the model's logits");
    const logp = Array.from(this.model.probabilities, (p) => Math.log(Math.max(p, 1e-30)));
    return { state: { c: this.model.state.c.slice(), h: this.model.state.h.slice() }, logp };
  }
  async start(text) { await this.model.initCells(); return this.step(text); }
  async feed(state, text) { this.model.setState({ c: state.c.slice(), h: state.h.slice() }); return this.step(text); }
  begin() { ml5.tf.engine().startScope(); }
  end() { ml5.tf.engine().endScope(); }
}

// ---------- backward line sampling, candidates and judging (as rhymer/sampler.py, scoring.py, verse.py) ----------
function sampleIndex(logp, temperature, rng, mask) {
  let top = -Infinity;
  const scaled = logp.map((lp, i) => (mask && mask[i] ? -Infinity : lp / temperature));
  for (const s of scaled) top = Math.max(top, s);
  const w = scaled.map((s) => Math.exp(s - top));
  let r = rng() * w.reduce((a, b) => a + b, 0);
  for (let i = 0; i < w.length; i++) { r -= w[i]; if (r < 0) return i; }
  return w.length - 1;
}

const isWordChar = (c) => /[\p{L}\p{N}']/u.test(c);

// Backward sampling within the line-length limits: no line break before `minWords` words, and after
// `maxWords` words only the current word may continue or the line end (every other choice is masked,
// the allowed ones renormalised), so no model writes 2-word or 30-word lines. With `tries` (a RunTries)
// every word is a known word, where the corpus has runs one it has seen before the words after it, as
// rhymer/sampler.py writes with its trie and runs. `after` is what the model
// read before the line: null (a fresh line break), { state } (the state a finished line that follows
// ended in, before its line break) or { text } (such a line to read again from a fresh state). `ending`
// (site.json's marks, as rhymepolicy.line_ending gives them) follows the end word and primes the model
// with it, so the line closes a clause or the sentence.
async function sampleLine(engine, word, temperature, rng, limits, after = null, ending = "", tries = null) {
  const wordChar = engine.vocab.map(isWordChar);
  const newline = engine.vocab.indexOf("\n");
  const prompt = "\n" + reversed(word + ending);
  const cursor = tries && new WordCursor(tries, word);
  word += ending;
  let { state, logp } = await (after?.state ? engine.feed(after.state, prompt) : engine.start((after?.text ?? "") + prompt));
  let total = 0, words = 1, inWord = false;
  const out = [];
  for (let t = 0; t < limits.maxChars; t++) {
    let mask = null;
    if (t === 0) mask = wordChar;  // the character before the end word may not glue onto it
    else if (words >= limits.maxWords && inWord) mask = engine.vocab.map((c, i) => !wordChar[i] && i !== newline);
    if (words < limits.minWords && newline >= 0) mask = (mask || engine.vocab.map(() => false)).map((m, i) => m || i === newline);
    if (cursor) {
      const known = cursor.allowed();
      mask = engine.vocab.map((_, i) => Boolean(mask?.[i]) || !known[i]);
    }
    let lp = logp;
    if (mask) {  // renormalise over the allowed characters
      const allowed = logp.filter((_, i) => !mask[i]);
      const m = Math.max(...allowed);
      const z = m + Math.log(allowed.reduce((s, x) => s + Math.exp(x - m), 0));
      lp = logp.map((x, i) => (mask[i] ? -Infinity : x - z));
    }
    const i = sampleIndex(lp, temperature, rng, mask);
    total += lp[i];
    const ch = engine.vocab[i];
    if (ch === "\n") return line(reversed(out.join("")) + word, total / (t + 1), true, state);
    if (wordChar[i] && !inWord) words += 1;
    inWord = wordChar[i];
    cursor?.advance(i, ch);
    out.push(ch);
    if (t + 1 < limits.maxChars) ({ state, logp } = await engine.feed(state, ch));
  }
  return line(withoutBrokenWord(reversed(out.join(""))) + word, total / limits.maxChars, false, null);  // cut off mid-line
}

// An unfinished line from its first whole word on (sampler.py without_broken_word): without the word it was
// writing when it was cut off and the marks after it (site.json's after_broken_word).
function withoutBrokenWord(body) {
  const chars = [...body];
  let start = 0;
  while (start < chars.length && isLetter(chars[start])) start += 1;
  while (start < chars.length && state.site.page.after_broken_word.includes(chars[start])) start += 1;
  return chars.slice(start).join("");
}

// A candidate line: `raw` as sampled, `text` as shown (a verse line starts with a capital, whatever the
// model wrote; the corpus's spelling of the rest stays), mean log-probability per sampled character.
const line = (raw, logprob, finished, end) => ({ raw, text: raw.replace(/\p{L}/u, (c) => c.toUpperCase()), logprob, finished, end });

// rhymer/scoring.py syllable_count: the syllables of a line's words
const lineSyllables = (words, facts) => words.reduce((s, w) => s + facts.syllables(w), 0);

// rhymer/scoring.py echoes: does `line` repeat a run of page.echo.words words, not all of them function
// words, from one of the `earlier` lines ("the trophies of" twice in a feed; "and on the" may recur)? The
// run that ends a line (on its rhyme word, chosen before the line was written) is left out.
let functionWords = null;  // page.echo.function_words as a Set, made on first use (site.json stays as read)

function phrases(line) {
  const echo = state.site.page.echo;
  functionWords ??= new Set(echo.function_words);
  const words = tokens(line);
  const runs = new Set();
  for (let i = 0; i + echo.words < words.length; i++) {
    const run = words.slice(i, i + echo.words);
    if (!run.every((w) => functionWords.has(w))) runs.add(run.join(" "));
  }
  return runs;
}

function echoes(line, earlier) {
  const mine = phrases(line);
  return mine.size > 0 && earlier.some((e) => [...phrases(e)].some((run) => mine.has(run)));
}

// rhymer/scoring.py repetition: [lines said again word for word, lines that echo one] of `earlier`
function repetition(lines, earlier) {
  const said = new Set(earlier.map((line) => tokens(line).join(" ")));
  return [lines.filter((line) => said.has(tokens(line).join(" "))).length, lines.filter((line) => echoes(line, earlier)).length];
}

// rhymer/scoring.py judge with the page's parts of Rules and Weights (site.json): the checks a line fails
// and its score, with the follow term where the candidate has one (answering a line) and the echo penalty;
// the word-model and meter terms and the copy check are not the page's.
function judge(cand, facts, rules, weights, target, previous) {
  const words = tokens(cand.text);
  const real = words.length ? words.filter((w) => facts.isReal(w)).length / words.length : 0;
  const syll = lineSyllables(words, facts);
  const off = target ? Math.abs(syll - target) : 0;
  const failed = [];
  if (!cand.finished) failed.push("unfinished");
  if (words.length < rules.min_words) failed.push("too_short");
  if (words.length > rules.max_words) failed.push("too_long");
  if (off > rules.syllable_tolerance) failed.push("syllables");
  const text = cand.text.trim();
  if (previous.some((p) => p.trim().toLowerCase() === text.toLowerCase())) failed.push("repeated_line");
  const count = (mark) => text.split(mark).length - 1;
  if (count('"') % 2 || count("(") !== count(")")) failed.push("unbalanced_marks");  // a quotation or an aside left open
  const follow = cand.follow == null ? 0 : weights.follow * cand.follow;  // as scoring.py: None adds nothing
  let score = weights.logprob * cand.logprob + weights.real_words * real - weights.syllables * off;
  if (weights.echo && echoes(text, previous)) score -= weights.echo;
  return { text, score: score + follow, syllables: syll, failed };
}

// rhymer/verse.py's ranking key (fewest failed checks, then the highest score): does `a` rank before `b`?
const ranksBefore = (a, b) => a.failed.length < b.failed.length || (a.failed.length === b.failed.length && a.score > b.score);

// rhymer/sampler.py continuation_logprob: the mean log-probability per character of reading the line break
// and then `text` from `end`, the state a finished line ended in (about to read its line break). The
// engines give one next-character distribution per feed, so `text` is fed a character at a time.
async function continuation(engine, end, text) {
  const chars = [...text];
  let { state, logp } = await engine.feed(end, "\n");
  let total = 0;
  for (const [i, ch] of chars.entries()) {
    total += logp[engine.index.get(ch)];
    if (i + 1 < chars.length) ({ state, logp } = await engine.feed(state, ch));
  }
  return total / chars.length;
}

// The best of opts.candidates lines, each ending in one of `words` in turn (a rhyme partner's options, drawn
// as many as share the candidates evenly: rhymer/verse.py _line writes K / len(words) for each), with the
// word it ends in; one candidate is taken as it is (no judging). With `follows` (the line after this one:
// answering a line) each finished candidate is also judged by how well the model reads that line after it
// (rhymer/verse.py _follow), where the follow weight counts.
async function writeLine(engine, facts, tries, words, opts, rng, target, previous, after, ending = "", follows = null) {
  const page = state.site.page;
  const rules = { ...page.rules, max_words: opts.maxWords };
  const limits = { minWords: rules.min_words, maxWords: rules.max_words, maxChars: page.max_chars };
  let best = null;
  for (let k = 0; k < opts.candidates; k++) {
    const word = words[k % words.length];
    const cand = { ...await sampleLine(engine, spelling(word, engine, opts.cased), opts.temperature, rng, limits, after, ending, tries), word };
    if (opts.candidates === 1) return { ...cand, text: cand.text.trim() };
    if (follows && cand.finished && page.weights.follow) cand.follow = await continuation(engine, cand.end, reversed(follows));
    const j = { ...cand, ...judge(cand, facts, rules, page.weights, target, previous) };
    if (!best || ranksBefore(j, best)) best = j;
  }
  return best;
}

// One couplet: line 1 ends in the seed word (or one of Python's end words), line 2 in a rhyme of it, the
// best line of those written for up to page.rhyme_choices rhymes (rhymeChoicesFor). As in rhymer/verse.py,
// line 2 is written first (the model reads reversed text) and, with opts.carry, line 1 is primed with the
// state after line 2 and its line break; both lines aim at page.line_syllables.
async function couplet(engine, opts, seed) {
  const page = state.site.page;
  const rng = mulberry32(seed);
  let first = opts.seedWord;
  const index = first ? await rhymeIndexFor(first) : null;
  let { rhymes: found, near } = index && !endsNoLines(first) ? index.rhymeFor(first) : { rhymes: {}, near: false };
  if (!Object.keys(found).length) {  // Python's end words come with their rhymes: no rhyme index needed
    first = weightedChoice(page.end_words, rng);
    [found, near] = [page.end_word_rhymes[first], false];
  }
  const seconds = weightedSample(found, rhymeChoicesFor(opts.candidates, Object.keys(found).length), rng);
  const facts = await wordFacts();
  const cased = first === opts.seedWord && index ? casedSeed(first, opts.seedTyped, engine, index, facts) : null;
  const tries = opts.knownWords ? await knownWords(engine) : null;
  engine.begin();
  try {
    const target = page.line_syllables;
    const b = await writeLine(engine, facts, tries, seconds, opts, rng, target, [], null, readable(engine, page.marks.closing));
    const after = !opts.carry ? null : b.finished ? { state: b.end } : { text: "\n" + reversed(b.raw.trim()) };
    const a = await writeLine(engine, facts, tries, [first], { ...opts, cased }, rng, target, [b.text], after, readable(engine, page.marks.inner));
    return { lines: [a.text, b.text], rhymeWords: [first, b.word], near, seed, model: engine.kind, opts };
  } finally {
    engine.end();
  }
}

// The couplet's rhyme words as its lines spell them ("Paris", "I"), where a line ends on its rhyme word
function spelledRhymes(c) {
  return c.rhymeWords.map((word, i) => {
    const last = c.lines[i]?.normalize("NFC").match(ANY_WORD)?.at(-1);
    return last && endWord(last) === word ? last : word;
  });
}

// `mark` if the engine can read it, else "" (as Rhymer._readable)
const readable = (engine, mark) => ([...mark].every((c) => engine.index.has(c)) ? mark : "");

// An unreadable character's stand-in (charmodel.py _readable_form): a space for a symbol, punctuation, an
// unassigned or private character ("day/night" stays two words); nothing for an invisible or combining mark;
// the bare letter for an accented one the engine reads bare; else the character.
function readableForm(c, engine) {
  if (/^[\p{S}\p{P}\p{Cn}\p{Co}]$/u.test(c)) return " ";
  if (/^[\p{M}\p{Cf}]$/u.test(c)) return "";
  const bare = c.normalize("NFKD").replace(/\p{M}/gu, "");
  return bare && [...bare].every((ch) => engine.index.has(ch)) ? bare : c;
}

// A line the page will not answer, with what to change; said under the reply form, never thrown past it.
class LineRefused extends Error {}

// The line to answer (opts.reply) as rhymer/verse.py reply takes it: read as charmodel.py plain_marks reads it
// (curly quotes plain, emoji and unreadable marks spaces, no invisible characters, accents the model cannot
// read dropped), its spaces collapsed, within the line limit, ending in a
// word (words.py end_word: "Zürich" is "zurich", "42" is refused), every character one the model reads (the library refuses the
// others too), and that word with rhymes or near rhymes in the rhyme index (``RhymeIndex.rhymeFor``; a word outside the corpus
// is pronounced as CMU dict says, from prons.json.gz). Returns the line, its last word and its rhymes; throws
// LineRefused, naming the word or the characters to change.
async function givenLine(text, engine) {
  const page = state.site.page;
  const plain = Object.fromEntries(Object.entries(page.typographic)  // charmodel.py plain_marks: "I’m" -> "I'm"
    .filter(([c, p]) => !engine.index.has(c) && [...p].every((ch) => engine.index.has(ch))));
  // the symbols and punctuation it cannot read are spaces (an emoji, "/"), invisible and combining marks are left
  // out (a zero-width space), an accented letter it cannot read is read bare, as plain_marks reads them
  const marked = [...text.normalize("NFC")].map((c) => (engine.index.has(c) ? c : plain[c] || readableForm(c, engine))).join("");
  const given = marked.split(/\s+/u).filter(Boolean).join(" ");  // Python's " ".join(line.split())
  if (!given && text.trim()) throw new LineRefused("That line has no word to rhyme with: end it on a word.");  // "🌙🌙"
  if (!given) throw new LineRefused("Type a line for the page to answer.");
  if ([...given].length > page.max_chars) throw new LineRefused(`That line is longer than ${page.max_chars} characters: shorten it.`);
  const end = endWord(given);
  if (!end) throw new LineRefused("That line has no word to rhyme with: end it on a word.");
  if (!isWord(end)) throw new LineRefused(`That line ends on “${end}”, no English word to rhyme with: end it on a word (numbers written out).`);
  if (/\p{Nd}/u.test(given)) throw new LineRefused("That line has digits, whose syllables depend on how they are read: spell the numbers out (two, not 2).");  // lexicon.refuse_digits
  const unreadable = [...new Set([...given].filter((c) => !engine.index.has(c)))];
  if (unreadable.length) {
    throw new LineRefused(`The model cannot read ${unreadable.map((c) => `“${c}”`).join(" ")}: write the line without ${unreadable.length > 1 ? "them" : "it"}.`);
  }
  const index = await rhymeIndexFor(end);
  const { rhymes, near } = index.rhymeFor(end);
  if (!Object.keys(rhymes).length && await rhymesUnloaded(index, end)) {
    throw new LineRefused(`The rhymes of “${end}” could not be loaded (offline?): try again.`);
  }
  if (!Object.keys(rhymes).length) {
    const others = Object.keys(page.end_words).sort((a, b) => page.end_words[b] - page.end_words[a]).slice(0, REPLY_SUGGESTIONS);
    throw new LineRefused(`Nothing rhymes with “${end}” here: end the line on another word, such as ${others.map((w) => `“${w}”`).join(" or ")}.`);
  }
  return { given, end, rhymes, near };
}

// The page's answer to a line, as rhymer/verse.py reply writes it: a rhyme of its last word (the best line
// of those written for the rhymes drawn as a couplet's second rhyme words), its syllables as the target (at
// least page.shortest_reply, or the most words allowed, and at most page.longest_reply, but one a word min_words asks:
// scoring.reply_syllables), the line itself as a line not to repeat, the closing mark, and each candidate judged
// also by how well the model reads the given line after it. Shown as a couplet: the given line, then the
// answer.
async function answer(engine, opts, seed) {
  const { given, end, rhymes, near } = await givenLine(opts.reply, engine);
  const rng = mulberry32(seed);
  const words = weightedSample(rhymes, rhymeChoicesFor(opts.candidates, Object.keys(rhymes).length), rng);
  const facts = await wordFacts();
  const tries = opts.knownWords ? await knownWords(engine) : null;
  engine.begin();
  try {
    const { shortest_reply: shortest, longest_reply: longest, rules } = state.site.page;
    const target = Math.max(Math.min(Math.max(lineSyllables(tokens(given), facts), Math.min(shortest, opts.maxWords)), longest),
                            rules.min_words);
    const b = await writeLine(engine, facts, tries, words, opts, rng, target, [given], null,
                              readable(engine, state.site.page.marks.closing), given);
    return { lines: [given, b.text], rhymeWords: [end, b.word], near, seed, model: engine.kind, opts: { ...opts, reply: given } };
  } finally {
    engine.end();
  }
}

// ---------- the page ----------
const ui = {};
const state = {
  engines: {},           // kind -> the promise of its engine (loaded once, again after a failure)
  tries: {},             // kind -> the promise of its engine's known-word tries
  site: null, names: null, index: null, facts: null, runs: null, outside: null, ml5: null, busy: false, count: 0,
  recent: [],            // the lines last shown, which the feed's next couplet may not echo (page.series)
  queue: Promise.resolve(),
  seed: crypto.getRandomValues(new Uint32Array(1))[0],  // a fresh seed per visit; each couplet takes the next
  seedWord: null,        // applied with Enter (or the write button) and kept until changed
  seedTyped: null,       // ...as it was typed ("Paris": casedSeed)
  nearEnd: false,        // the end of the feed is on (or near) the screen
  paused: document.hidden,
  wake: null,            // resolves the writing loop's wait
};

// A site file, parsed; one cut short or damaged on the way to the host is named, with the fix.
async function loadJSON(path) {
  const r = await fetch(path);
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
  try {
    if (!path.endsWith(".gz")) return await r.json();
    const bytes = new Uint8Array(await r.arrayBuffer());  // gzip, unless the server has unpacked it on the way
    const packed = bytes[0] === 0x1f && bytes[1] === 0x8b;
    return await new Response(packed ? new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip")) : bytes).json();
  } catch (err) {
    if (err instanceof SyntaxError) throw new Error(`${path} is damaged (not readable JSON); export the site again and upload all of it`);
    if (err instanceof TypeError) throw err;  // a connection dropped mid-download: the network's, as fetch's own
    throw new Error(`${path}: ${err.message}`);  // a browser without DecompressionStream
  }
}

// Loaded once, however many ask while it loads, and again after a failure (the promise is kept in
// `store`): the rhyme index for seed words and suggestions (after the first couplet), the word facts and
// word runs that every couplet the page writes samples from (and judges by; loaded while ml5.js starts),
// ml5.js, the engines and their tries.
function lazily(key, load, store = state) {
  if (!store[key]) {
    store[key] = load();
    store[key].catch(() => { store[key] = null; });
  }
  return store[key];
}
const rhymeIndex = () => lazily("index", async () => new RhymeIndex(await loadJSON(state.site.files.words), state.site.page.line_ends, state.site.page.no_rhyme_words));
const wordFacts = () => lazily("facts", async () => new WordFacts(await loadOwn("word_facts")));
// one of rhymer's own data files, loaded and checked against the format and version site.json gives for its role
async function loadOwn(role, sound = () => true) {
  const data = await loadJSON(state.site.files[role]);
  const [format, version] = state.site.formats[role];
  if (data?.format !== format || data.version !== version || !sound(data)) {
    throw new Error(`${state.site.files[role]} is not rhymer's ${format} (version ${version}): export the site again`);
  }
  return data;
}
const wordRuns = () => lazily("runs", async () => {
  if (!state.site.files.word_runs) return null;  // a model folder without wordruns.json: any known word anywhere
  return loadOwn("word_runs", (runs) => Number.isInteger(runs.min_predecessors) && runs.min_predecessors >= 1
    && runs.before && typeof runs.before === "object" && Object.values(runs.before).every((joined) => typeof joined === "string"));
});
const outsidePronunciations = () => lazily("outside", async () => (
  await loadOwn("outside_prons", (data) => data.prons && typeof data.prons === "object")).prons);
// The rhyme index, knowing `word`'s pronunciations also where only CMU dict has them: prons.json.gz is
// fetched for the first such word. Offline (the fetch itself fails), those words stay without rhymes until the
// next such word fetches it again (`rhymesUnloaded` says so); a missing or damaged file stays missing (warned).
async function rhymeIndexFor(word) {
  const index = await rhymeIndex();
  if (await rhymesUnloaded(index, word)) {
    index.outside = await outsidePronunciations().catch((err) => {
      if (err instanceof TypeError) return null;  // the network's failure (loadJSON), not the file's
      console.warn(err.message);
      return {};
    });
    if (index.outside && ui.seedNow.textContent.includes("could not be loaded")) saySeedWord();  // loaded now
  }
  return index;
}
const rhymesUnloaded = async (index, word) => !index.outside && !Object.hasOwn(index.words, word) && (await wordFacts()).isReal(word);
const knownWords = (engine) => lazily(engine.kind, async () => {
  const [facts, runs] = await Promise.all([wordFacts(), wordRuns()]);
  const page = state.site.page;
  return new RunTries(runs, new VocabTrie(facts.known, spellingOf(engine.vocab, page.word_boundaries, page.capital_only_words, page.elided_words)),
                      page.run_context_words);
}, state.tries);

// ml5.js (3.3 MB) is not in the page's head: it loads when the LSTM is first needed, after the first
// couplet is on screen. The CPU backend: generation reads every character's probabilities back, which costs
// WebGL more than the small matrix products save (measured about 3 ms against 14 ms per character).
const ml5Ready = () => lazily("ml5", async () => {
  if (typeof ml5 === "undefined") {
    await new Promise((resolve, reject) => {
      const script = Object.assign(document.createElement("script"), { src: state.site.files.ml5 });
      script.addEventListener("load", resolve);
      script.addEventListener("error", () => { script.remove(); reject(new Error(`${state.site.files.ml5} did not load`)); });
      document.head.appendChild(script);
    });
  }
  await ml5.tf.setBackend("cpu");
  performance.mark("rhymer:backend");
});

// A rhyme word as the corpus writes it (verse.py Rhymer.spelling): names.json's "France", "'tis" where the
// engine reads "'", and `cased` (the seed word as typed, where it keeps its capitals: casedSeed) for that word.
const nameOf = (w) => (state.names && Object.hasOwn(state.names, w) ? state.names[w] : null);  // "June", or null
const spelling = (w, engine, cased = null) => (nameOf(w)
  ?? (state.site.page.elided_words.includes(w) && engine.index.has("'") ? `'${w}` : cased?.toLowerCase() === w ? cased : w));

// The seed word as it was typed ("Paris"), where it keeps those capitals: a word the corpus never writes in small
// letters mid-line or does not hold, whose every character the engine reads (verse.py Rhymer.spelling); else null.
function casedSeed(word, typed, engine, index, facts) {
  const cased = typed ? typedSpelling(typed) : "";
  const keeps = cased !== word && cased.toLowerCase() === word && [...cased].every((c) => engine.index.has(c));
  return keeps && (!Object.hasOwn(index.words, word) || facts.typedCase.has(word)) ? cased : null;
}

// One engine per kind, however many ask for it while it loads (the page's start, a click, the feed).
function engineFor(kind) {
  return lazily(kind, async () => {
    if (kind === "markov") return new MarkovEngine(await loadJSON(state.site.files.markov));
    await ml5Ready();
    const model = ml5.charRNN(state.site.files.model);
    await model.ready;  // charRNN() returns at once; the weights must load outside any engine scope
    return new LstmEngine(model);
  }, state.engines);
}

function options(overrides = {}) {
  return {
    seedWord: state.seedWord,
    seedTyped: state.seedTyped,
    temperature: Math.min(TEMPERATURE.max, Math.max(TEMPERATURE.min, Number(ui.temperature.value) || state.site.page.temperature)),
    maxWords: Math.min(state.site.page.rules.max_words, Math.max(WORDS.maxLow, Math.round(Number(ui.length.value)) || state.site.page.max_words)),
    candidates: state.count < 1 ? state.site.page.candidates.first : state.site.page.candidates.rest,
    carry: true,  // as rhymer/verse.py: line 1 follows from line 2
    knownWords: true,  // as Rules.known_words and word_runs: real words by construction (the tests turn it off)
    ...overrides,
  };
}

// The link that writes this couplet again: same model, seed, seed word (or line answered), temperature,
// length, candidates (for an opening, its number in site.json).
function shareLink(c) {
  if (c.opening !== undefined) return `${location.pathname}?${new URLSearchParams({ model: c.model, opening: String(c.opening) })}`;
  const q = new URLSearchParams({ model: c.model, seed: String(c.seed), temperature: String(c.opts.temperature),
                                  words: String(c.opts.maxWords), candidates: String(c.opts.candidates) });
  if (c.opts.reply !== undefined) q.set("reply", c.opts.reply);
  else if (c.opts.seedWord) q.set("word", c.opts.seedTyped && typedWord(c.opts.seedTyped) === c.opts.seedWord ? c.opts.seedTyped : c.opts.seedWord);
  return `${location.pathname}?${q}`;
}

// A couplet at the end of the feed; an answer to a line on top of it, under the form that asked for it.
function show(c, shared = false, asked = false) {
  const answered = c.opts?.reply !== undefined;
  const item = document.createElement("li");
  item.className = ["couplet", ...(shared ? ["shared"] : []), ...(answered ? ["answer"] : [])].join(" ");
  item.dataset.model = c.model;
  item.dataset.rhymes = c.rhymeWords.join(" ");
  if (c.opening !== undefined) item.dataset.opening = String(c.opening);  // one of site.json's couplets
  else item.dataset.seed = String(c.seed);
  const verse = document.createElement("div");
  verse.className = "verse";
  for (const line of c.lines) {
    const p = document.createElement("p");
    p.textContent = line;  // text, never HTML
    verse.appendChild(p);
  }
  const meta = document.createElement("div");  // below the lines, so nothing covers a rhyme word
  meta.className = "meta";
  const tag = document.createElement("span");
  tag.className = "tag";
  tag.textContent = `${c.model === "lstm" ? "LSTM" : "Markov"} · ${spelledRhymes(c).join(" / ")}${c.near ? " (near rhyme)" : ""}`;
  const link = document.createElement("a");
  link.className = "share";
  link.href = shareLink(c);
  link.textContent = "link";
  link.setAttribute("aria-label", `link to the couplet on ${c.rhymeWords.join(" and ")}`);
  const copy = document.createElement("button");
  copy.className = "copy";
  copy.type = "button";
  copy.textContent = "copy";
  copy.setAttribute("aria-label", `copy the couplet on ${c.rhymeWords.join(" and ")}`);
  copy.addEventListener("click", async () => {
    try { await navigator.clipboard.writeText(c.lines.join("\n")); copy.textContent = "copied"; }
    catch { copy.textContent = "select and copy"; }
  });
  meta.append(tag, link, copy);
  item.append(verse, meta);
  if (answered) ui.feed.prepend(item);
  else ui.feed.appendChild(item);
  if (asked) {  // the feed itself is no live region (it writes on and on): only what was asked for is said
    ui.announce.textContent = c.lines.join(" / ");
    // the feed may run far below the screen; a couplet above is brought in below the sticky settings (on a phone
    // they scroll away: style.css), however many lines they wrap to
    const sticky = getComputedStyle(ui.controls).position === "sticky";
    document.documentElement.style.scrollPaddingTop = sticky ? `${ui.controls.offsetHeight + 8}px` : "";
    item.scrollIntoView({ block: "nearest" });
  }
  state.recent.push(...c.lines);
  state.recent.splice(0, state.recent.length - state.site.page.series.memory);
  state.count += 1;
  ui.count.textContent = `${state.count} couplet${state.count === 1 ? "" : "s"}`;
  if (state.count === 1) performance.mark("rhymer:first-couplet");
}

// An opening: one of the couplets the library wrote at export, in the form the page's own are shown.
function opening(number) {
  const c = state.site.openings[number];
  return { lines: c.lines, rhymeWords: c.rhyme_words, seed: c.seed, model: state.site.model_kind, opening: number };
}

// Requests queue up (the writing loop, clicks, tests), so couplets are written one after another: the
// ml5 model has one state and must not be shared.
function queued(task) {
  const done = state.queue.then(task);
  state.queue = done.catch(() => {});  // a failed couplet (shown in #status) does not stop the queue
  return done;
}

const more = (n = 1, overrides = {}) => queued(() => write(n, overrides));

// The feed's next couplet, from the next seed whose couplet repeats none of the lines last shown (word for word or
// in an echo), up to page.series.tries seeds (keeping the one that repeats them least, the earliest on a tie), as
// rhymer/verse.py Rhymer.series does with the verse it writes to avoid them; here each is the couplet of its own
// seed alone, so that a share link writes it again (three candidates a line seldom repeat).
async function fresh(engine, opts, seed) {
  let kept = null;
  for (let t = 1; ; t++) {
    const c = await couplet(engine, opts, seed);
    const [said, echoed] = repetition(c.lines, state.recent);
    if (!kept || said < kept.said || (said === kept.said && echoed < kept.echoed)) kept = { c, said, echoed };
    if ((said === 0 && echoed === 0) || t >= state.site.page.series.tries) return kept.c;
    seed = state.seed++;
  }
}

async function write(n, { asked = false, ...overrides }) {  // asked: by the visitor (write, Enter, a model chosen)
  state.busy = true;
  ui.status.removeAttribute("role");  // "writing…" is not said on every couplet; an error is (below)
  ui.status.textContent = "writing…";
  try {
    const kind = overrides.model || ui.model.value;
    const engine = await engineFor(kind);
    for (let i = 0; i < n; i++) {
      const seed = overrides.seed ?? state.seed++;
      const opts = options(overrides);
      const c = await (opts.reply !== undefined ? answer(engine, opts, seed)
        : overrides.seed !== undefined ? couplet(engine, opts, seed) : fresh(engine, opts, seed));
      show(c, overrides.seed !== undefined, asked || opts.reply !== undefined);
      if (!performance.getEntriesByName("rhymer:first-written").length) performance.mark("rhymer:first-written");
    }
    ui.status.textContent = "";
  } catch (err) {
    ui.status.textContent = err instanceof LineRefused ? "" : `error: ${err.message}`;  // a refused line is said by its form
    ui.status.setAttribute("role", "alert");
    throw err;
  } finally {
    state.busy = false;
  }
}

// The endless feed: write while the end of the feed is near the screen and the tab is visible, so
// the first screen fills up and scrolling brings more; wait otherwise.
function wakeUp() { if (state.wake) { state.wake(); state.wake = null; } }

const RETRY_MS = { first: 1000, most: 60_000 };  // after a failed couplet the feed waits, twice as long each time

async function keepWriting() {
  let pause = RETRY_MS.first;
  for (;;) {
    if (state.nearEnd && !state.paused) {
      try {
        await more(1);
        pause = RETRY_MS.first;
      } catch {  // shown in #status; a file the host lacks is not asked for once a second for ever
        await new Promise((r) => setTimeout(r, pause));
        pause = Math.min(2 * pause, RETRY_MS.most);
      }
      await new Promise((r) => requestAnimationFrame(() => r()));  // let the observer see the new layout
    } else {
      await new Promise((r) => { state.wake = r; });
    }
  }
}

async function suggest() {
  await rhymeIndex();
  const w = typedWord(ui.seed.value || "");  // read after the wait: the latest input
  const found = w ? (await rhymeIndexFor(w)).rhymes(w) : {};
  ui.suggestions.replaceChildren();
  for (const r of Object.keys(found).sort((a, b) => found[b] - found[a]).slice(0, SUGGESTIONS)) {
    const o = document.createElement("option");
    o.value = nameOf(r) ?? r;  // "June", as the verse spells it
    ui.suggestions.appendChild(o);
  }
}

// A typed seed word as lexicon.py typed_spelling cleans it: no invisible characters, every apostrophe plain, no
// accents ("café": "cafe"), no marks at either end ("night," "‘tis": site.json's edge_marks), in the case it was
// typed in; typedWord lower-cases it (normalize_word).
function typedSpelling(text) {
  const edge = new Set(state.site.page.edge_marks);
  const apostrophe = (c) => (state.site.page.typographic[c] === "'" ? "'" : c);  // "o´er", "oʼer": "o'er"
  const visible = [...text].filter((c) => !/^\p{Cf}$/u.test(c)).map(apostrophe).join("").trim();
  const chars = [...visible.normalize("NFKD")].filter((c) => !/^\p{M}$/u.test(c)).join("").normalize("NFC");
  let [from, to] = [0, chars.length];
  while (from < to && edge.has(chars[from])) from++;
  while (to > from && edge.has(chars[to - 1])) to--;
  return chars.slice(from, to);
}
const typedWord = (text) => typedSpelling(text).toLowerCase();

// Enter (or "write") applies the typed word; it stays until changed, and an empty field means any word.
async function applySeedWord() {
  const w = typedWord(ui.seed.value || "") || null;
  state.seedWord = w;
  state.seedTyped = w && typedSpelling(ui.seed.value);
  await saySeedWord();
}

// What the feed rhymes on, under the word box: the seed word, or why it writes on any word instead
async function saySeedWord() {
  const w = state.seedWord;
  ui.seedNow.textContent = w ? `“${state.seedTyped || w}”` : "any word";  // as typed ("Paris")
  const parts = (w ?? "").split(/[\s-]+/u).filter(Boolean);
  if (w && !isWord(w)) {  // as the library refuses it (lexicon.normalize_word)
    ui.seedNow.textContent = parts.length > 1 && isWord(parts.at(-1)) && !endsNoLines(parts.at(-1))
      ? `any word (“${w}” is several words: type one, such as “${parts.at(-1)}”)`
      : `any word (“${w}” is no English word: type a word, numbers written out)`;
    return;
  }
  if (w && endsNoLines(w)) {
    ui.seedNow.textContent = `any word (no line ends on “${w}”: type another word)`;
    return;
  }
  let index;
  try {
    index = w && await rhymeIndexFor(w);
  } catch (err) {  // the rhyme index itself (words.json) failed: the feed cannot rhyme on the word either
    if (state.seedWord === w) ui.seedNow.textContent = `“${state.seedTyped || w}”, but the rhymes could not be loaded (${err.message}): press Enter to try again`;
    return;
  }
  if (w && !Object.keys(index.rhymeFor(w).rhymes).length && state.seedWord === w) {
    ui.seedNow.textContent = await rhymesUnloaded(index, w)
      ? `any word (the rhymes of “${w}” could not be loaded: offline? Press Enter to try again)`
      : `any word (nothing rhymes with “${w}” here)`;
  }
}

// Answer a line (typed in the reply form, or a link's ?reply=) at the page's settings, queued like every
// write; a line the page will not answer is said under the form, and nothing is written.
async function answerLine(overrides) {
  ui.replyStatus.textContent = "writing the answer…";
  ui.reply.removeAttribute("aria-invalid");
  try {
    await more(1, { candidates: state.site.page.candidates.answer, ...overrides });  // (a link's own, if it has one)
    ui.replyStatus.textContent = "";
  } catch (err) {
    const refused = err instanceof LineRefused;
    ui.replyStatus.textContent = refused ? err.message : `error: ${err.message}`;
    if (refused) ui.reply.setAttribute("aria-invalid", "true");
  }
}

// A link's value for a slider; one that is no number ("abc", "") leaves the slider as it was (a range input
// would take its midpoint instead).
function setRange(input, output, value, digits) {
  if (String(value).trim() === "" || !Number.isFinite(Number(value))) return;
  input.value = String(Number(value));  // "+0.7" (a "+" in a link arrives as a space), "5." and "0x1" read as numbers
  output.textContent = Number(input.value).toFixed(digits);
}

// A shared link (?seed=...&model=...&temperature=...&words=...&word=... or &reply=LINE, or ?model=...&opening=N
// for an opening): its couplet comes first.
function fromLink() {
  const q = new URLSearchParams(location.search);
  const number = /^\d+$/.test(q.get("opening") ?? "") ? Number(q.get("opening")) : -1;
  if (number >= 0 && number < state.site.openings.length && ui.model.value === state.site.model_kind) {
    return { opening: number };
  }
  if (!/^\d+$/.test(q.get("seed") ?? "")) return null;  // no seed, or one that is no number: no couplet to write again
  const seed = Number(q.get("seed")) >>> 0;
  const model = ui.model.value;
  if (q.has("temperature")) setRange(ui.temperature, ui.temperatureValue, q.get("temperature"), 2);
  if (q.has("words")) setRange(ui.length, ui.lengthValue, q.get("words"), 0);
  ui.seed.value = (q.get("word") || "").slice(0, state.site.page.max_word_length);
  applySeedWord().catch(() => {});
  const { first, rest, answer } = state.site.page.candidates;
  const reply = q.has("reply");  // an answer's link: the answer's own candidates, as the form writes it
  const k = Math.min(reply ? answer : rest, Math.max(1, Math.round(Number(q.get("candidates"))) || (reply ? answer : first)));
  state.seed = seed + 1;
  if (!reply) return { seed, model, candidates: k };
  ui.reply.value = q.get("reply");  // as given: too long a line is refused with a message, not cut
  return { seed, model, candidates: k, reply: ui.reply.value };
}

async function main() {
  for (const id of ["seed", "seedNow", "temperature", "temperatureValue", "length", "lengthValue", "model", "more", "feed",
                    "status", "count", "suggestions", "sentinel", "loading", "controls", "replyForm", "reply",
                    "replyStatus", "announce"]) ui[id] = document.getElementById(id);
  ui.temperature.addEventListener("input", () => (ui.temperatureValue.textContent = Number(ui.temperature.value).toFixed(2)));
  ui.length.addEventListener("input", () => (ui.lengthValue.textContent = ui.length.value));
  ui.seed.addEventListener("input", () => suggest().catch(() => {}));
  ui.controls.addEventListener("submit", (e) => { e.preventDefault(); applySeedWord().catch(() => {}); more(1, { asked: true }).catch(() => {}); });
  ui.model.addEventListener("change", () => more(1, { asked: true }).catch(() => {}));
  ui.replyForm.addEventListener("submit", (e) => { e.preventDefault(); answerLine({ reply: ui.reply.value }); });
  document.addEventListener("visibilitychange", () => { state.paused = document.hidden; wakeUp(); });
  state.site = await loadJSON("site.json");
  if (state.site.format !== "rhymer-site" || state.site.version !== SITE_VERSION) {
    throw new Error(`site.json is not the one this page reads (rhymer-site version ${SITE_VERSION}): export the site again`);
  }
  const page = state.site.page;
  ui.seed.maxLength = page.max_word_length;
  for (const load of [wordFacts, wordRuns]) load().catch(() => {});  // while ml5.js starts: the page's every couplet samples from them
  Object.assign(ui.temperature, { min: TEMPERATURE.min, max: TEMPERATURE.max, step: 0.05 });
  setRange(ui.temperature, ui.temperatureValue, page.temperature, 2);
  Object.assign(ui.length, { min: WORDS.maxLow, max: page.rules.max_words, step: 1 });
  setRange(ui.length, ui.lengthValue, page.max_words, 0);
  ui.reply.maxLength = page.max_chars;  // the library's line limit
  const lstm = state.site.model_kind === "lstm";
  if (!lstm) ui.model.querySelector('option[value="lstm"]').remove();
  const asked = new URLSearchParams(location.search).get("model");  // ?model=markov opens on the Markov model
  ui.model.value = lstm && asked !== "markov" ? "lstm" : "markov";
  let shared = fromLink();
  // an opening starts a plain visit on the site's own model (the visit's seed picks it), and a link to one
  const openings = state.site.openings.length;
  const opened = shared?.opening !== undefined ? opening(shared.opening)
    : !shared && openings && ui.model.value === state.site.model_kind ? opening(state.seed % openings) : null;
  if (opened) {
    show(opened, Boolean(shared));
    ui.loading.hidden = true;
    ui.status.textContent = "loading the model…";
  }
  const names = loadJSON(state.site.files.names).then((found) => { state.names = found; });
  let fallback = null;  // why the LSTM could not be loaded, when the Markov model writes instead
  try {
    await Promise.all([names, engineFor(ui.model.value)]);
  } catch (err) {
    if (ui.model.value !== "lstm") throw err;
    await names;  // the Markov model spells names as the LSTM does
    fallback = err.message;
    ui.model.querySelector('option[value="lstm"]').remove();
    ui.model.value = "markov";
    // a link to an LSTM couplet cannot be written again: the feed begins as a plain visit's (said above); a
    // line to answer is answered, by the Markov model
    if (shared?.model === "lstm") shared = shared.reply !== undefined ? { reply: shared.reply } : null;
    await engineFor("markov");
  }
  performance.mark("rhymer:loaded");
  ui.loading.hidden = fallback === null;
  if (fallback !== null) {
    ui.loading.textContent = `could not load the LSTM (${fallback}); the Markov model writes instead`;
    ui.loading.setAttribute("role", "alert");
  }
  ui.status.textContent = "";
  if (shared?.reply !== undefined) await answerLine(shared);
  else if (!opened) await more(1, shared || {});
  rhymeIndex().catch(() => {});  // ready before it is asked for
  new IntersectionObserver((entries) => {
    state.nearEnd = entries[entries.length - 1].isIntersecting;
    wakeUp();
  }, { rootMargin: `0px 0px ${AHEAD_PX}px 0px` }).observe(ui.sentinel);
  keepWriting();
  document.body.dataset.ready = "true";
}

// hooks for the browser tests (parity with the Python library, memory, line limits, state carry)
window.rhymerPage = {
  options,
  nextProbs: (kind, text) => queued(async () => {
    const engine = await engineFor(kind);
    engine.begin();
    try { return (await engine.start(text)).logp.map(Math.exp); } finally { engine.end(); }
  }),
  sampleLines: (kind, word, maxWords, n, seed) => queued(async () => {  // raw sampled lines (no judging)
    const engine = await engineFor(kind);
    const tries = await knownWords(engine);
    const rng = mulberry32(seed);
    const limits = { minWords: state.site.page.rules.min_words, maxWords, maxChars: state.site.page.max_chars };
    const out = [];
    for (let i = 0; i < n; i++) {
      engine.begin();
      try { out.push((await sampleLine(engine, word, 1.0, rng, limits, null, "", tries)).text); } finally { engine.end(); }
    }
    return out;
  }),
  // the allowed-character masks ("0110...") of [words after, partial word] pairs, with the site's word runs
  // or with `runs` (a wordruns.json's contents) over the engine's known words
  masks: (kind, queries, runs) => queued(async () => {
    const engine = await engineFor(kind);
    const site = await knownWords(engine);
    const tries = runs === undefined ? site : new RunTries(runs, site.known, state.site.page.run_context_words);
    return queries.map(([after, partial]) => tries.trie(after).allowed(partial).join(""));
  }),
  couplet: (kind, overrides, seed) => queued(async () => couplet(await engineFor(kind), options(overrides), seed)),
  answer: (kind, overrides, line, seed) => queued(async () => answer(await engineFor(kind), options({ ...overrides, reply: line }), seed)),
  follow: (kind, text, given) => queued(async () => {  // the follow score of `given` after the line `text`
    const engine = await engineFor(kind);
    engine.begin();
    try { return await continuation(engine, (await engine.start("\n" + reversed(text))).state, reversed(given)); } finally { engine.end(); }
  }),
  withoutBrokenWord,
  typedWord,
  typedSpelling,
  rhymes: async (word) => (await rhymeIndexFor(word)).rhymes(word),
  nearRhymes: async (words) => Promise.all(words.map(async (w) => (await rhymeIndexFor(w)).nearRhymes(w, [w]))),
  rhymeFor: async (word) => (await rhymeIndexFor(word)).rhymeFor(word),
  rhymeChoicesFor: (candidates, available) => rhymeChoicesFor(candidates, available),
  async judge(cands, target, previous) {
    const facts = await wordFacts();
    return cands.map((c) => judge(c, facts, state.site.page.rules, state.site.page.weights, target, previous));
  },
  async words(list) {  // [is it real, its syllables] per word
    const facts = await wordFacts();
    return list.map((w) => [facts.isReal(w), facts.syllables(w)]);
  },
  more,
  state,
};

window.addEventListener("DOMContentLoaded", () => main().catch((err) => {
  ui.loading.textContent = `could not load the model: ${err.message}`;
  ui.loading.setAttribute("role", "alert");  // said at once, also under a couplet the page opened on
  ui.loading.hidden = false;
  ui.status.textContent = "";
}));
