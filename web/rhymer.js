// rhymer in the browser: the Python algorithm (rhymer/sampler.py, rhymer/verse.py) on ml5.js 0.12.2.
// Prime with "\n" + the reversed rhyme word, sample backward to the next line break, flip.
// All generated text reaches the page through textContent, never as HTML.
"use strict";

const TEMPERATURE = { min: 0.3, max: 1.5, initial: 0.7 };
const MAX_CHARS = 120;

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
  constructor(data) {
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

async function sampleLine(engine, word, temperature, rng) {
  // the character before the end word may not glue onto it: no letter, digit or apostrophe
  const glue = engine.vocab.map((c) => /[\p{L}\p{N}']/u.test(c));
  let { state, logp } = await engine.start("\n" + [...word].reverse().join(""));
  let total = 0;
  const out = [];
  for (let t = 0; t < MAX_CHARS; t++) {
    const mask = t === 0 ? glue : null;
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
    if (ch === "\n") return { text: out.reverse().join("") + word, logprob: total / (t + 1), finished: true };
    out.push(ch);
    ({ state, logp } = await engine.feed(state, ch));
  }
  let body = out.reverse().join("");
  body = body.includes(" ") ? body.slice(body.indexOf(" ") + 1) : body;
  return { text: body + word, logprob: total / (MAX_CHARS + 1), finished: false };
}

function judge(cand, index, target, maxWords, previous) {
  const words = tokens(cand.text);
  const real = words.length ? words.filter((w) => index.isReal(w)).length / words.length : 0;
  const syll = words.reduce((s, w) => s + index.syllables(w), 0);
  const off = target ? Math.abs(syll - target) : 0;
  const failed = [];
  if (!cand.finished) failed.push("unfinished");
  if (words.length < 3) failed.push("too_short");
  if (words.length > maxWords) failed.push("too_long");
  if (off > 1) failed.push("syllables");
  if (previous.some((p) => p.toLowerCase() === cand.text.trim().toLowerCase())) failed.push("repeated_line");
  return { text: cand.text.trim(), score: cand.logprob + 3 * real - 0.5 * off, syllables: syll, failed };
}

async function writeLine(engine, index, word, opts, rng, target, previous) {
  engine.begin();
  try {
    let best = null;
    for (let k = 0; k < opts.candidates; k++) {
      const j = judge(await sampleLine(engine, word, opts.temperature, rng), index, target, opts.maxWords, previous);
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
  return { lines: [a.text, b.text], rhymeWords: [first, second], seed, model: engine.kind };
}

// ---------- the page ----------
const ui = {};
const state = { engines: {}, index: null, site: null, busy: false, count: 0, seed: 1, queue: Promise.resolve() };

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
    seedWord: (ui.seed.value || "").trim().toLowerCase() || null,
    temperature: Math.min(TEMPERATURE.max, Math.max(TEMPERATURE.min, Number(ui.temperature.value) || TEMPERATURE.initial)),
    maxWords: Math.min(14, Math.max(4, Number(ui.length.value) || 10)),
    candidates: state.count < 1 ? 1 : 3,  // the first couplet as fast as possible, then best of 3
    ...overrides,
  };
}

function show(c) {
  const item = document.createElement("li");
  item.className = "couplet";
  item.dataset.model = c.model;
  item.dataset.rhymes = c.rhymeWords.join(" ");
  for (const line of c.lines) {
    const p = document.createElement("p");
    p.textContent = line;  // text, never HTML
    item.appendChild(p);
  }
  const copy = document.createElement("button");
  copy.className = "copy";
  copy.type = "button";
  copy.textContent = "copy";
  copy.addEventListener("click", async () => {
    try { await navigator.clipboard.writeText(c.lines.join("\n")); copy.textContent = "copied"; }
    catch { copy.textContent = "select and copy"; }
  });
  const tag = document.createElement("span");
  tag.className = "tag";
  tag.textContent = `${c.model} · ${c.rhymeWords.join(" / ")}`;
  item.append(tag, copy);
  ui.feed.appendChild(item);
  state.count += 1;
  ui.count.textContent = String(state.count);
}

// Requests queue up (scrolling, clicks, tests), so couplets are written one after another.
function more(n = 1, overrides = {}) {
  state.queue = state.queue.then(() => write(n, overrides));
  return state.queue;
}

async function write(n, overrides) {
  state.busy = true;
  ui.status.textContent = "writing…";
  try {
    const kind = ui.model.value;
    const engine = await engineFor(kind);
    for (let i = 0; i < n; i++) show(await couplet(engine, state.index, options(overrides), state.seed++));
    ui.status.textContent = "";
  } catch (err) {
    ui.status.textContent = `error: ${err.message}`;
  } finally {
    state.busy = false;
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
  ui.rhymeHint.textContent = w && !Object.keys(found).length ? `no rhyme for “${w}” here: a random line end is used` : "";
}

async function main() {
  for (const id of ["seed", "temperature", "temperatureValue", "length", "lengthValue", "model", "more", "feed",
                    "status", "count", "suggestions", "rhymeHint", "sentinel", "loading"]) ui[id] = document.getElementById(id);
  Object.assign(ui.temperature, { min: TEMPERATURE.min, max: TEMPERATURE.max, step: 0.05, value: TEMPERATURE.initial });
  ui.temperature.addEventListener("input", () => (ui.temperatureValue.textContent = Number(ui.temperature.value).toFixed(2)));
  ui.length.addEventListener("input", () => (ui.lengthValue.textContent = ui.length.value));
  ui.seed.addEventListener("input", suggest);
  ui.more.addEventListener("click", () => more(1));
  document.getElementById("controls").addEventListener("submit", (e) => { e.preventDefault(); more(1); });
  ui.model.addEventListener("change", () => more(1));
  // The CPU backend: generation reads every character's probabilities back, which costs WebGL more
  // than the small matrix products save (measured about 3 ms against 14 ms per character).
  await ml5.tf.setBackend("cpu");
  performance.mark("rhymer:backend");
  state.site = await loadJSON("site.json");
  if (!state.site.lstm) ui.model.querySelector('option[value="lstm"]').remove();
  ui.model.value = state.site.lstm ? "lstm" : "markov";
  const [words] = await Promise.all([loadJSON("words.json"), engineFor(ui.model.value)]);  // in parallel
  state.index = new RhymeIndex(words);
  performance.mark("rhymer:loaded");
  ui.loading.hidden = true;
  await more(1);
  performance.mark("rhymer:first-couplet");
  new IntersectionObserver((entries) => { if (entries.some((e) => e.isIntersecting)) more(2); }).observe(ui.sentinel);
  document.body.dataset.ready = "true";
}

// hooks for the browser tests (parity with the Python engine, memory)
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
  more,
  state,
};

window.addEventListener("DOMContentLoaded", () => main().catch((err) => {
  ui.loading.textContent = `could not load the model: ${err.message}`;
}));
