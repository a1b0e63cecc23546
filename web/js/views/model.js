// Model view: a thumbnail of every head, layers as rows and heads as columns, each scaled to its
// own maximum and captioned with its pattern; click one to open it in the heatmap.

import { el, cssVar } from '../dom.js';
import { drawThumbnail, parseColour } from '../heatmap_figure.js';
import { xml } from '../figure_export.js';
import { analyzeCsv } from '../api.js';
import { VIRIDIS, hex, index } from '../colormap.js';

export function create(container, app) {
  const grid = el('div', { class: 'model-grid', 'data-testid': 'model-view' });
  const note = el('span', { class: 'view-note' });
  container.append(
    el('div', { class: 'view-bar' }, el('span', { class: 'view-title' }, 'All layers × heads'), el('span', { class: 'grow' }), note),
    grid,
  );
  grid.addEventListener('click', (event) => {
    const thumb = event.target.closest('button.thumb');
    if (thumb) app.set({ layer: Number(thumb.dataset.layer), head: Number(thumb.dataset.head), view: 'heatmap' });
  });

  let current = null;

  async function render(s, stale) {
    const info = app.model();
    const analysis = await app.analysis();
    if (stale()) return;
    const size = Math.max(34, Math.min(128, Math.floor((container.clientWidth - 80) / info.heads) - 10));
    grid.style.gridTemplateColumns = `auto repeat(${info.heads}, ${size + 4}px)`;
    const cells = [el('div')];
    for (let h = 0; h < info.heads; ++h) cells.push(el('div', { class: 'axis' }, `H${h}`));
    const canvases = [];
    const byHead = new Map(analysis.heads.map((h) => [`${h.layer},${h.head}`, h]));
    for (let layer = 0; layer < info.layers; ++layer) {
      cells.push(el('div', { class: 'axis row' }, `L${layer}`));
      for (let head = 0; head < info.heads; ++head) {
        const stat = byHead.get(`${layer},${head}`);
        const canvas = el('canvas');
        canvases.push({ canvas, layer, head });
        cells.push(el('button', {
          type: 'button',
          class: `thumb${layer === s.layer && head === s.head ? ' selected' : ''}`,
          'data-testid': 'model-thumb', 'data-layer': layer, 'data-head': head,
          title: `layer ${layer} · head ${head}${stat ? ` · ${stat.pattern}` : ''} — open in the heatmap`,
          'aria-label': `layer ${layer} head ${head}`,
        }, canvas, size >= 56 && stat ? el('span', { class: 'thumb-caption' }, stat.pattern) : null));
      }
    }
    grid.replaceChildren(...cells);
    note.textContent = 'each thumbnail scaled to its own maximum · click one to open it';
    const layers = [];
    const masked = parseColour(cssVar('--masked'));
    for (let layer = 0; layer < info.layers; ++layer) {
      const attention = await app.attention(layer); // one at a time: the server computes once
      if (stale()) return;
      layers.push(attention);
      for (const { canvas, head } of canvases.filter((c) => c.layer === layer)) {
        drawThumbnail(canvas, { T: attention.T, values: attention.matrix(attention.heads.indexOf(head)), causal: attention.causal }, size, masked);
      }
    }
    current = { s, layers, size, info, analysis };
  }

  function exportCanvas() {
    const { layers, info } = current;
    const size = 72;
    const gap = 6;
    const W = 40 + info.heads * (size + gap);
    const H = 50 + info.layers * (size + gap);
    const out = document.createElement('canvas');
    out.width = W;
    out.height = H;
    const ctx = out.getContext('2d');
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, W, H);
    ctx.fillStyle = '#1d2330';
    ctx.font = 'bold 13px system-ui, sans-serif';
    ctx.fillText(`${current.s.model} · all heads`, 10, 18);
    ctx.font = '11px system-ui, sans-serif';
    ctx.fillStyle = '#667085';
    for (let h = 0; h < info.heads; ++h) ctx.fillText(`H${h}`, 40 + h * (size + gap) + size / 2 - 8, 40);
    layers.forEach((attention, layer) => {
      ctx.fillStyle = '#667085';
      ctx.fillText(`L${layer}`, 8, 50 + layer * (size + gap) + size / 2);
      attention.heads.forEach((head, index) => {
        const c = document.createElement('canvas');
        drawThumbnail(c, { T: attention.T, values: attention.matrix(index), causal: attention.causal }, size);
        ctx.drawImage(c, 40 + head * (size + gap), 46 + layer * (size + gap), size, size);
      });
    });
    return out;
  }

  function exportSvg() {
    const { layers, info } = current;
    const cell = Math.max(1, Math.min(4, Math.floor(64 / layers[0].T)));
    const T = layers[0].T;
    const blocks = Math.min(T, 32);
    const size = blocks * cell * Math.max(1, Math.floor(64 / (blocks * cell)));
    const px = size / blocks;
    const gap = 8;
    const W = 40 + info.heads * (size + gap);
    const H = 50 + info.layers * (size + gap);
    const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, sans-serif" font-size="11">`,
      `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
      `<text x="10" y="18" font-weight="bold" font-size="13" fill="#1d2330">${xml(current.s.model)} · all heads</text>`];
    layers.forEach((attention, layer) => {
      parts.push(`<text x="8" y="${50 + layer * (size + gap) + size / 2}" fill="#667085">L${layer}</text>`);
      attention.heads.forEach((head, k) => {
        const m = attention.matrix(k);
        let max = 0;
        for (const v of m) if (v > max) max = v;
        const x0 = 40 + head * (size + gap);
        const y0 = 46 + layer * (size + gap);
        parts.push(`<g shape-rendering="crispEdges"><title>layer ${layer} head ${head}</title>`);
        for (let bi = 0; bi < blocks; ++bi) {
          for (let bj = 0; bj < blocks; ++bj) {
            let best = -1;
            for (let q = Math.floor((bi * T) / blocks); q < Math.max(Math.floor((bi * T) / blocks) + 1, Math.floor(((bi + 1) * T) / blocks)); ++q) {
              for (let kk = Math.floor((bj * T) / blocks); kk < Math.max(Math.floor((bj * T) / blocks) + 1, Math.floor(((bj + 1) * T) / blocks)); ++kk) {
                if (attention.causal && kk > q) continue;
                best = Math.max(best, m[q * T + kk]);
              }
            }
            const fill = best < 0 ? '#e4e6eb' : hex(VIRIDIS, index(best, 0, max || 1));
            parts.push(`<rect x="${(x0 + bj * px).toFixed(2)}" y="${(y0 + bi * px).toFixed(2)}" width="${px.toFixed(2)}" height="${px.toFixed(2)}" fill="${fill}"/>`);
          }
        }
        parts.push('</g>');
      });
    });
    parts.push('</svg>');
    return parts.join('\n');
  }

  const exports = {
    png: async () => ({ canvas: exportCanvas(), name: 'attnscope-model-view' }),
    svg: async () => ({ text: exportSvg(), name: 'attnscope-model-view' }),
    json: async () => ({ text: JSON.stringify(current.analysis, null, 2), name: 'attnscope-analysis' }),
    csv: async (s) => ({ text: await analyzeCsv(s.model, s.text), name: 'attnscope-analysis' }),
  };
  return { render, exports };
}
