// Image files of matrices (PNG through a canvas, SVG as text) for the Export buttons: a title,
// token labels (position ticks for long texts), the cells and a colour bar. A matrix of more
// than MAX_LABELLED tokens is pooled into blocks (the largest value of each, as on screen).

import { css, hex, index, VIRIDIS, DIVERGING } from './colormap.js';
import { fixed, tokenLabel } from './format.js';

const MAX_LABELLED = 96;
const MAX_SVG_CELLS = 128;
const FONT = '11px "DejaVu Sans Mono", Menlo, Consolas, monospace';
const TITLE_FONT = 'bold 13px system-ui, "DejaVu Sans", sans-serif';

// A matrix figure: {title, rowTokens, colTokens, T, values (T*T), causal, win {q0,k0,n},
// scale {lo, hi}, diverging}.
function layoutOf(fig, cellCap) {
  const n = fig.win.n;
  const labelled = n <= MAX_LABELLED;
  const blocks = labelled ? n : Math.min(n, cellCap);
  const cell = labelled ? Math.max(8, Math.min(22, Math.floor(640 / n))) : Math.max(1, Math.floor(640 / blocks));
  // Room for the token labels: the longest (clipped) label at about 7 px a character.
  let longest = 8;
  if (labelled) {
    for (let i = 0; i < n; ++i) {
      longest = Math.max(longest, clip(tokenLabel(fig.rowTokens[fig.win.q0 + i])).length,
        clip(tokenLabel(fig.colTokens[fig.win.k0 + i])).length);
    }
  }
  const room = labelled ? Math.min(124, longest * 7 + 14) : 40;
  return { n, labelled, blocks, cell, size: blocks * cell, room };
}

// The value of block (bi, bj) of the figure's window: the largest (|largest| if diverging)
// unmasked value, or null when every cell is masked.
function blockValue(fig, layout, bi, bj) {
  const { q0, k0, n } = fig.win;
  const qa = q0 + Math.floor((bi * n) / layout.blocks);
  const qb = Math.max(qa + 1, q0 + Math.floor(((bi + 1) * n) / layout.blocks));
  const ka = k0 + Math.floor((bj * n) / layout.blocks);
  const kb = Math.max(ka + 1, k0 + Math.floor(((bj + 1) * n) / layout.blocks));
  let best = null;
  for (let q = qa; q < qb; ++q) {
    for (let k = ka; k < (fig.causal ? Math.min(kb, q + 1) : kb); ++k) {
      const v = fig.values[q * fig.T + k];
      if (best === null || (fig.diverging ? Math.abs(v) > Math.abs(best) : v > best)) best = v;
    }
  }
  return best;
}

function figureWidth(layout) {
  return layout.room + layout.size + 70;
}

function figureHeight(layout) {
  return 28 + layout.room + layout.size + 16;
}

// PNG: the figures side by side on one canvas (white background, or the theme's when given).
export function figuresToCanvas(figures, colours = { bg: '#ffffff', text: '#1d2330', muted: '#667085', masked: '#e4e6eb' }) {
  const layouts = figures.map((f) => layoutOf(f, 512));
  const width = layouts.reduce((sum, l) => sum + figureWidth(l), 0) + 20;
  const height = Math.max(...layouts.map(figureHeight)) + 10;
  const canvas = document.createElement('canvas');
  canvas.width = width * 2;
  canvas.height = height * 2;
  const ctx = canvas.getContext('2d');
  ctx.scale(2, 2);
  ctx.fillStyle = colours.bg;
  ctx.fillRect(0, 0, width, height);
  let x0 = 10;
  figures.forEach((fig, f) => {
    const layout = layouts[f];
    const table = fig.diverging ? DIVERGING : VIRIDIS;
    const top = 28 + layout.room;
    const left = x0 + layout.room;
    ctx.fillStyle = colours.text;
    ctx.font = TITLE_FONT;
    ctx.textBaseline = 'top';
    ctx.fillText(fig.title, x0, 6);
    for (let bi = 0; bi < layout.blocks; ++bi) {
      for (let bj = 0; bj < layout.blocks; ++bj) {
        const v = blockValue(fig, layout, bi, bj);
        ctx.fillStyle = v === null ? colours.masked : css(table, index(v, fig.scale.lo, fig.scale.hi));
        ctx.fillRect(left + bj * layout.cell, top + bi * layout.cell, layout.cell, layout.cell);
      }
    }
    ctx.font = FONT;
    ctx.fillStyle = colours.text;
    if (layout.labelled) {
      ctx.textBaseline = 'middle';
      ctx.textAlign = 'right';
      for (let i = 0; i < layout.n; ++i) {
        ctx.fillText(clip(tokenLabel(fig.rowTokens[fig.win.q0 + i])), left - 5, top + (i + 0.5) * layout.cell);
      }
      for (let j = 0; j < layout.n; ++j) {
        ctx.save();
        ctx.translate(left + (j + 0.5) * layout.cell, top - 5);
        ctx.rotate(-Math.PI / 2);
        ctx.textAlign = 'left';
        ctx.fillText(clip(tokenLabel(fig.colTokens[fig.win.k0 + j])), 0, 0);
        ctx.restore();
      }
      ctx.textAlign = 'left';
    } else {
      ctx.fillStyle = colours.muted;
      ctx.textBaseline = 'alphabetic';
      ctx.fillText(`keys ${fig.win.k0}–${fig.win.k0 + fig.win.n - 1} →`, left, top - 6);
      ctx.save();
      ctx.translate(left - 6, top);
      ctx.rotate(-Math.PI / 2);
      ctx.textAlign = 'right';
      ctx.fillText(`queries ${fig.win.q0}–${fig.win.q0 + fig.win.n - 1} →`, 0, 0);
      ctx.restore();
    }
    // colour bar
    const barX = left + layout.size + 12;
    const barH = Math.min(layout.size, 240);
    for (let y = 0; y < barH; ++y) {
      ctx.fillStyle = css(table, Math.round(255 * (1 - y / (barH - 1))));
      ctx.fillRect(barX, top + y, 12, 1);
    }
    ctx.fillStyle = colours.muted;
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'left';
    ctx.fillText(fixed(fig.scale.hi, 3), barX + 16, top + 5);
    ctx.fillText(fixed(fig.scale.lo, 3), barX + 16, top + barH - 5);
    x0 += figureWidth(layout);
  });
  return canvas;
}

