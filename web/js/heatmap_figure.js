// One labelled attention matrix on a canvas: token labels (or position ticks when the cells are
// too small for text), masked cells (the causal upper triangle), a colour bar, a hover tooltip
// and drag-to-zoom. Used by the heatmap view (one figure) and the compare view (three).
//
// A matrix of T = 1024 does not fit on screen cell by cell: the overview then pools blocks of
// cells into screen pixels (each pixel shows the largest weight of its block, so thin patterns
// such as a diagonal stay visible) and a drag or a click zooms to a window of the matrix.

import { el, clear, cssVar, sizeCanvas } from './dom.js';
import { VIRIDIS, divergingTable, index, css } from './colormap.js';
import { fixed, tokenLabel, quoted } from './format.js';

const LABEL_MIN_CELL = 10; // px: below this, position ticks replace token labels
const MAX_CELL = 30;

let tooltip = null;

// The one tooltip element of the page (data-testid "heatmap-tooltip").
export function tooltipElement() {
  if (!tooltip) {
    tooltip = el('div', { class: 'tooltip', 'data-testid': 'heatmap-tooltip', role: 'status', hidden: true });
    document.body.append(tooltip);
  }
  return tooltip;
}

export function showTooltip(text, clientX, clientY, value) {
  const tip = tooltipElement();
  tip.textContent = text;
  if (value === undefined || value === null) tip.removeAttribute('data-value');
  else tip.setAttribute('data-value', String(value));
  tip.hidden = false;
  const { width, height } = tip.getBoundingClientRect();
  let x = clientX + 14;
  let y = clientY + 16;
  if (x + width > window.innerWidth - 4) x = clientX - width - 10;
  if (y + height > window.innerHeight - 4) y = clientY - height - 10;
  tip.style.left = `${Math.max(4, x)}px`;
  tip.style.top = `${Math.max(4, y)}px`;
}

export function hideTooltip() {
  if (tooltip) tooltip.hidden = true;
}

// [r, g, b] of a CSS colour: "#rgb", "#rrggbb" or "rgb(r, g, b)".
export function parseColour(text) {
  const value = text.trim();
  if (value.startsWith('#')) {
    const hex = value.length === 4 ? [...value.slice(1)].map((c) => c + c).join('') : value.slice(1, 7);
    return [0, 2, 4].map((i) => Number.parseInt(hex.slice(i, i + 2), 16));
  }
  const match = value.match(/(\d+)[,\s]+(\d+)[,\s]+(\d+)/);
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : [200, 200, 200];
}

