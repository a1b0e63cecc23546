// Statistics: a layers × heads grid coloured by a chosen figure (docs/analysis.md), each cell
// captioned with the head's pattern, and the sortable per-head table beside it. The upload view
// reuses StatsPanel for the statistics over all uploaded texts (with their std).

import { el } from '../dom.js';
import { VIRIDIS, css, index, textOn, hex } from '../colormap.js';
import { short } from '../format.js';
import { analyzeCsv } from '../api.js';
import { csvField } from './heatmap.js';
import { xml } from '../figure_export.js';

export const FIGURES = [
  'entropy', 'normalized_entropy', 'confidence', 'self', 'previous', 'next', 'first', 'special',
  'distance', 'distance_normalized', 'max', 'min', 'mean',
];
const TABLE_FIGURES = ['entropy', 'normalized_entropy', 'confidence', 'self', 'previous', 'next', 'first', 'special', 'distance'];
const SHORT_PATTERN = { previous: 'prev', special: 'spec', broad: 'broad', first: 'first', self: 'self', next: 'next', mixed: 'mixed' };

function range(heads, figure) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const h of heads) {
    const v = h[figure];
    if (v === null || v === undefined) continue;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  if (!Number.isFinite(lo)) return { lo: 0, hi: 1 };
  if (hi - lo < 1e-9) return { lo: lo - 0.5, hi: hi + 0.5 };
  return { lo, hi };
}

export class StatsPanel {
  // options: {prefix: testid prefix ('stats' or 'upload-stats'), onSelect(layer, head)}
  constructor(options) {
    this.options = options;
    this.metric = el('select', { 'data-testid': `${options.prefix}-metric`, 'aria-label': 'Colour the grid by' },
      ...FIGURES.map((f) => el('option', { value: f }, f)));
    this.grid = el('div', { class: 'stats-grid', 'data-testid': `${options.prefix}-grid` });
    this.legend = el('div', { class: 'view-note' });
    this.table = el('table', { class: 'data', 'data-testid': `${options.prefix}-table` });
    this.element = el('div', { class: 'stats-layout' },
      el('div', {},
        el('div', { class: 'view-bar' }, el('label', { class: 'check' }, 'Colour by', this.metric)),
        this.grid, this.legend),
      el('div', { class: 'table-wrap' }, this.table));
    this.metric.addEventListener('change', () => options.onMetric(this.metric.value));
    this.table.addEventListener('click', (event) => {
      const th = event.target.closest('th[data-key]');
      if (th) {
        const desc = this.sort === th.dataset.key ? !this.desc : th.dataset.key !== 'layer' && th.dataset.key !== 'head' && th.dataset.key !== 'pattern';
        options.onSort(th.dataset.key, desc);
        return;
      }
      const row = event.target.closest('tr[data-layer]');
      if (row) options.onSelect(Number(row.dataset.layer), Number(row.dataset.head));
    });
    this.grid.addEventListener('click', (event) => {
      const cell = event.target.closest('[data-layer]');
      if (cell) options.onSelect(Number(cell.dataset.layer), Number(cell.dataset.head));
    });
  }

