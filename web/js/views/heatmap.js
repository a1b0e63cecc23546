// Heatmap: the chosen layer and head as a query × key matrix with token labels, a hover tooltip
// (`query 5 'sat' → key 4 'cat': 0.8731`), the causal upper triangle drawn as masked, an option
// to leave key 0 out of the colour scale, and zoom for long texts (see heatmap_figure.js).

import { el } from '../dom.js';
import { HeatmapFigure, describeCell } from '../heatmap_figure.js';
import { figuresToCanvas, figuresToSvg } from '../figure_export.js';
import { attentionJson } from '../api.js';
import { short } from '../format.js';

const CARD_FIGURES = [
  ['entropy', 'entropy'], ['normalized_entropy', 'normalized entropy'], ['confidence', 'confidence'],
  ['self', 'self'], ['previous', 'previous'], ['first', 'first'], ['distance', 'distance'],
];

export function parseZoom(text, T) {
  const parts = String(text || '').split(',').map(Number);
  if (parts.length !== 3 || parts.some((v) => !Number.isInteger(v) || v < 0)) return null;
  const [q0, k0, n] = parts;
  if (n < 1 || q0 + n > T || k0 + n > T || n >= T) return null;
  return { q0, k0, n };
}

export function create(container, app) {
  const title = el('span', { class: 'view-title', 'data-testid': 'heatmap-title' });
  const pattern = el('span', { class: 'pattern-tag', 'data-testid': 'heatmap-pattern', hidden: true });
  const skipFirst = el('input', { type: 'checkbox', 'data-testid': 'heatmap-skip-first' });
  const resetZoom = el('button', { type: 'button', 'data-testid': 'heatmap-reset-zoom', title: 'Show the whole matrix (Esc)' }, 'Whole matrix');
  const note = el('span', { class: 'view-note', 'data-testid': 'heatmap-note' });
  const card = el('aside', { class: 'head-card', 'data-testid': 'heatmap-head-card' });
  const figure = new HeatmapFigure({
    testid: 'heatmap',
    onZoom: (win) => app.set({ zoom: win ? `${win.q0},${win.k0},${win.n}` : '' }),
  });
  container.append(
    el('div', { class: 'view-bar' },
      title, pattern,
      el('label', { class: 'check', title: 'An attention sink on the first token can wash the rest of the colour scale out' },
        skipFirst, 'Leave the first token out of the colour scale'),
      resetZoom, el('span', { class: 'grow' }), note),
    el('div', { class: 'heatmap-layout' }, figure.element, card),
  );
  skipFirst.addEventListener('change', () => app.set({ skipfirst: skipFirst.checked }));
  resetZoom.addEventListener('click', () => app.set({ zoom: '' }));

  let current = null; // {attention, index, s, win}

  async function render(s, stale) {
    const [attention, analysis] = await Promise.all([app.attention(s.layer), app.analysis()]);
    if (stale()) return;
    const index = attention.heads.indexOf(s.head);
    if (index < 0) throw new Error(`head ${s.head} is not in layer ${s.layer}'s answer`);
    const T = attention.T;
    const win = parseZoom(s.zoom, T);
    skipFirst.checked = s.skipfirst;
    resetZoom.hidden = !win;
    title.textContent = `Layer ${s.layer} · Head ${s.head}`;
    const head = analysis.heads.find((h) => h.layer === s.layer && h.head === s.head);
    pattern.hidden = !head;
    if (head) {
      pattern.textContent = head.pattern;
      pattern.title = `pattern of this head (Statistics view); entropy ${head.entropy?.toFixed?.(3) ?? '–'}`;
    }
    note.textContent = win
      ? `queries ${win.q0}–${win.q0 + win.n - 1}, keys ${win.k0}–${win.k0 + win.n - 1} of ${T} · drag to zoom, Esc for all`
      : `${T} tokens · ${T > 48 ? 'drag (or click) to zoom · ' : ''}hover a cell for its weight`;
    fillCard(head, s, T);
    const data = { T, values: attention.matrix(index), causal: attention.causal };
    figure.update({
      data,
      rowTokens: attention.tokens,
      colTokens: attention.tokens,
      win,
      maxSize: app.matrixSize(),
      skipFirst: s.skipfirst,
      diverging: false,
      describe: describeCell(attention.tokens, attention.tokens),
    });
    current = { attention, index, s, win: win || { q0: 0, k0: 0, n: T } };
  }

  function fillCard(head, s, T) {
    const rows = [['pattern', head ? head.pattern : '–'], ['tokens', String(T)],
      ...(head ? CARD_FIGURES.map(([key, label]) => [label, short(head[key])]) : [])];
    card.replaceChildren(
      el('h4', {}, `Layer ${s.layer} · head ${s.head}`),
      el('dl', {}, ...rows.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)])),
      el('div', { class: 'hint' }, 'Rows are queries, columns keys; each row sums to 1. The Statistics view shows every head.'),
    );
  }

  function exportFigure() {
    if (!current) throw new Error('nothing drawn yet');
    const { attention, index, s, win } = current;
    return {
      title: `${s.model} · layer ${s.layer} · head ${s.head}`,
      rowTokens: attention.tokens,
      colTokens: attention.tokens,
      T: attention.T,
      values: attention.matrix(index),
      causal: attention.causal,
      win,
      scale: figure.scale,
      diverging: false,
    };
  }

  const exports = {
    png: async () => ({ canvas: figuresToCanvas([exportFigure()]) }),
    svg: async () => ({ text: figuresToSvg([exportFigure()]) }),
    // The API's own answer for this head (exact f32 numbers).
    json: async (s) => ({ text: await attentionJson(s.model, s.text, s.layer, s.head) }),
    csv: async (s) => {
      const answer = JSON.parse(await attentionJson(s.model, s.text, s.layer, s.head));
      return { text: attentionCsv(answer) };
    },
  };

  return { render, exports };
}

// RFC 4180 field.
export function csvField(value) {
  const text = value === null || value === undefined ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

// One row per (head, query, key) of an /api/attention answer; masked cells left out.
export function attentionCsv(answer) {
  const lines = ['layer,head,query_pos,query_token,key_pos,key_token,weight'];
  answer.heads.forEach((head, k) => {
    const matrix = answer.attention[k];
    for (let q = 0; q < matrix.length; ++q) {
      const end = answer.causal ? q + 1 : matrix[q].length;
      for (let key = 0; key < end; ++key) {
        lines.push([answer.layer, head, q, csvField(answer.tokens[q]), key, csvField(answer.tokens[key]), matrix[q][key]].join(','));
      }
    }
  });
  return `${lines.join('\n')}\n`;
}
