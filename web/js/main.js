// The dashboard's entry point: wires the model picker, the text box, the tabs, the layer/head
// pickers, the keyboard and the export buttons to the state (state.js, the URL hash) and renders
// the current view. Views (views/*.js) get an `app` object: the state, the data of the current
// text (through api.js, cached) and a few page services.

import * as api from './api.js';
import * as state from './state.js';
import { Picker } from './pickers.js';
import { download } from './dom.js';
import { hideTooltip } from './heatmap_figure.js';
import * as heatmapView from './views/heatmap.js';
import * as headView from './views/head.js';
import * as modelView from './views/model.js';
import * as statsView from './views/stats.js';
import * as importanceView from './views/importance.js';
import * as compareView from './views/compare.js';
import * as uploadView from './views/upload.js';

const byId = (id) => document.getElementById(id);
const body = document.body;
const textInput = byId('text-input');
const modelSelect = byId('model-select');
const errorBox = byId('error');
const emptyBox = byId('empty');

let models = [];
let renderToken = 0;
let renderCount = 0;
let prefetchToken = 0;

// ---- theme ----

const THEME_KEY = 'attnscope-theme';

function storedTheme() {
  try {
    return localStorage.getItem(THEME_KEY);
  } catch {
    return null; // storage refused (file://, privacy settings)
  }
}

function applyTheme(theme) {
  if (theme === 'light' || theme === 'dark') document.documentElement.setAttribute('data-theme', theme);
  else document.documentElement.removeAttribute('data-theme');
}

function currentTheme() {
  const set = document.documentElement.getAttribute('data-theme');
  if (set) return set;
  return window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

applyTheme(storedTheme());
byId('theme-toggle').addEventListener('click', () => {
  const next = currentTheme() === 'dark' ? 'light' : 'dark';
  applyTheme(next);
  try {
    localStorage.setItem(THEME_KEY, next);
  } catch {
    // not kept across reloads; fine
  }
  renderView();
});
window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => renderView());

// ---- errors ----

function showError(error) {
  const message = error && error.message ? error.message : String(error);
  errorBox.textContent = message;
  errorBox.hidden = false;
  if (error && error.kind) errorBox.setAttribute('data-kind', error.kind);
  else errorBox.removeAttribute('data-kind');
  if (!(error instanceof api.ApiError)) console.error(error); // a bug of the page: keep the stack
}

function clearError() {
  errorBox.hidden = true;
  errorBox.textContent = '';
  errorBox.removeAttribute('data-kind');
}

// ---- the app object the views use ----

function modelInfo(id) {
  return models.find((m) => m.id === id) || null;
}

const app = {
  get state() {
    return state.get();
  },
  set: (patch) => state.set(patch),
  model: () => modelInfo(state.get().model),
  modelInfo,
  models: () => models,
  attention(layer, text = state.get().text, model = state.get().model) {
    return api.attention(model, text, layer, state.get().dtype);
  },
  analysis: (text = state.get().text, model = state.get().model) => api.analyze(model, text),
  importance: (method) => api.importance(state.get().model, state.get().text, method),
  showError,
  clearError,
  // Room for a matrix in the current view: px.
  // Room for a matrix in the current view (px): the width left beside labels, colour bar and
  // the side card, and the height left below the controls (never under 360).
  matrixSize(columns = 1) {
    const main = byId('views');
    const width = (main.clientWidth - 40) / columns - 130 - 90 - (columns === 1 ? 270 : 40);
    const top = main.getBoundingClientRect().top + window.scrollY;
    const height = window.innerHeight - top - 150;
    return Math.max(220, Math.min(width, Math.max(height, 360)));
  },
  theme: currentTheme,
  snapshot: api.isSnapshot(),
  analyzeText(text) {
    textInput.value = text;
    state.set({ text });
    renderView();
  },
};

// ---- views ----

