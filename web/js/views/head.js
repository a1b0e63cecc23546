// Head view (after bertviz): the tokens in two columns, queries on the left and keys on the
// right, a line from query q to key k for each shown head, as opaque as the weight A[q][k], one
// colour per head. Hover a token to isolate its lines; click a head to show or hide it.

import { el, sizeCanvas } from '../dom.js';
import { headColour } from '../colormap.js';
import { tokenLabel } from '../format.js';
import { attentionJson } from '../api.js';
import { attentionCsv } from './heatmap.js';
import { xml } from '../figure_export.js';

const ROW = 20; // px per token
const MIN_WEIGHT = 0.01; // lighter lines are not drawn
// Without a hovered token, each query draws its TOP_KEYS strongest keys per head: near-uniform
// heads would otherwise stroke every (query, key) pair, seconds of software rasterising at
// 12 heads × T = 128, for lines too faint to see.
const TOP_KEYS = 6;
const ALPHA_LEVELS = 24;
// Longer texts show their first MAX_TOKENS tokens (a 20 px row each); the heatmap shows all.
const MAX_TOKENS = 256;

// The heads shown: the hash's "0,2,3", or all of them.
export function shownHeads(text, count) {
  if (text === '') return new Set(Array.from({ length: count }, (_, i) => i));
  if (text === 'none') return new Set();
  return new Set(text.split(',').map(Number).filter((h) => Number.isInteger(h) && h >= 0 && h < count));
}

function headsText(set, count) {
  if (set.size === count) return '';
  if (set.size === 0) return 'none';
  return [...set].sort((a, b) => a - b).join(',');
}