// The colour scale of a window: {lo, hi} over the visible, unmasked cells. `skipFirst` leaves
// key 0 out (an attention sink would wash everything else out); `diverging` makes it symmetric.
export function scaleOf(data, win, { skipFirst = false, diverging = false } = {}) {
  const { T, values, causal } = data;
  let lo = Infinity;
  let hi = -Infinity;
  for (let q = win.q0; q < win.q0 + win.n; ++q) {
    const kEnd = Math.min(win.k0 + win.n, causal ? q + 1 : T);
    for (let k = win.k0; k < kEnd; ++k) {
      if (skipFirst && k === 0) continue;
      const v = values[q * T + k];
      if (Number.isNaN(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (diverging) {
    // At least ±0.01: differences of float noise stay neutral instead of filling the scale.
    const m = Math.max(Math.abs(lo), Math.abs(hi), 0.01);
    return { lo: Number.isFinite(m) ? -m : -1, hi: Number.isFinite(m) ? m : 1 };
  }
  if (!Number.isFinite(hi) || hi <= 0) return { lo: 0, hi: 1 };
  return { lo: 0, hi };
}

// Pixels of the window: D x D, each the largest (for diverging: largest |v|) of its block.
function renderImage(data, win, D, scale, table, maskedRgb, diverging) {
  const { T, values, causal } = data;
  const image = new ImageData(D, D);
  const pixels = image.data;
  const { n, q0, k0 } = win;
  const kStart = new Int32Array(D + 1);
  for (let p = 0; p <= D; ++p) kStart[p] = k0 + Math.floor((p * n) / D);
  for (let py = 0; py < D; ++py) {
    const qa = q0 + Math.floor((py * n) / D);
    const qb = Math.max(qa + 1, q0 + Math.floor(((py + 1) * n) / D));
    for (let px = 0; px < D; ++px) {
      const ka = kStart[px];
      const kb = Math.max(ka + 1, kStart[px + 1]);
      let best = NaN;
      for (let q = qa; q < qb; ++q) {
        const kEnd = causal ? Math.min(kb, q + 1) : kb;
        const row = q * T;
        for (let k = ka; k < kEnd; ++k) {
          const v = values[row + k];
          if (Number.isNaN(best) || (diverging ? Math.abs(v) > Math.abs(best) : v > best)) best = v;
        }
      }
      const o = (py * D + px) * 4;
      if (Number.isNaN(best)) {
        pixels[o] = maskedRgb[0];
        pixels[o + 1] = maskedRgb[1];
        pixels[o + 2] = maskedRgb[2];
      } else {
        const i = index(best, scale.lo, scale.hi) * 3;
        pixels[o] = table[i];
        pixels[o + 1] = table[i + 1];
        pixels[o + 2] = table[i + 2];
      }
      pixels[o + 3] = 255;
    }
  }
  return image;
}

function tickStep(n, pixels) {
  const steps = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000];
  for (const s of steps) if ((s / n) * pixels >= 36) return s;
  return 5000;
}

export class HeatmapFigure {
  // options: {testid, onZoom(win|null), onPick(q, k)?}
  constructor(options) {
    this.options = options;
    this.canvas = el('canvas', { 'data-testid': options.testid, tabindex: '0' });
    this.zoomBox = el('div', { class: 'zoom-box', hidden: true });
    this.keyLabels = el('div', { class: 'key-labels', 'aria-hidden': 'true' });
    this.queryLabels = el('div', { class: 'query-labels', 'aria-hidden': 'true' });
    this.corner = el('div', { class: 'heatmap-corner' });
    this.barCanvas = el('canvas', { 'data-testid': `${options.testid}-colour-bar` });
    this.barTicks = el('div', { class: 'colour-bar-ticks' });
    this.barNote = el('div', { class: 'colour-bar-note' });
    this.element = el(
      'div', { class: 'heatmap-figure' },
      this.corner,
      this.keyLabels,
      el('div'),
      this.queryLabels,
      el('div', { class: 'heatmap-canvas-wrap' }, this.canvas, this.zoomBox),
      el('div', { class: 'colour-bar' },
        el('div', { class: 'colour-bar-body' }, this.barCanvas, this.barTicks), this.barNote),
    );
    this.spec = null;
    this.hot = { q: -1, k: -1 };
    this.attachMouse();
  }

  // spec: {data: {T, values (T*T, NaN = masked allowed), causal}, rowTokens, colTokens,
  //        win: {q0, k0, n} | null, maxSize (px), skipFirst, diverging, describe(q, k, v) -> text}
  update(spec) {
    const data = spec.data;
    const win = spec.win && spec.win.n <= data.T ? spec.win : { q0: 0, k0: 0, n: data.T };
    this.spec = { ...spec, win };
    const { n } = win;
    const maxSize = Math.max(120, Math.floor(spec.maxSize));
    let cell;
    let D;
    let drawSize;
    if (n * 4 <= maxSize) {
      // Whole pixels per cell while they stay big enough to see.
      cell = Math.min(MAX_CELL, Math.floor(maxSize / n));
      D = n;
      drawSize = n * cell;
    } else if (n <= maxSize) {
      // One image pixel per cell, scaled up to the room (a whole-pixel cell of 1-3 px would
      // leave a 300-token matrix at 300 px with the room for 520).
      D = n;
      drawSize = maxSize;
      cell = maxSize / n;
    } else {
      D = maxSize;
      drawSize = maxSize;
      cell = maxSize / n;
    }
    this.layout = { cell, D, drawSize };
    const table = spec.diverging ? divergingTable(parseColour(cssVar('--diverging-mid'))) : VIRIDIS;
    const scale = scaleOf(data, win, { skipFirst: spec.skipFirst, diverging: spec.diverging });
    this.scale = scale;
    const masked = parseColour(cssVar(spec.diverging ? '--panel' : '--masked'));
    const image = renderImage(data, win, D, scale, table, masked, spec.diverging);

    const off = document.createElement('canvas');
    off.width = D;
    off.height = D;
    off.getContext('2d').putImageData(image, 0, 0);
    const ctx = sizeCanvas(this.canvas, drawSize, drawSize);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(off, 0, 0, drawSize, drawSize);
    if (cell >= 12) {
      ctx.strokeStyle = cssVar('--panel');
      ctx.lineWidth = 1;
      ctx.beginPath();
      for (let i = 1; i < n; ++i) {
        ctx.moveTo(i * cell, 0);
        ctx.lineTo(i * cell, drawSize);
        ctx.moveTo(0, i * cell);
        ctx.lineTo(drawSize, i * cell);
      }
      ctx.stroke();
    }
    this.canvas.setAttribute('data-t', String(data.T));
    this.canvas.setAttribute('data-window', `${win.q0},${win.k0},${win.n}`);
    this.canvas.setAttribute('data-cell', String(cell));
    this.canvas.setAttribute('aria-label', `attention matrix, ${n} of ${data.T} tokens shown`);
    this.drawLabels(spec, win, cell, drawSize);
    this.drawColourBar(table, scale, drawSize, spec);
    this.corner.replaceChildren(
      el('span', {}, 'key →', el('br'), 'query ↓'),
    );
  }

  drawLabels(spec, win, cell, drawSize) {
    clear(this.keyLabels);
    clear(this.queryLabels);
    this.keyLabels.style.width = `${drawSize}px`;
    this.queryLabels.style.height = `${drawSize}px`;
    this.labelSpans = { q: new Map(), k: new Map() };
    this.keyLabels.classList.toggle('ticks', cell < LABEL_MIN_CELL);
    if (cell >= LABEL_MIN_CELL) {
      const fontSize = Math.min(11.5, cell - 1.5);
      let longest = 1;
      for (let i = 0; i < win.n; ++i) longest = Math.max(longest, tokenLabel(spec.colTokens[win.k0 + i]).length);
      this.keyLabels.style.height = `${Math.min(86, longest * fontSize * 0.62 + 12)}px`;
      for (let i = 0; i < win.n; ++i) {
        const qTok = spec.rowTokens[win.q0 + i];
        const kTok = spec.colTokens[win.k0 + i];
        const qs = el('span', { title: `query ${win.q0 + i}` }, tokenLabel(qTok));
        qs.style.top = `${i * cell}px`;
        qs.style.height = `${cell}px`;
        qs.style.lineHeight = `${cell}px`;
        qs.style.fontSize = `${fontSize}px`;
        const ks = el('span', { title: `key ${win.k0 + i}` }, tokenLabel(kTok));
        ks.style.left = `${i * cell}px`;
        ks.style.width = `${cell}px`;
        ks.style.lineHeight = `${cell}px`;
        ks.style.fontSize = `${fontSize}px`;
        this.queryLabels.append(qs);
        this.keyLabels.append(ks);
        this.labelSpans.q.set(win.q0 + i, qs);
        this.labelSpans.k.set(win.k0 + i, ks);
      }
    } else {
      this.keyLabels.style.height = '24px';
      const step = tickStep(win.n, drawSize);
      const first = Math.ceil(win.q0 / step) * step;
      for (let p = first; p < win.q0 + win.n; p += step) {
        const s = el('span', { class: 'tick' }, String(p));
        s.style.top = `${((p - win.q0 + 0.5) / win.n) * drawSize - 7}px`;
        this.queryLabels.append(s);
      }
      const firstK = Math.ceil(win.k0 / step) * step;
      for (let p = firstK; p < win.k0 + win.n; p += step) {
        const s = el('span', { class: 'tick' }, String(p));
        s.style.left = `${((p - win.k0 + 0.5) / win.n) * drawSize - 20}px`;
        this.keyLabels.append(s);
      }
    }
  }

  drawColourBar(table, scale, drawSize, spec) {
    const height = Math.max(120, Math.min(drawSize, 320));
    const ctx = sizeCanvas(this.barCanvas, 14, height);
    for (let y = 0; y < height; ++y) {
      ctx.fillStyle = css(table, Math.round(255 * (1 - y / (height - 1))));
      ctx.fillRect(0, y, 14, 1);
    }
    this.barTicks.style.height = `${height}px`;
    const mid = (scale.lo + scale.hi) / 2;
    const sign = (v) => (spec.diverging && v > 0 ? '+' : '');
    this.barTicks.replaceChildren(
      el('span', {}, sign(scale.hi) + fixed(scale.hi, 3)),
      el('span', {}, sign(mid) + fixed(mid, 3)),
      el('span', {}, fixed(scale.lo, 3)),
    );
    const notes = [];
    if (spec.data.causal) notes.push(el('div', {}, el('span', { class: 'masked-swatch' }), 'masked'));
    if (spec.skipFirst) notes.push(el('div', {}, 'key 0 off scale'));
    if (this.layout.cell < 1) notes.push(el('div', {}, 'overview: max', el('br'), 'of each block'));
    this.barNote.replaceChildren(...notes);
  }

  cellAt(event) {
    if (!this.spec) return null;
    const rect = this.canvas.getBoundingClientRect();
    const x = event.clientX - rect.left;
    const y = event.clientY - rect.top;
    const { win } = this.spec;
    const size = this.layout.drawSize;
    if (x < 0 || y < 0 || x >= size || y >= size) return null;
    const q = win.q0 + Math.min(win.n - 1, Math.floor((y / size) * win.n));
    const k = win.k0 + Math.min(win.n - 1, Math.floor((x / size) * win.n));
    return { q, k, x, y };
  }

  setHot(q, k) {
    if (!this.labelSpans) return;
    const old = this.hot;
    this.labelSpans.q.get(old.q)?.classList.remove('hot');
    this.labelSpans.k.get(old.k)?.classList.remove('hot');
    this.labelSpans.q.get(q)?.classList.add('hot');
    this.labelSpans.k.get(k)?.classList.add('hot');
    this.hot = { q, k };
  }

  attachMouse() {
    let drag = null;
    this.canvas.addEventListener('mousemove', (event) => {
      const cell = this.cellAt(event);
      if (!cell) {
        hideTooltip();
        return;
      }
      const { data, describe } = this.spec;
      const masked = data.causal && cell.k > cell.q;
      const v = masked ? null : data.values[cell.q * data.T + cell.k];
      showTooltip(describe(cell.q, cell.k, v), event.clientX, event.clientY, v);
      this.setHot(cell.q, cell.k);
      if (drag) {
        const x0 = Math.min(drag.x, cell.x);
        const y0 = Math.min(drag.y, cell.y);
        this.zoomBox.hidden = false;
        this.zoomBox.style.left = `${x0}px`;
        this.zoomBox.style.top = `${y0}px`;
        this.zoomBox.style.width = `${Math.abs(cell.x - drag.x)}px`;
        this.zoomBox.style.height = `${Math.abs(cell.y - drag.y)}px`;
      }
    });
    this.canvas.addEventListener('mouseleave', () => {
      hideTooltip();
      this.setHot(-1, -1);
      drag = null;
      this.zoomBox.hidden = true;
    });
    this.canvas.addEventListener('mousedown', (event) => {
      const cell = this.cellAt(event);
      if (cell && event.button === 0) drag = cell;
      event.preventDefault();
    });
    this.canvas.addEventListener('mouseup', (event) => {
      const start = drag;
      drag = null;
      this.zoomBox.hidden = true;
      const end = this.cellAt(event);
      if (!start || !end || !this.options.onZoom) return;
      const T = this.spec.data.T;
      const moved = Math.abs(end.x - start.x) + Math.abs(end.y - start.y) > 6;
      if (moved) {
        const n = Math.max(4, Math.abs(end.q - start.q) + 1, Math.abs(end.k - start.k) + 1);
        const size = Math.min(T, n);
        const q0 = Math.max(0, Math.min(T - size, Math.min(start.q, end.q)));
        const k0 = Math.max(0, Math.min(T - size, Math.min(start.k, end.k)));
        this.options.onZoom({ q0, k0, n: size });
      } else if (this.layout.cell < LABEL_MIN_CELL) {
        const size = Math.min(T, 48);
        const q0 = Math.max(0, Math.min(T - size, end.q - (size >> 1)));
        const k0 = Math.max(0, Math.min(T - size, end.k - (size >> 1)));
        this.options.onZoom({ q0, k0, n: size });
      } else if (this.options.onPick) {
        this.options.onPick(end.q, end.k);
      }
    });
  }
}

// The tooltip line of one attention cell: query 5 'sat' → key 4 'cat': 0.8731
export function describeCell(tokensQ, tokensK) {
  return (q, k, v) =>
    `query ${q} ${quoted(tokensQ[q])} → key ${k} ${quoted(tokensK[k])}: ${v === null ? 'masked' : fixed(v, 4)}`;
}

// Draws the whole matrix of `data` into `canvas` at size x size CSS pixels (pooled when T is
// larger), scaled to its own maximum: the model view's thumbnails.
// `masked` is the [r, g, b] of masked cells (read the theme once, not per thumbnail: each
// getComputedStyle after a canvas resize restyles the page).
export function drawThumbnail(canvas, data, size, masked = parseColour(cssVar('--masked'))) {
  const win = { q0: 0, k0: 0, n: data.T };
  const D = Math.min(data.T, Math.round(size * (window.devicePixelRatio || 1)));
  const scale = scaleOf(data, win);
  const image = renderImage(data, win, D, scale, VIRIDIS, masked, false);
  const off = document.createElement('canvas');
  off.width = D;
  off.height = D;
  off.getContext('2d').putImageData(image, 0, 0);
  const ctx = sizeCanvas(canvas, size, size);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(off, 0, 0, size, size);
}
