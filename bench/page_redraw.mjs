#!/usr/bin/env node
// The dashboard's redraw time when switching layer or head, measured in the browser (Debian's
// Chromium through playwright-core, like tests/e2e): performance.now() from the click on a picker
// button until the frame after the redrawn view is painted (the page marks a finished drawing with
// <body data-render-count>; then one requestAnimationFrame and one task). Two models:
//   demo       the built-in demo model (2 layers x 4 heads), on a text of its vocabulary;
//   gpt2-12x12 a random GPT-2-small-shaped checkpoint (12 layers, 12 heads, hidden 768, MLP 3072,
//              F32) written at bench time into a temporary folder (deleted afterwards), with the
//              demo model's tokenizer, on a text of exactly T = 128 tokens.
// Per view: layer switches and head switches (heatmap, compare; layer only in the head view,
// whose heads are toggles), and for the views without pickers the time to switch to that view.
// Data are in the page's cache (a warm-up pass visits every layer first), as when a user steps
// through layers; the first visit of a layer (a fetch) is reported separately.
//
// Usage (after building attnscope and `npm ci --prefix tests/e2e`):
//   node bench/page_redraw.mjs --binary build/release/apps/attnscope/attnscope [--runs 25]
// Results and the command: bench/README.md ("Dashboard redraw").

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { loadPlaywright, launchBrowser, startServer, runCleanups, onCleanup } from '../tests/e2e/lib/harness.mjs';

const args = { binary: null, runs: 25, keep: false };
for (let i = 2; i < process.argv.length; ++i) {
  const key = process.argv[i];
  if (key === '--binary') args.binary = process.argv[++i];
  else if (key === '--runs') args.runs = Number(process.argv[++i]);
  else {
    console.error(`usage: node bench/page_redraw.mjs --binary PATH/attnscope [--runs N]`);
    process.exit(2);
  }
}
if (!args.binary) {
  console.error('page_redraw: --binary PATH (the attnscope executable) is required');
  process.exit(2);
}

// ---- the random 12 x 12 checkpoint ----

// xorshift64* as in bench/forward_bench.cpp (uniform in [-1, 1)).
function random(seed) {
  let state = BigInt(seed) | 1n;
  const mask = (1n << 64n) - 1n;
  return () => {
    state ^= state >> 12n;
    state ^= (state << 25n) & mask;
    state ^= state >> 27n;
    const bits = Number(((state * 0x2545f4914f6cdd1dn) & mask) >> 40n);
    return bits * (2 / 16777216) - 1;
  };
}

// A GPT-2-small-shaped model folder: config.json, model.safetensors (random F32 weights with the
// scale of a trained checkpoint: std 0.02, norms 1), the demo model's tokenizer files.
function writeGpt2Model(binary, dir, vocabSize) {
  const hidden = 768;
  const inter = 3072;
  const layers = 12;
  const positions = 1024;
  const config = {
    architectures: ['GPT2LMHeadModel'], model_type: 'gpt2', vocab_size: vocabSize, n_embd: hidden,
    n_layer: layers, n_head: 12, n_inner: null, n_positions: positions, layer_norm_epsilon: 1e-5,
    activation_function: 'gelu_new',
  };
  const tensors = [['wte.weight', [vocabSize, hidden]], ['wpe.weight', [positions, hidden]]];
  for (let i = 0; i < layers; ++i) {
    const p = `h.${i}.`;
    tensors.push(
      [`${p}ln_1.weight`, [hidden]], [`${p}ln_1.bias`, [hidden]],
      [`${p}attn.c_attn.weight`, [hidden, 3 * hidden]], [`${p}attn.c_attn.bias`, [3 * hidden]],
      [`${p}attn.c_proj.weight`, [hidden, hidden]], [`${p}attn.c_proj.bias`, [hidden]],
      [`${p}ln_2.weight`, [hidden]], [`${p}ln_2.bias`, [hidden]],
      [`${p}mlp.c_fc.weight`, [hidden, inter]], [`${p}mlp.c_fc.bias`, [inter]],
      [`${p}mlp.c_proj.weight`, [inter, hidden]], [`${p}mlp.c_proj.bias`, [hidden]],
    );
  }
  tensors.push(['ln_f.weight', [hidden]], ['ln_f.bias', [hidden]]);
  const header = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const [name, shape] of tensors) {
    const bytes = 4 * shape.reduce((a, b) => a * b, 1);
    header[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let headerText = JSON.stringify(header);
  headerText += ' '.repeat((8 - (headerText.length % 8)) % 8);
  const file = fs.openSync(path.join(dir, 'model.safetensors'), 'w');
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(headerText.length));
  fs.writeSync(file, prefix);
  fs.writeSync(file, Buffer.from(headerText, 'latin1'));
  const next = random(42);
  for (const [name, shape] of tensors) {
    const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
    const norm = shape.length === 1 && name.endsWith('weight');
    const scale = shape.length === 1 ? 0.01 : 0.02 * Math.sqrt(3);
    for (let i = 0; i < values.length; ++i) values[i] = (norm ? 1 : 0) + scale * next();
    fs.writeSync(file, Buffer.from(values.buffer));
  }
  fs.closeSync(file);
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config, null, 2));
}