export function create(container, app) {
  const title = el('span', { class: 'view-title' });
  const note = el('span', { class: 'view-note', 'data-testid': 'head-view-note' });
  const toggles = el('div', { class: 'head-toggles', 'data-testid': 'head-toggles' });
  const allButton = el('button', { type: 'button', 'data-testid': 'heads-all' }, 'All');
  const noneButton = el('button', { type: 'button', 'data-testid': 'heads-none' }, 'None');
  const left = el('div', { class: 'hv-column left' });
  const right = el('div', { class: 'hv-column right' });
  const canvas = el('canvas', { 'data-testid': 'head-view-canvas' });
  const viewBody = el('div', { class: 'head-view-body', 'data-testid': 'head-view' }, left, canvas, right);
  container.append(
    el('div', { class: 'view-bar' }, title, toggles, allButton, noneButton, note, el('span', { class: 'grow' }),
      el('span', { class: 'view-note' }, 'queries → keys (the 6 strongest per query and head; hover a token for all of its lines) · click a head to show or hide it')),
    viewBody,
  );

  let current = null; // {attention, shown:Set, focus: {side, pos} | null}
  let builtColumns = ''; // the tokens the two columns show

  toggles.addEventListener('click', (event) => {
    const button = event.target.closest('button[data-head]');
    if (!button || !current) return;
    const head = Number(button.dataset.head);
    const shown = new Set(current.shown);
    if (shown.has(head)) shown.delete(head);
    else shown.add(head);
    app.set({ heads: headsText(shown, current.attention.heads.length) });
  });
  allButton.addEventListener('click', () => app.set({ heads: '' }));
  noneButton.addEventListener('click', () => app.set({ heads: 'none' }));

  function onHover(event) {
    const token = event.target.closest('.hv-token');
    if (!current) return;
    const focus = token ? { side: token.dataset.side, pos: Number(token.dataset.pos) } : null;
    const old = current.focus;
    if ((old && focus && old.side === focus.side && old.pos === focus.pos) || (!old && !focus)) return;
    current.focus = focus;
    for (const t of viewBody.querySelectorAll('.hv-token.active')) t.classList.remove('active');
    if (token) token.classList.add('active');
    viewBody.setAttribute('data-focus', focus ? `${focus.side}:${focus.pos}` : '');
    drawLines();
  }
  viewBody.addEventListener('mouseover', onHover);
  viewBody.addEventListener('mouseleave', () => onHover({ target: viewBody }));

  function width() {
    return Math.max(160, Math.min(720, viewBody.clientWidth - left.offsetWidth - right.offsetWidth - 20));
  }

  function drawLines() {
    const { attention, shown, focus, n } = current;
    const T = attention.T;
    const W = width();
    // One device pixel per CSS pixel and 1 px lines: Chromium's fast path for thin lines. A path
    // of many segments, or wider lines, costs 4-10x more in software rendering.
    const ctx = sizeCanvas(canvas, W, (n + 1) * ROW, 1);
    ctx.lineWidth = 1;
    const y = (pos) => ROW + pos * ROW + ROW / 2;
    for (const [index, head] of attention.heads.entries()) {
      if (!shown.has(head)) continue;
      const matrix = attention.matrix(index);
      const buckets = Array.from({ length: ALPHA_LEVELS }, () => []);
      const qs = focus && focus.side === 'left' ? [focus.pos] : Array.from({ length: n }, (_, i) => i);
      const row = [];
      // Unfocused lines under 1/ALPHA_LEVELS would be drawn at an alpha of about 0.02: invisible.
      const minWeight = focus ? MIN_WEIGHT : 1 / ALPHA_LEVELS;
      for (const q of qs) {
        const end = attention.causal ? q + 1 : n;
        row.length = 0;
        for (let k = 0; k < end; ++k) {
          if (focus && focus.side === 'right' && k !== focus.pos) continue;
          const w = matrix[q * T + k];
          if (w >= minWeight) row.push(k);
        }
        if (!focus && row.length > TOP_KEYS) {
          row.sort((a, b) => matrix[q * T + b] - matrix[q * T + a]);
          row.length = TOP_KEYS;
        }
        for (const k of row) {
          const w = matrix[q * T + k];
          buckets[Math.min(ALPHA_LEVELS - 1, Math.floor(w * ALPHA_LEVELS))].push(q, k);
        }
      }
      ctx.strokeStyle = headColour(head);
      buckets.forEach((segments, level) => {
        if (!segments.length) return;
        const weight = (level + 0.5) / ALPHA_LEVELS;
        ctx.globalAlpha = focus ? Math.min(1, Math.max(0.12, weight)) : weight * 0.85;
        for (let i = 0; i < segments.length; i += 2) {
          ctx.beginPath();
          ctx.moveTo(2, y(segments[i]));
          ctx.lineTo(W - 2, y(segments[i + 1]));
          ctx.stroke();
        }
      });
    }
    ctx.globalAlpha = 1;
    canvas.setAttribute('data-heads', [...shown].sort((a, b) => a - b).join(','));
  }

  async function render(s, stale) {
    const attention = await app.attention(s.layer);
    if (stale()) return;
    const shown = shownHeads(s.heads, attention.heads.length);
    title.textContent = `Layer ${s.layer}`;
    toggles.replaceChildren(...attention.heads.map((head) => {
      const swatch = el('span', { class: 'swatch' });
      swatch.style.background = headColour(head);
      return el('button', {
        type: 'button', class: 'head-toggle', 'data-testid': 'head-toggle', 'data-head': head,
        'aria-pressed': shown.has(head) ? 'true' : 'false', title: `show or hide head ${head}`,
      }, swatch, `head ${head}`);
    }));
    const n = Math.min(attention.T, MAX_TOKENS);
    note.textContent = n < attention.T ? `showing tokens 0–${n - 1} of ${attention.T}; the heatmap shows all` : '';
    const column = (side) => [
      el('div', { class: 'hv-caption' }, side === 'left' ? 'query' : 'key'),
      ...attention.tokens.slice(0, n).map((token, pos) => el('div', {
        class: 'hv-token', 'data-testid': 'head-view-token', 'data-side': side, 'data-pos': pos,
        title: `${side === 'left' ? 'query' : 'key'} ${pos}`,
      }, tokenLabel(token))),
    ];
    const columnsKey = `${n}\n${attention.tokens.slice(0, n).join('\n')}`;
    if (columnsKey !== builtColumns) {
      left.replaceChildren(...column('left'));
      right.replaceChildren(...column('right'));
      builtColumns = columnsKey;
    }
    for (const t of viewBody.querySelectorAll('.hv-token.active')) t.classList.remove('active');
    viewBody.setAttribute('data-focus', '');
    current = { attention, shown, focus: null, s, n };
    drawLines();
  }

  function exportCanvas() {
    const { attention, n: T } = current;
    const lineW = canvas.width; // drawn at one device pixel per CSS pixel
    const colW = 150;
    const out = document.createElement('canvas');
    const W = colW * 2 + lineW + 20;
    const H = (T + 2) * ROW + 10;
    out.width = W * 2;
    out.height = H * 2;
    const ctx = out.getContext('2d');
    ctx.scale(2, 2);
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, W, H);
    ctx.fillStyle = '#1d2330';
    ctx.font = 'bold 13px system-ui, sans-serif';
    ctx.fillText(`${current.s.model} · layer ${current.s.layer} · heads ${[...current.shown].join(', ')}`, 10, 16);
    ctx.drawImage(canvas, 10 + colW, ROW + 4, lineW, (T + 1) * ROW);
    ctx.font = '12px "DejaVu Sans Mono", monospace';
    ctx.textBaseline = 'middle';
    attention.tokens.slice(0, T).forEach((token, pos) => {
      const yy = ROW + 4 + ROW + pos * ROW + ROW / 2;
      ctx.textAlign = 'right';
      ctx.fillText(tokenLabel(token), 6 + colW, yy);
      ctx.textAlign = 'left';
      ctx.fillText(tokenLabel(token), 14 + colW + lineW, yy);
    });
    return out;
  }

  function exportSvg() {
    const { attention, shown, n: T } = current;
    const stride = attention.T;
    const colW = 150;
    const lineW = 300;
    const W = colW * 2 + lineW + 20;
    const H = (T + 2) * ROW + 10;
    const y = (pos) => 2 * ROW + 4 + pos * ROW + ROW / 2;
    const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans Mono, monospace" font-size="12">`,
      `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
      `<text x="10" y="16" font-weight="bold" font-family="system-ui, sans-serif" font-size="13" fill="#1d2330">${xml(`${current.s.model} · layer ${current.s.layer}`)}</text>`];
    for (const [index, head] of attention.heads.entries()) {
      if (!shown.has(head)) continue;
      const m = attention.matrix(index);
      parts.push(`<g stroke="${headColour(head)}" stroke-width="1.6">`);
      for (let q = 0; q < T; ++q) {
        for (let k = 0; k < (attention.causal ? q + 1 : T); ++k) {
          const w = m[q * stride + k];
          if (w < 0.02) continue;
          parts.push(`<line x1="${10 + colW}" y1="${y(q)}" x2="${10 + colW + lineW}" y2="${y(k)}" stroke-opacity="${(w * 0.85).toFixed(3)}"/>`);
        }
      }
      parts.push('</g>');
    }
    attention.tokens.slice(0, T).forEach((token, pos) => {
      parts.push(`<text x="${6 + colW}" y="${y(pos)}" text-anchor="end" dominant-baseline="middle" fill="#1d2330">${xml(tokenLabel(token))}</text>`);
      parts.push(`<text x="${14 + colW + lineW}" y="${y(pos)}" dominant-baseline="middle" fill="#1d2330">${xml(tokenLabel(token))}</text>`);
    });
    parts.push('</svg>');
    return parts.join('\n');
  }

  const exports = {
    png: async () => ({ canvas: exportCanvas(), name: `attnscope-head-view-L${current.s.layer}` }),
    svg: async () => ({ text: exportSvg(), name: `attnscope-head-view-L${current.s.layer}` }),
    json: async (s) => ({ text: await attentionJson(s.model, s.text, s.layer), name: `attnscope-attention-L${s.layer}` }),
    csv: async (s) => ({ text: attentionCsv(JSON.parse(await attentionJson(s.model, s.text, s.layer))), name: `attnscope-attention-L${s.layer}` }),
  };
  return { render, exports };
}
