// Token importance: the text with each token's background shaded by its score (the tokenizer's
// code point offsets map tokens back to the text), a method picker and the ranked list.

import { el } from '../dom.js';
import { VIRIDIS, index, textOn, hex } from '../colormap.js';
import { fixed, tokenLabel } from '../format.js';
import { tokenize, importanceCsv } from '../api.js';
import { xml } from '../figure_export.js';

// The methods of `attnscope importance --method` (docs/analysis.md), with what each one means.
export const METHODS = [
  { key: 'raw-visible', label: 'raw (visible rows)', note: 'raw: attention each token receives, averaged over the query rows that can see it (corrects the causal bias toward early tokens); scores sum to 1' },
  { key: 'raw', label: 'raw (all rows)', note: 'raw: attention each token receives, averaged over layers, heads and all queries; on a causal model early tokens are favoured; scores sum to 1' },
  { key: 'rollout', label: 'rollout', note: 'rollout (Abnar & Zuidema 2020): head-averaged attention plus the residual, multiplied through the layers; the target token\'s row' },
  { key: 'flow', label: 'flow', note: 'flow (Abnar & Zuidema 2020): maximum flow from each token to the target through the layered attention graph (exact; refused for long texts)' },
  { key: 'norm', label: 'norm', note: 'norm (Kobayashi et al. 2020): attention weighted by the size of what each token sends, ‖α·f(x)‖, averaged over layers, heads and queries' },
];
const KEYS = METHODS.map((m) => m.key);

// The method shown: the state's, else raw over visible rows for causal models, raw otherwise.
export function chosenMethod(s, causal) {
  if (KEYS.includes(s.method)) return s.method;
  return causal ? 'raw-visible' : 'raw';
}

function shade(score, max) {
  const t = max > 0 ? score / max : 0;
  const i = index(t, 0, 1);
  const alpha = 0.12 + 0.88 * t;
  const [r, g, b] = [VIRIDIS[i * 3], VIRIDIS[i * 3 + 1], VIRIDIS[i * 3 + 2]];
  return { background: `rgba(${r}, ${g}, ${b}, ${alpha.toFixed(3)})`, strong: alpha > 0.55, i };
}