function makeBigModel(binary, root) {
  const demoDir = path.join(root, 'demo-export');
  execFileSync(binary, ['demo', '--export', demoDir], { stdio: ['ignore', 'ignore', 'inherit'] });
  const tokenizer = JSON.parse(fs.readFileSync(path.join(demoDir, 'tokenizer.json'), 'utf8'));
  const vocabSize = Object.keys(tokenizer.model.vocab).length;
  const dir = path.join(root, 'gpt2-12x12');
  fs.mkdirSync(dir);
  for (const name of ['tokenizer.json', 'tokenizer_config.json']) {
    if (fs.existsSync(path.join(demoDir, name))) fs.copyFileSync(path.join(demoDir, name), path.join(dir, name));
  }
  writeGpt2Model(binary, dir, vocabSize);
  return dir;
}

// ---- measuring in the page ----

const DEMO_TEXT = 'the cat sat on the mat . the dog ran to the park . the cat sat on the mat .';
const WORDS = 'the cat sat on the mat and the dog ran to the park with a ball'.split(' ');

// A text of exactly `T` tokens for `model` (words of the demo vocabulary; the tokenizer adds <s>).
async function textOf(server, model, T) {
  let n = T;
  for (let attempt = 0; attempt < 10; ++attempt) {
    const text = Array.from({ length: n }, (_, i) => WORDS[i % WORDS.length]).join(' ');
    const tokens = (await server.api('/api/tokenize', { model, text })).tokens.length;
    if (tokens === T) return text;
    n += T - tokens;
  }
  throw new Error(`no text of ${T} tokens`);
}

// Runs in the page: clicks `selector`, returns ms until the frame after the redraw is painted.
async function timedClick(page, selector) {
  return page.evaluate(async (sel) => {
    const body = document.body;
    const before = Number(body.getAttribute('data-render-count') || 0);
    const target = document.querySelector(sel);
    if (!target) throw new Error(`no element ${sel}`);
    const done = () => body.getAttribute('data-state') === 'ready' && Number(body.getAttribute('data-render-count')) > before;
    const start = performance.now();
    target.click();
    await new Promise((resolve, reject) => {
      if (done()) return resolve();
      const timer = setTimeout(() => reject(new Error(`no redraw within 30 s after clicking ${sel}`)), 30000);
      const observer = new MutationObserver(() => {
        if (body.getAttribute('data-state') === 'error') reject(new Error(document.querySelector('[data-testid="error"]').textContent));
        if (!done()) return;
        observer.disconnect();
        clearTimeout(timer);
        resolve();
      });
      observer.observe(body, { attributes: true });
    });
    await new Promise((resolve) => requestAnimationFrame(() => resolve()));
    await new Promise((resolve) => { const c = new MessageChannel(); c.port1.onmessage = resolve; c.port2.postMessage(0); });
    return performance.now() - start;
  }, selector);
}

const median = (v) => { const s = [...v].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const quantile = (v, q) => { const s = [...v].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(q * s.length))]; };