function clip(text) {
  return text.length > 16 ? `${text.slice(0, 15)}…` : text;
}

export function xml(text) {
  return String(text).replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]);
}

// SVG text of the figures side by side.
export function figuresToSvg(figures) {
  const layouts = figures.map((f) => layoutOf(f, MAX_SVG_CELLS));
  const width = layouts.reduce((sum, l) => sum + figureWidth(l), 0) + 20;
  const height = Math.max(...layouts.map(figureHeight)) + 10;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
  ];
  let x0 = 10;
  figures.forEach((fig, f) => {
    const layout = layouts[f];
    const table = fig.diverging ? DIVERGING : VIRIDIS;
    const top = 28 + layout.room;
    const left = x0 + layout.room;
    parts.push(`<text x="${x0}" y="18" font-family="system-ui, DejaVu Sans, sans-serif" font-size="13" font-weight="bold" fill="#1d2330">${xml(fig.title)}</text>`);
    parts.push('<g shape-rendering="crispEdges">');
    for (let bi = 0; bi < layout.blocks; ++bi) {
      for (let bj = 0; bj < layout.blocks; ++bj) {
        const v = blockValue(fig, layout, bi, bj);
        const fill = v === null ? '#e4e6eb' : hex(table, index(v, fig.scale.lo, fig.scale.hi));
        const title = v === null ? '' : `<title>${fixed(v, 4)}</title>`;
        parts.push(`<rect x="${left + bj * layout.cell}" y="${top + bi * layout.cell}" width="${layout.cell}" height="${layout.cell}" fill="${fill}">${title}</rect>`);
      }
    }
    parts.push('</g>');
    if (layout.labelled) {
      for (let i = 0; i < layout.n; ++i) {
        const y = top + (i + 0.5) * layout.cell;
        parts.push(`<text x="${left - 5}" y="${y}" text-anchor="end" dominant-baseline="middle" fill="#1d2330">${xml(clip(tokenLabel(fig.rowTokens[fig.win.q0 + i])))}</text>`);
      }
      for (let j = 0; j < layout.n; ++j) {
        const x = left + (j + 0.5) * layout.cell;
        parts.push(`<text transform="translate(${x} ${top - 5}) rotate(-90)" dominant-baseline="middle" fill="#1d2330">${xml(clip(tokenLabel(fig.colTokens[fig.win.k0 + j])))}</text>`);
      }
    } else {
      parts.push(`<text x="${left}" y="${top - 6}" fill="#667085">keys ${fig.win.k0}–${fig.win.k0 + fig.win.n - 1} →</text>`);
    }
    const barX = left + layout.size + 12;
    const barH = Math.min(layout.size, 240);
    const stops = [];
    for (let s = 0; s <= 10; ++s) stops.push(`<stop offset="${s / 10}" stop-color="${hex(table, Math.round(255 * (1 - s / 10)))}"/>`);
    parts.push(`<defs><linearGradient id="bar${f}" x1="0" y1="0" x2="0" y2="1">${stops.join('')}</linearGradient></defs>`);
    parts.push(`<rect x="${barX}" y="${top}" width="12" height="${barH}" fill="url(#bar${f})"/>`);
    parts.push(`<text x="${barX + 16}" y="${top + 9}" fill="#667085">${fixed(fig.scale.hi, 3)}</text>`);
    parts.push(`<text x="${barX + 16}" y="${top + barH - 1}" fill="#667085">${fixed(fig.scale.lo, 3)}</text>`);
    x0 += figureWidth(layout);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

