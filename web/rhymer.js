// rhymer in the browser: the Python algorithm (rhymer/sampler.py, rhymer/verse.py) on ml5.js 0.12.2.
// Prime with "\n" + the reversed rhyme word, sample backward to the next line break, flip.
// All generated text reaches the page through textContent, never as HTML.
"use strict";

const TEMPERATURE = { min: 0.3, max: 1.5, initial: 0.7 };
const WORDS = { min: 3, maxLow: 4, maxHigh: 14, initial: 10 };  // words per line; the slider sets the max
const MAX_CHARS = 120;
const CANDIDATES = { first: 1, rest: 3 };  // the first couplet as fast as possible, then best of 3
const AHEAD_PX = 400;  // keep writing while the end of the feed is this close to the screen

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
const WORD = /[a-z]+(?:'[a-z]+)*/g;
const tokens = (line) => line.toLowerCase().match(WORD) || [];
const lastWord = (line) => { const t = tokens(line); return t.length ? t[t.length - 1] : null; };

function weightedChoice(weights, rng) {
  const words = Object.keys(weights).sort();
  const total = words.reduce((s, w) => s + Math.max(weights[w], 1), 0);
  let r = rng() * total;
  for (const w of words) { r -= Math.max(weights[w], 1); if (r < 0) return w; }
  return words[words.length - 1];
}

// ---------- the rhyme index exported by `rhymer export` (words.json) ----------
class RhymeIndex {
  constructor(data, names = {}) {
    this.names = names;        // word -> its capitalised corpus spelling (names.json: "france" -> "France")
    this.words = data.words;   // word -> [frequency, line-final frequency]
    this.prons = data.prons;   // word -> [[key, onset, near, syllables], ...]
    this.byKey = new Map();
    for (const [w, ps] of Object.entries(this.prons)) {  // as a candidate, a word counts by its main pronunciation
      if (w.length < 2) continue;  // letters ("k", "a") are no rhyme words
      if (!this.byKey.has(ps[0][0])) this.byKey.set(ps[0][0], []);
      this.byKey.get(ps[0][0]).push(w);
    }
  }
  isReal(w) { return w in this.words; }
  spelling(w) { return Object.hasOwn(this.names, w) ? this.names[w] : w; }
  syllables(w) {
    const p = this.prons[w];
    if (p) return p[0][3];
    const groups = w.match(/[aeiouy]+/g) || [];
    return Math.max(1, groups.length - (w.endsWith("e") && groups.length > 1 ? 1 : 0));
  }
  // false for frequent words that (almost) never end a corpus line: "of", "the", "with"...
  endsLines(w) { const [total, final] = this.words[w] || [0, 0]; return total < 20 || final >= 0.02 * total; }
  homophones(a, b) { return a.some((p) => b.some((q) => p[0] === q[0] && p[1] === q[1])); }
  // Perfect rhymes of `word` in the vocabulary -> frequency; never a word in `avoid` or its homophone.
  rhymes(word, avoid = []) {
    const mine = this.prons[word] || [];
    const avoided = avoid.map((w) => this.prons[w]).filter(Boolean);
    const found = {};
    for (const p of mine) {
      for (const other of this.byKey.get(p[0]) || []) {
        if (other === word || avoid.includes(other) || other in found || !this.endsLines(other)) continue;
        const all = this.prons[other];
        if (this.homophones(mine, all) || avoided.some((a) => this.homophones(all, a))) continue;
        if (mine.some((x) => x[0] === all[0][0] && x[1] !== all[0][1])) found[other] = this.words[other][0];
      }
    }
    return found;
  }
  // A frequent line end that has a rhyme here, weighted by how often it ends a corpus line.
  randomEndWord(rng) {
    if (!this.finals) {
      this.finals = {};
      for (const [w, [, fin]] of Object.entries(this.words)) if (fin > 1 && w.length > 2 && w in this.prons) this.finals[w] = fin;
    }
    for (let tries = 0; tries < 50; tries++) {
      const w = weightedChoice(this.finals, rng);
      if (Object.keys(this.rhymes(w)).length) return w;
    }
    throw new Error("this model's corpus has too few rhyming line ends");
  }
}

// ---------- the two character models, one interface: start(text) and feed(state, char) ----------
class MarkovEngine {
  constructor(data) {
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
  async feed(state, ch) { const ctx = (state + ch).slice(-this.order); return { state: ctx, logp: this.logprobs(ctx) }; }
  begin() {}
  end() {}
}

class LstmEngine {
  // ml5 keeps one state per model; we save and restore it per candidate. ml5 0.12.2 quirks handled:
  // generate() never really resets (initCells() does), feed() is off by one (we use generateInternal
  // with length 1), unknown characters become zero input (we never feed them), temperature is kept
  // at 1 inside ml5 (no overflow) and applied here, and ~12 tensors leak per character (each line runs
  // inside an engine scope that frees them).
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
  async feed(state, ch) { this.model.setState({ c: state.c.slice(), h: state.h.slice() }); return this.step(ch); }
  begin() { ml5.tf.engine().startScope(); }
  end() { ml5.tf.engine().endScope(); }
}

// ---------- backward line sampling, candidates and scoring (as in Python) ----------
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
// the allowed ones renormalised), so no model writes 2-word or 30-word lines.
async function sampleLine(engine, word, temperature, rng, limits = { minWords: WORDS.min, maxWords: Infinity }) {
  const wordChar = engine.vocab.map(isWordChar);
  const newline = engine.vocab.indexOf("\n");
  let { state, logp } = await engine.start("\n" + [...word].reverse().join(""));
  let total = 0, words = 1, inWord = false;
  const out = [];
  for (let t = 0; t < MAX_CHARS; t++) {
    let mask = null;
    if (t === 0) mask = wordChar;  // the character before the end word may not glue onto it
    else if (words >= limits.maxWords && inWord) mask = engine.vocab.map((c, i) => !wordChar[i] && i !== newline);
    if (words < limits.minWords && newline >= 0) mask = (mask || engine.vocab.map(() => false)).map((m, i) => m || i === newline);
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
    if (ch === "\n") return { text: capitalise(out.reverse().join("") + word), logprob: total / (t + 1), finished: true };
    if (wordChar[i] && !inWord) words += 1;
    inWord = wordChar[i];
    out.push(ch);
    ({ state, logp } = await engine.feed(state, ch));
  }
  let body = out.reverse().join("");
  body = body.includes(" ") ? body.slice(body.indexOf(" ") + 1) : body;
  return { text: capitalise(body + word), logprob: total / (MAX_CHARS + 1), finished: false };
}

// A verse line starts with a capital, whatever the model wrote (the corpus's spelling of the rest stays).
const capitalise = (line) => line.replace(/\p{L}/u, (c) => c.toUpperCase());

function judge(cand, index, target, maxWords, previous) {
  const words = tokens(cand.text);
  const real = words.length ? words.filter((w) => index.isReal(w)).length / words.length : 0;
  const syll = words.reduce((s, w) => s + index.syllables(w), 0);
  const off = target ? Math.abs(syll - target) : 0;
  const failed = [];
  if (!cand.finished) failed.push("unfinished");
  if (words.length < WORDS.min) failed.push("too_short");
  if (words.length > maxWords) failed.push("too_long");
  if (off > 1) failed.push("syllables");
  if (previous.some((p) => p.toLowerCase() === cand.text.trim().toLowerCase())) failed.push("repeated_line");
  return { text: cand.text.trim(), score: cand.logprob + 3 * real - 0.5 * off, syllables: syll, failed };
}

async function writeLine(engine, index, word, opts, rng, target, previous) {
  engine.begin();
  try {
    let best = null;
    const limits = { minWords: WORDS.min, maxWords: opts.maxWords };
    for (let k = 0; k < opts.candidates; k++) {
      const j = judge(await sampleLine(engine, index.spelling(word), opts.temperature, rng, limits), index, target, opts.maxWords, previous);
      if (!best || j.failed.length < best.failed.length || (j.failed.length === best.failed.length && j.score > best.score)) best = j;
    }
    return best;
  } finally {
    engine.end();
  }
}

// One couplet: line 1 ends in the seed word (or a frequent line end), line 2 in a rhyme of it.
async function couplet(engine, index, opts, seed) {
  const rng = mulberry32(seed);
  let first = opts.seedWord;
  if (!first || !Object.keys(index.rhymes(first)).length) first = index.randomEndWord(rng);
  const second = weightedChoice(index.rhymes(first), rng);
  const a = await writeLine(engine, index, first, opts, rng, null, []);
  const b = await writeLine(engine, index, second, opts, rng, a.syllables, [a.text]);
  return { lines: [a.text, b.text], rhymeWords: [first, second], seed, model: engine.kind, opts };
}

// ---------- the page ----------
const ui = {};
const state = {
  engines: {}, index: null, site: null, busy: false, count: 0, queue: Promise.resolve(),
  seed: crypto.getRandomValues(new Uint32Array(1))[0],  // a fresh seed per visit; each couplet takes the next
  seedWord: null,        // applied with Enter (or the write button) and kept until changed
  nearEnd: false,        // the end of the feed is on (or near) the screen
  paused: document.hidden,
  wake: null,            // resolves the writing loop's wait
};

async function loadJSON(path) {
  const r = await fetch(path);
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
  return r.json();
}

async function engineFor(kind) {
  if (!state.engines[kind]) {
    if (kind === "markov") state.engines.markov = new MarkovEngine(await loadJSON("markov.json"));
    else {
      const model = ml5.charRNN("model");
      await model.ready;  // charRNN() returns at once; the weights must load outside any engine scope
      state.engines.lstm = new LstmEngine(model);
    }
  }
  return state.engines[kind];
}

function options(overrides = {}) {
  return {
    seedWord: state.seedWord,
    temperature: Math.min(TEMPERATURE.max, Math.max(TEMPERATURE.min, Number(ui.temperature.value) || TEMPERATURE.initial)),
    maxWords: Math.min(WORDS.maxHigh, Math.max(WORDS.maxLow, Math.round(Number(ui.length.value)) || WORDS.initial)),
    candidates: state.count < 1 ? CANDIDATES.first : CANDIDATES.rest,
    ...overrides,
  };
}

// The link that writes this couplet again: same model, seed, seed word, temperature, length, candidates.
function shareLink(c) {
  const q = new URLSearchParams({ model: c.model, seed: String(c.seed), temperature: String(c.opts.temperature),
                                  words: String(c.opts.maxWords), candidates: String(c.opts.candidates) });
  if (c.opts.seedWord) q.set("word", c.opts.seedWord);
  return `${location.pathname}?${q}`;
}

function show(c, shared = false) {
  const item = document.createElement("li");
  item.className = shared ? "couplet shared" : "couplet";
  item.dataset.model = c.model;
  item.dataset.rhymes = c.rhymeWords.join(" ");
  item.dataset.seed = String(c.seed);
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
  tag.textContent = `${c.model === "lstm" ? "LSTM" : "Markov"} · ${c.rhymeWords.join(" / ")}`;
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
  ui.feed.appendChild(item);
  state.count += 1;
  ui.count.textContent = String(state.count);
  if (state.count === 1) performance.mark("rhymer:first-couplet");
}

// Requests queue up (the writing loop, clicks, tests), so couplets are written one after another.
function more(n = 1, overrides = {}) {
  const done = state.queue.then(() => write(n, overrides));
  state.queue = done.catch(() => {});  // a failed couplet (shown in #status) does not stop the queue
  return done;
}

async function write(n, overrides) {
  state.busy = true;
  ui.status.textContent = "writing…";
  try {
    const kind = overrides.model || ui.model.value;
    const engine = await engineFor(kind);
    for (let i = 0; i < n; i++) {
      const seed = overrides.seed ?? state.seed++;
      show(await couplet(engine, state.index, options(overrides), seed), overrides.seed !== undefined);
    }
    ui.status.textContent = "";
  } catch (err) {
    ui.status.textContent = `error: ${err.message}`;
    throw err;
  } finally {
    state.busy = false;
  }
}

// The endless feed: write while the end of the feed is near the screen and the tab is visible, so
// the first screen fills up and scrolling brings more; wait otherwise.
function wakeUp() { if (state.wake) { state.wake(); state.wake = null; } }

async function keepWriting() {
  for (;;) {
    if (state.nearEnd && !state.paused) {
      try { await more(1); } catch { await new Promise((r) => setTimeout(r, 1000)); }  // shown in #status
      await new Promise((r) => requestAnimationFrame(() => r()));  // let the observer see the new layout
    } else {
      await new Promise((r) => { state.wake = r; });
    }
  }
}

function suggest() {
  const w = (ui.seed.value || "").trim().toLowerCase();
  ui.suggestions.replaceChildren();
  const found = w ? state.index.rhymes(w) : {};
  for (const r of Object.keys(found).sort((a, b) => found[b] - found[a]).slice(0, 12)) {
    const o = document.createElement("option");
    o.value = r;
    ui.suggestions.appendChild(o);
  }
}

// Enter (or "write") applies the typed word; it stays until changed, and an empty field means any word.
function applySeedWord() {
  const w = (ui.seed.value || "").trim().toLowerCase() || null;
  state.seedWord = w;
  if (!w) ui.seedNow.textContent = "any word";
  else if (!Object.keys(state.index.rhymes(w)).length) ui.seedNow.textContent = `any word (nothing rhymes with “${w}” here)`;
  else ui.seedNow.textContent = `“${w}”`;
}

function setRange(input, output, value, digits) {
  input.value = String(value);
  output.textContent = Number(input.value).toFixed(digits);
}

// A shared link (?seed=...&model=...&temperature=...&words=...&word=...): its couplet comes first.
function fromLink() {
  const q = new URLSearchParams(location.search);
  if (!q.has("seed")) return null;
  const seed = Number(q.get("seed")) >>> 0;
  const model = ui.model.value;
  if (q.has("temperature")) setRange(ui.temperature, ui.temperatureValue, q.get("temperature"), 2);
  if (q.has("words")) setRange(ui.length, ui.lengthValue, q.get("words"), 0);
  ui.seed.value = (q.get("word") || "").slice(0, 40);
  applySeedWord();
  const k = Math.min(CANDIDATES.rest, Math.max(1, Number(q.get("candidates")) || CANDIDATES.first));
  state.seed = seed + 1;
  return { seed, model, candidates: k };
}

async function main() {
  for (const id of ["seed", "seedNow", "temperature", "temperatureValue", "length", "lengthValue", "model", "more", "feed",
                    "status", "count", "suggestions", "sentinel", "loading", "controls"]) ui[id] = document.getElementById(id);
  Object.assign(ui.temperature, { min: TEMPERATURE.min, max: TEMPERATURE.max, step: 0.05 });
  setRange(ui.temperature, ui.temperatureValue, TEMPERATURE.initial, 2);
  Object.assign(ui.length, { min: WORDS.maxLow, max: WORDS.maxHigh, step: 1 });
  setRange(ui.length, ui.lengthValue, WORDS.initial, 0);
  ui.temperature.addEventListener("input", () => (ui.temperatureValue.textContent = Number(ui.temperature.value).toFixed(2)));
  ui.length.addEventListener("input", () => (ui.lengthValue.textContent = ui.length.value));
  ui.seed.addEventListener("input", suggest);
  ui.controls.addEventListener("submit", (e) => { e.preventDefault(); applySeedWord(); more(1).catch(() => {}); });
  ui.model.addEventListener("change", () => more(1).catch(() => {}));
  document.addEventListener("visibilitychange", () => { state.paused = document.hidden; wakeUp(); });
  // The CPU backend: generation reads every character's probabilities back, which costs WebGL more
  // than the small matrix products save (measured about 3 ms against 14 ms per character).
  await ml5.tf.setBackend("cpu");
  performance.mark("rhymer:backend");
  state.site = await loadJSON("site.json");
  if (!state.site.lstm) ui.model.querySelector('option[value="lstm"]').remove();
  const asked = new URLSearchParams(location.search).get("model");  // ?model=markov opens on the Markov model
  ui.model.value = state.site.lstm && asked !== "markov" ? "lstm" : "markov";
  const [words, names] = await Promise.all([loadJSON("words.json"), loadJSON("names.json"), engineFor(ui.model.value)]);
  state.index = new RhymeIndex(words, names);
  const shared = fromLink();
  performance.mark("rhymer:loaded");
  ui.loading.hidden = true;
  await more(1, shared || {});
  new IntersectionObserver((entries) => {
    state.nearEnd = entries[entries.length - 1].isIntersecting;
    wakeUp();
  }, { rootMargin: `0px 0px ${AHEAD_PX}px 0px` }).observe(ui.sentinel);
  keepWriting();
  document.body.dataset.ready = "true";
}

// hooks for the browser tests (parity with the Python engine, memory, line limits)
window.rhymerPage = {
  options,
  nextProbs(kind, text) {  // queued like generation: the ml5 model has one state and must not be shared
    const probs = state.queue.then(async () => {
      const engine = await engineFor(kind);
      engine.begin();
      try { return (await engine.start(text)).logp.map(Math.exp); } finally { engine.end(); }
    });
    state.queue = probs.catch(() => {});
    return probs;
  },
  async sampleLines(kind, word, maxWords, n, seed) {  // raw sampled lines (no judging), for the limits test
    const lines = state.queue.then(async () => {
      const engine = await engineFor(kind);
      const rng = mulberry32(seed);
      const out = [];
      for (let i = 0; i < n; i++) {
        engine.begin();
        try { out.push((await sampleLine(engine, word, 1.0, rng, { minWords: WORDS.min, maxWords })).text); } finally { engine.end(); }
      }
      return out;
    });
    state.queue = lines.catch(() => {});
    return lines;
  },
  more,
  state,
  WORDS,
};

window.addEventListener("DOMContentLoaded", () => main().catch((err) => {
  ui.loading.textContent = `could not load the model: ${err.message}`;
}));