export function create(container, app) {
  const method = el('select', { 'data-testid': 'importance-method', 'aria-label': 'Importance method' },
    ...METHODS.map((m) => el('option', { value: m.key }, m.label)));
  const text = el('div', { class: 'importance-text', 'data-testid': 'importance' });
  const note = el('span', { class: 'view-note', 'data-testid': 'importance-note' });
  const ranked = el('table', { class: 'data', 'data-testid': 'importance-ranked' });
  container.append(
    el('div', { class: 'view-bar' }, el('span', { class: 'view-title' }, 'Token importance'),
      el('label', { class: 'check' }, 'Method', method),
      note),
    text,
    el('div', { class: 'ranked' }, el('p', { class: 'section-title' }, 'Ranked'), el('div', { class: 'table-wrap' }, ranked)),
  );
  method.addEventListener('change', () => app.set({ method: method.value }));

  let current = null;

  async function render(s, stale) {
    const info = await app.model();
    if (stale()) return;
    const chosen = chosenMethod(s, info && info.causal);
    method.value = chosen;
    const described = METHODS.find((m) => m.key === chosen);
    note.textContent = described.note;
    const [encoding, answer] = await Promise.all([tokenize(s.model, s.text), app.importance(chosen)]);
    if (stale()) return;
    if (answer.target !== undefined) {
      const label = tokenLabel(encoding.tokens[answer.target] ?? '');
      note.textContent = `${described.note} (target: position ${answer.target} ${label})`;
    }
    const byPosition = new Map(answer.tokens.map((t) => [t.position, t]));
    const max = Math.max(...answer.tokens.map((t) => t.score), 0);
    const chars = Array.from(s.text);
    const parts = [];
    let last = 0;
    encoding.tokens.forEach((token, pos) => {
      const [start, end] = encoding.offsets[pos] || [0, 0];
      const entry = byPosition.get(pos);
      const score = entry ? entry.score : 0;
      const look = shade(score, max);
      const special = encoding.special_mask && encoding.special_mask[pos];
      let content;
      if (!special && end > start && start >= last) {
        if (start > last) parts.push(chars.slice(last, start).join(''));
        content = chars.slice(start, end).join('');
        last = end;
      } else {
        content = tokenLabel(token);
      }
      const span = el('span', {
        class: `tok${special ? ' special' : ''}`, 'data-testid': 'importance-token', 'data-pos': pos,
        'data-score': score, title: `${pos} ${tokenLabel(token)}: ${fixed(score, 4)}`,
      }, content);
      span.style.background = look.background;
      if (look.strong) span.style.color = textOn(VIRIDIS, look.i);
      parts.push(span);
    });
    if (last < chars.length) parts.push(chars.slice(last).join(''));
    text.replaceChildren(...parts);

    const rows = [...answer.tokens].sort((a, b) => a.rank - b.rank);
    ranked.replaceChildren(
      el('thead', {}, el('tr', {}, el('th', {}, 'rank'), el('th', {}, 'position'), el('th', { class: 'text' }, 'token'), el('th', {}, 'score'), el('th', { class: 'text' }, ''))),
      el('tbody', {}, ...rows.map((t) => {
        const bar = el('div', { class: 'bar-fill' });
        bar.style.width = `${max > 0 ? (100 * t.score) / max : 0}%`;
        return el('tr', { 'data-position': t.position },
          el('td', {}, String(t.rank)), el('td', {}, String(t.position)),
          el('td', { class: 'text' }, el('code', {}, tokenLabel(t.token))),
          el('td', {}, fixed(t.score, 4)), el('td', { class: 'bar' }, bar));
      })),
    );
    current = { s, answer, encoding, max, method: chosen };
  }

  // Image: the tokens as shaded boxes in reading order, wrapped.
  function image() {
    const { encoding, answer, max } = current;
    const scores = new Map(answer.tokens.map((t) => [t.position, t.score]));
    const W = 900;
    const probe = document.createElement('canvas').getContext('2d');
    probe.font = '14px "DejaVu Sans Mono", monospace';
    const boxes = [];
    let x = 10;
    let y = 40;
    encoding.tokens.forEach((token, pos) => {
      const label = tokenLabel(token);
      const w = probe.measureText(label).width + 8;
      if (x + w > W - 10) {
        x = 10;
        y += 28;
      }
      boxes.push({ x, y, w, label, score: scores.get(pos) || 0 });
      x += w + 4;
    });
    const H = y + 40;
    const canvas = document.createElement('canvas');
    canvas.width = W * 2;
    canvas.height = H * 2;
    const ctx = canvas.getContext('2d');
    ctx.scale(2, 2);
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, W, H);
    ctx.fillStyle = '#1d2330';
    ctx.font = 'bold 13px system-ui, sans-serif';
    ctx.fillText(`${current.s.model} · token importance (${current.method})`, 10, 20);
    ctx.font = '14px "DejaVu Sans Mono", monospace';
    const svg = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans Mono, monospace" font-size="14">`,
      `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
      `<text x="10" y="20" font-family="system-ui, sans-serif" font-size="13" font-weight="bold" fill="#1d2330">${xml(`${current.s.model} · token importance (${current.method})`)}</text>`];
    for (const b of boxes) {
      const look = shade(b.score, max);
      ctx.fillStyle = look.background;
      ctx.fillRect(b.x, b.y, b.w, 22);
      ctx.fillStyle = look.strong ? textOn(VIRIDIS, look.i) : '#1d2330';
      ctx.fillText(b.label, b.x + 4, b.y + 16);
      const t = max > 0 ? b.score / max : 0;
      svg.push(`<rect x="${b.x}" y="${b.y}" width="${b.w.toFixed(1)}" height="22" rx="3" fill="${hex(VIRIDIS, look.i)}" fill-opacity="${(0.12 + 0.88 * t).toFixed(3)}"><title>${fixed(b.score, 4)}</title></rect>`);
      svg.push(`<text x="${b.x + 4}" y="${b.y + 16}" fill="${look.strong ? textOn(VIRIDIS, look.i) : '#1d2330'}">${xml(b.label)}</text>`);
    }
    svg.push('</svg>');
    return { canvas, svg: svg.join('\n') };
  }

  const exports = {
    png: async () => ({ canvas: image().canvas, name: 'attnscope-importance' }),
    svg: async () => ({ text: image().svg, name: 'attnscope-importance' }),
    json: async () => ({ text: JSON.stringify(current.answer, null, 2), name: 'attnscope-importance' }),
    csv: async (s) => ({ text: await importanceCsv(s.model, s.text, current.method), name: 'attnscope-importance' }),
  };
  return { render, exports };
}