async function measureModel(browser, server, model, text, runs) {
  const info = (await server.api('/api/models')).models.find((m) => m.id === model);
  const T = (await server.api('/api/tokenize', { model, text })).tokens.length;
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const hash = new URLSearchParams({ model, text, text2: text.replace('cat', 'dog'), view: 'heatmap', layer: '0', head: '0' });
  await page.goto(`${server.url}#${hash}`);
  await page.waitForFunction(() => document.body.getAttribute('data-state') === 'ready', null, { timeout: 120000 });
  const layerButton = (l) => `[data-testid="layer-select"] [data-value="${l}"]`;
  const tab = (v) => `[data-testid="tab-${v}"]`;

  // First visit of each layer in the heatmap (includes the attention fetch, if the background
  // prefetch has not got there yet), then every layer is cached.
  const firstVisit = [];
  for (let l = 1; l < info.layers; ++l) firstVisit.push(await timedClick(page, layerButton(l)));
  await timedClick(page, layerButton(0));

  const rows = [];
  // The button of the next layer (head) after the chosen one, so that every click changes it.
  const next = (which, count) => async () => {
    const current = await page.evaluate((id) => Number(document.querySelector(`[data-testid="${id}"] [aria-checked="true"]`)?.getAttribute('data-value') ?? 0), `${which}-select`);
    return `[data-testid="${which}-select"] [data-value="${(current + 1) % count}"]`;
  };
  const nextLayer = next('layer', info.layers);
  const nextHead = next('head', info.heads);
  const series = async (view, kind, target) => {
    const times = [];
    for (let i = 0; i < runs; ++i) times.push(await timedClick(page, await target()));
    rows.push({ model, T, view, kind, runs, median: median(times), p90: quantile(times, 0.9), max: Math.max(...times) });
  };
  const showTab = async (view) => {
    const selected = await page.locator(tab(view)).getAttribute('aria-selected');
    return selected === 'true' ? null : timedClick(page, tab(view));
  };
  for (const view of ['heatmap', 'head', 'compare']) {
    await showTab(view);
    // one untimed pass: the compare view's second text is fetched here
    for (let l = 0; l < info.layers; ++l) await timedClick(page, await nextLayer());
    await series(view, 'layer', nextLayer);
    if (view !== 'head') await series(view, 'head', nextHead);
  }
  for (const view of ['model', 'stats', 'importance']) {
    const times = [];
    for (let i = 0; i <= runs; ++i) {
      await showTab('heatmap');
      const ms = await timedClick(page, tab(view));
      if (i > 0) times.push(ms); // the first one may fetch (importance)
    }
    rows.push({ model, T, view, kind: 'switch to the view', runs, median: median(times), p90: quantile(times, 0.9), max: Math.max(...times) });
  }
  rows.push({ model, T, view: 'heatmap', kind: 'layer, first visit', runs: firstVisit.length, median: median(firstVisit), p90: quantile(firstVisit, 0.9), max: Math.max(...firstVisit) });
  await context.close();
  return rows;
}

async function main() {
  const playwright = await loadPlaywright();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'attnscope-page-bench-'));
  onCleanup(() => fs.rmSync(root, { recursive: true, force: true }));
  console.error('page_redraw: writing the random GPT-2-small-shaped checkpoint ...');
  const bigDir = makeBigModel(args.binary, root);
  const server = await startServer(args.binary, ['--model', 'demo', '--model', bigDir], { timeoutMs: 120000 });
  const big = (await server.api('/api/models')).models.find((m) => m.id !== 'demo');
  const browser = await launchBrowser(playwright);
  const rows = [];
  rows.push(...await measureModel(browser, server, 'demo', DEMO_TEXT, args.runs));
  const bigText = await textOf(server, big.id, 128);
  console.error(`page_redraw: ${big.id}: ${big.layers} layers x ${big.heads} heads, T = 128`);
  rows.push(...await measureModel(browser, server, big.id, bigText, args.runs));
  console.log(`Chromium ${browser.version()}, ${os.cpus().length} CPUs, load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  console.log('| model | T | view | switch | runs | median ms | p90 ms | max ms |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const name = r.model === 'demo' ? 'demo (2x4)' : 'GPT-2 shape (12x12)';
    console.log(`| ${name} | ${r.T} | ${r.view} | ${r.kind} | ${r.runs} | ${r.median.toFixed(1)} | ${r.p90.toFixed(1)} | ${r.max.toFixed(1)} |`);
  }
  const worst = Math.max(...rows.filter((r) => r.kind === 'layer' || r.kind === 'head').map((r) => r.median));
  console.log(`worst median of a layer/head switch ${worst.toFixed(1)} ms (target < 100 ms): ${worst < 100 ? 'met' : 'NOT met'}`);
}

let code = 0;
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, async () => { await runCleanups(); process.exit(1); });
try {
  await main();
} catch (error) {
  console.error(`page_redraw: ${error && error.stack ? error.stack : error}`);
  code = 1;
}
await runCleanups();
process.exit(code);