  // analysis: an analyze answer; view: {metric, sort, desc, layer, head}
  update(analysis, view) {
    const heads = analysis.heads;
    const metric = FIGURES.includes(view.metric) ? view.metric : 'entropy';
    this.metric.value = metric;
    this.sort = view.sort;
    this.desc = view.desc;
    const layers = Math.max(...heads.map((h) => h.layer)) + 1;
    const count = Math.max(...heads.map((h) => h.head)) + 1;
    const { lo, hi } = range(heads, metric);
    this.grid.style.gridTemplateColumns = `auto repeat(${count}, auto)`;
    const cells = [el('div')];
    for (let h = 0; h < count; ++h) cells.push(el('div', { class: 'axis' }, `H${h}`));
    const layerNumbers = [...new Set(heads.map((h) => h.layer))].sort((a, b) => a - b);
    const byHead = new Map(heads.map((h) => [`${h.layer},${h.head}`, h]));
    for (const layer of layerNumbers) {
      cells.push(el('div', { class: 'axis' }, `L${layer}`));
      for (let head = 0; head < count; ++head) {
        const stat = byHead.get(`${layer},${head}`);
        const v = stat ? stat[metric] : null;
        const selected = layer === view.layer && head === view.head;
        const cell = el('div', {
          class: `stats-cell${v === null ? ' undefined' : ''}${selected ? ' selected' : ''}`,
          'data-testid': `${this.options.prefix}-cell`, 'data-layer': layer, 'data-head': head,
          'data-value': v === null ? '' : v, 'data-pattern': stat ? stat.pattern : '',
          title: stat ? `layer ${layer} · head ${head}: ${stat.pattern}, ${metric} ${short(v)}` : '',
        },
        el('span', { class: 'pattern' }, stat ? SHORT_PATTERN[stat.pattern] || stat.pattern : ''),
        el('span', { class: 'value' }, short(v)));
        if (v !== null) {
          const i = index(v, lo, hi);
          cell.style.background = css(VIRIDIS, i);
          cell.style.color = textOn(VIRIDIS, i);
        }
        cells.push(cell);
      }
    }
    this.grid.replaceChildren(...cells);
    this.legend.textContent = `colour: ${metric}, ${short(lo)} (dark) to ${short(hi)} (bright) · caption: pattern · click a head to select it`;
    this.layers = layers;
    this.fillTable(analysis, view);
  }

  fillTable(analysis, view) {
    const several = Boolean(analysis.texts && analysis.texts > 1);
    const columns = ['layer', 'head', 'pattern', ...TABLE_FIGURES];
    const head = el('tr', {}, ...columns.map((c) => el('th', {
      'data-key': c, class: c === 'pattern' ? 'text' : '', scope: 'col',
      'aria-sort': c === view.sort ? (view.desc ? 'descending' : 'ascending') : 'none',
    }, c)));
    const key = columns.includes(view.sort) ? view.sort : 'layer';
    const rows = [...analysis.heads].sort((a, b) => {
      const x = a[key];
      const y = b[key];
      let d;
      if (x === null || x === undefined) d = y === null || y === undefined ? 0 : 1;
      else if (y === null || y === undefined) d = -1;
      else d = typeof x === 'string' ? x.localeCompare(y) : x - y;
      if (d === 0) d = a.layer - b.layer || a.head - b.head;
      else if (view.desc) d = -d;
      return d;
    });
    const body = el('tbody', {}, ...rows.map((h) => el('tr', {
      'data-layer': h.layer, 'data-head': h.head,
      class: h.layer === view.layer && h.head === view.head ? 'selected' : '',
    },
    el('td', {}, String(h.layer)),
    el('td', {}, String(h.head)),
    el('td', { class: 'text' }, el('span', { class: 'pattern-tag' }, h.pattern)),
    ...TABLE_FIGURES.map((f) => el('td', {}, several && h[`${f}_std`] !== undefined && h[f] !== null
      ? `${short(h[f])} ± ${short(h[`${f}_std`])}` : short(h[f]))))));
    this.table.replaceChildren(el('thead', {}, head), body);
  }
}

// The analysis as CSV (for views that have no server CSV: the upload aggregate).
export function analysisCsv(analysis) {
  const figures = FIGURES.flatMap((f) => (analysis.heads[0] && `${f}_std` in analysis.heads[0] ? [f, `${f}_std`] : [f]));
  const lines = [['layer', 'head', 'pattern', ...figures].join(',')];
  for (const h of analysis.heads) {
    lines.push([h.layer, h.head, csvField(h.pattern), ...figures.map((f) => (h[f] === null ? '' : h[f]))].join(','));
  }
  return `${lines.join('\n')}\n`;
}