const VIEW_MODULES = {
  heatmap: heatmapView,
  head: headView,
  model: modelView,
  stats: statsView,
  importance: importanceView,
  compare: compareView,
  upload: uploadView,
};
const views = {};
for (const [id, module] of Object.entries(VIEW_MODULES)) views[id] = module.create(byId(`view-${id}`), app);

// Which pickers a view uses.
const PICKERS = {
  heatmap: { layer: true, head: true },
  head: { layer: true, head: false },
  model: { layer: false, head: false },
  stats: { layer: false, head: false },
  importance: { layer: false, head: false },
  compare: { layer: true, head: true },
  upload: { layer: false, head: false },
};

const layerPicker = new Picker(byId('layer-select'), 'layer', (layer) => state.set({ layer }));
const headPicker = new Picker(byId('head-select'), 'head', (head) => state.set({ head }));

function syncChrome(s) {
  for (const tab of document.querySelectorAll('.tabs [data-view]')) {
    tab.setAttribute('aria-selected', tab.dataset.view === s.view ? 'true' : 'false');
  }
  const info = modelInfo(s.model);
  layerPicker.setCount(info ? info.layers : 0);
  headPicker.setCount(info ? info.heads : 0);
  layerPicker.show(s.layer);
  headPicker.show(s.head);
  byId('layer-group').classList.toggle('inactive', !PICKERS[s.view].layer);
  byId('head-group').classList.toggle('inactive', !PICKERS[s.view].head);
  if (modelSelect.value !== s.model) modelSelect.value = s.model;
  byId('model-info').textContent = info
    ? `${info.family} · ${info.layers} layers · ${info.heads} heads · ${info.causal ? 'causal' : 'bidirectional'}`
    : '';
  body.setAttribute('data-view', s.view);
}

// Needs a text: every view but upload (which brings its own texts) and compare (two boxes).
function needsText(view) {
  return view !== 'upload';
}

async function renderView() {
  const s = state.get();
  const token = ++renderToken;
  syncChrome(s);
  hideTooltip();
  for (const id of Object.keys(views)) byId(`view-${id}`).hidden = id !== s.view;
  const noText = needsText(s.view) && s.text === '';
  emptyBox.hidden = !noText || !models.length;
  if (noText) {
    byId(`view-${s.view}`).hidden = true;
    body.setAttribute('data-state', 'idle');
    return;
  }
  if (!modelInfo(s.model)) return;
  body.setAttribute('data-state', 'loading');
  byId('render-time').textContent = 'computing…';
  const start = performance.now();
  try {
    await views[s.view].render(s, () => token !== renderToken);
    if (token !== renderToken) return;
    const ms = performance.now() - start;
    renderCount += 1;
    body.setAttribute('data-render-ms', ms.toFixed(1));
    body.setAttribute('data-render-count', String(renderCount));
    byId('render-time').textContent = `drawn in ${ms.toFixed(0)} ms`;
    body.setAttribute('data-state', 'ready');
    clearError();
    prefetch(s);
  } catch (error) {
    if (token !== renderToken) return;
    showError(error);
    byId('render-time').textContent = '';
    body.setAttribute('data-state', 'error');
  }
}

// After a view is drawn, fetch the other layers of the text in the background (one at a time)
// so that switching layer is instant.
async function prefetch(s) {
  const info = modelInfo(s.model);
  if (!info || !s.text) return;
  const token = ++prefetchToken;
  for (let step = 1; step < info.layers; ++step) {
    for (const layer of [s.layer + step, s.layer - step]) {
      if (layer < 0 || layer >= info.layers) continue;
      if (token !== prefetchToken) return;
      try {
        await api.attention(s.model, s.text, layer, s.dtype);
      } catch {
        return; // the view will report it when asked
      }
    }
  }
}

state.subscribe((s, changed) => {
  if (changed.has('text') && textInput.value !== s.text) textInput.value = s.text;
  renderView();
});

// ---- inputs ----

function analyze() {
  const text = textInput.value;
  if (text === state.get().text) renderView();
  else state.set({ text, zoom: '' });
}

byId('analyze').addEventListener('click', analyze);
textInput.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    analyze();
  }
});