// Grid image of the panel's analysis (PNG canvas and SVG).
export function gridImage(analysis, metric, title) {
  const heads = analysis.heads;
  const layers = [...new Set(heads.map((h) => h.layer))].sort((a, b) => a - b);
  const count = Math.max(...heads.map((h) => h.head)) + 1;
  const { lo, hi } = range(heads, metric);
  const cw = 62;
  const ch = 40;
  const W = 50 + count * (cw + 3);
  const H = 56 + layers.length * (ch + 3);
  const cellsOf = (draw) => {
    layers.forEach((layer, r) => {
      for (let head = 0; head < count; ++head) {
        const stat = heads.find((x) => x.layer === layer && x.head === head);
        const v = stat ? stat[metric] : null;
        const i = v === null ? null : index(v, lo, hi);
        draw(40 + head * (cw + 3), 46 + r * (ch + 3), stat, v, i);
      }
    });
  };
  const canvas = document.createElement('canvas');
  canvas.width = W * 2;
  canvas.height = H * 2;
  const ctx = canvas.getContext('2d');
  ctx.scale(2, 2);
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, W, H);
  ctx.fillStyle = '#1d2330';
  ctx.font = 'bold 13px system-ui, sans-serif';
  ctx.fillText(`${title} · ${metric}`, 10, 18);
  ctx.font = '11px system-ui, sans-serif';
  ctx.textAlign = 'center';
  for (let h = 0; h < count; ++h) ctx.fillText(`H${h}`, 40 + h * (cw + 3) + cw / 2, 40);
  layers.forEach((layer, r) => ctx.fillText(`L${layer}`, 20, 46 + r * (ch + 3) + ch / 2 + 4));
  const svg = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
    `<text x="10" y="18" font-weight="bold" font-size="13" fill="#1d2330">${xml(`${title} · ${metric}`)}</text>`];
  cellsOf((x, y, stat, v, i) => {
    const fill = i === null ? '#e4e6eb' : hex(VIRIDIS, i);
    const ink = i === null ? '#667085' : textOn(VIRIDIS, i);
    ctx.fillStyle = fill;
    ctx.fillRect(x, y, cw, ch);
    ctx.fillStyle = ink;
    ctx.fillText(stat ? stat.pattern : '', x + cw / 2, y + 16);
    ctx.fillText(short(v), x + cw / 2, y + 30);
    svg.push(`<rect x="${x}" y="${y}" width="${cw}" height="${ch}" rx="4" fill="${fill}"/>`);
    svg.push(`<text x="${x + cw / 2}" y="${y + 16}" text-anchor="middle" fill="${ink}">${xml(stat ? stat.pattern : '')}</text>`);
    svg.push(`<text x="${x + cw / 2}" y="${y + 30}" text-anchor="middle" fill="${ink}">${xml(short(v))}</text>`);
  });
  svg.push('</svg>');
  return { canvas, svg: svg.join('\n') };
}

export function create(container, app) {
  const panel = new StatsPanel({
    prefix: 'stats',
    onMetric: (metric) => app.set({ metric }),
    onSort: (sort, desc) => app.set({ sort, desc }),
    onSelect: (layer, head) => app.set({ layer, head }),
  });
  const open = el('button', { type: 'button', 'data-testid': 'stats-open-heatmap' }, 'Open selected head in the heatmap');
  open.addEventListener('click', () => app.set({ view: 'heatmap' }));
  container.append(
    el('div', { class: 'view-bar' }, el('span', { class: 'view-title' }, 'Per-head statistics'),
      el('span', { class: 'view-note' }, 'figures and patterns: docs/analysis.md'), el('span', { class: 'grow' }), open),
    panel.element,
  );
  let current = null;

  async function render(s, stale) {
    const analysis = await app.analysis();
    if (stale()) return;
    panel.update(analysis, s);
    current = { analysis, s };
  }

  const exports = {
    png: async (s) => ({ canvas: gridImage(current.analysis, s.metric, s.model).canvas, name: 'attnscope-statistics' }),
    svg: async (s) => ({ text: gridImage(current.analysis, s.metric, s.model).svg, name: 'attnscope-statistics' }),
    json: async () => ({ text: JSON.stringify(current.analysis, null, 2), name: 'attnscope-analysis' }),
    csv: async (s) => ({ text: await analyzeCsv(s.model, s.text), name: 'attnscope-analysis' }),
  };
  return { render, exports };
}