modelSelect.addEventListener('change', () => {
  const info = modelInfo(modelSelect.value);
  if (!info) return;
  const s = state.get();
  state.set({
    model: info.id,
    layer: Math.min(s.layer, info.layers - 1),
    head: Math.min(s.head, info.heads - 1),
    zoom: '',
  });
});

for (const tab of document.querySelectorAll('.tabs [data-view]')) {
  tab.addEventListener('click', () => state.set({ view: tab.dataset.view }));
}

function typing(target) {
  return target instanceof HTMLElement && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));
}

document.addEventListener('keydown', (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
  const s = state.get();
  const uses = PICKERS[s.view];
  const action = {
    j: () => uses.layer && layerPicker.step(1),
    ArrowDown: () => uses.layer && layerPicker.step(1),
    k: () => uses.layer && layerPicker.step(-1),
    ArrowUp: () => uses.layer && layerPicker.step(-1),
    l: () => uses.head && headPicker.step(1),
    ArrowRight: () => uses.head && headPicker.step(1),
    h: () => uses.head && headPicker.step(-1),
    ArrowLeft: () => uses.head && headPicker.step(-1),
    Escape: () => s.zoom && state.set({ zoom: '' }),
  }[event.key];
  if (!action) return;
  if (action() !== false) event.preventDefault();
});

let resizeTimer = 0;
window.addEventListener('resize', () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(renderView, 150);
});

// ---- export ----

function safeName(s) {
  return `attnscope-${s.view}-L${s.layer}-H${s.head}`;
}

async function exportAs(kind) {
  const s = state.get();
  const view = views[s.view];
  try {
    clearError();
    if (kind === 'html') {
      if (!s.text) throw new api.ApiError('analyze a text first', 'input');
      download(await api.report(s.model, s.text), 'attnscope-report.html');
      return;
    }
    const handler = view.exports && view.exports[kind];
    if (!handler) throw new api.ApiError(`this view has no ${kind.toUpperCase()} export`, 'unsupported');
    const result = await handler(s);
    const name = result.name || safeName(s);
    if (kind === 'png') {
      const blob = await new Promise((resolve) => result.canvas.toBlob(resolve, 'image/png'));
      download(blob, `${name}.png`);
    } else if (kind === 'svg') {
      download(new Blob([result.text], { type: 'image/svg+xml' }), `${name}.svg`);
    } else if (kind === 'json') {
      download(new Blob([result.text], { type: 'application/json' }), `${name}.json`);
    } else if (kind === 'csv') {
      download(new Blob([result.text], { type: 'text/csv' }), `${name}.csv`);
    }
  } catch (error) {
    showError(error);
  }
}

for (const button of document.querySelectorAll('[data-export]')) {
  button.addEventListener('click', () => exportAs(button.dataset.export));
}

// ---- start ----

async function start() {
  if (api.isSnapshot()) {
    byId('snapshot-badge').hidden = false;
    const input = api.snapshotInput();
    const s = state.get();
    if (s.model !== input.model || s.text !== input.text) state.set({ model: input.model, text: input.text });
    const html = document.querySelector('[data-export="html"]');
    html.disabled = true;
    html.title = 'This page is already an offline snapshot';
    textInput.readOnly = true;
    byId('analyze').disabled = true;
  }
  try {
    models = (await api.models()).models;
  } catch (error) {
    showError(error);
    body.setAttribute('data-state', 'error');
    return;
  }
  modelSelect.replaceChildren(...models.map((m) => {
    const option = document.createElement('option');
    option.value = m.id;
    option.textContent = m.id;
    return option;
  }));
  const s = state.get();
  if (!modelInfo(s.model) && models.length) {
    state.set({ model: models.find((m) => m.id === 'demo')?.id ?? models[0].id });
  }
  textInput.value = state.get().text || textInput.value;
  if (!state.get().text && !textInput.value) {
    textInput.value = 'The cat sat on the mat. The cat sat on the mat.';
  }
  renderView();
}

start();
