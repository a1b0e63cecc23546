// Compare: two texts (or two models that share a tokenizer) side by side at the same layer and
// head, and their difference B − A over the tokens that line up (the longest common subsequence
// of the two token lists).

import { el } from '../dom.js';
import { HeatmapFigure, describeCell } from '../heatmap_figure.js';
import { figuresToCanvas, figuresToSvg } from '../figure_export.js';
import { fixed, quoted } from '../format.js';
import { csvField } from './heatmap.js';
import { ApiError } from '../api.js';

// Pairs [i, j] with a[i] === b[j], in order, as many as possible (LCS).
export function alignTokens(a, b) {
  const n = a.length;
  const m = b.length;
  const table = new Uint32Array((n + 1) * (m + 1));
  for (let i = n - 1; i >= 0; --i) {
    for (let j = m - 1; j >= 0; --j) {
      table[i * (m + 1) + j] = a[i] === b[j]
        ? table[(i + 1) * (m + 1) + j + 1] + 1
        : Math.max(table[(i + 1) * (m + 1) + j], table[i * (m + 1) + j + 1]);
    }
  }
  const pairs = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      pairs.push([i, j]);
      ++i;
      ++j;
    } else if (table[(i + 1) * (m + 1) + j] >= table[i * (m + 1) + j + 1]) {
      ++i;
    } else {
      ++j;
    }
  }
  return pairs;
}

export function create(container, app) {
  const inputA = el('textarea', { 'data-testid': 'compare-input-a', rows: '2', spellcheck: 'false', 'aria-label': 'Text A', readonly: true });
  const inputB = el('textarea', { 'data-testid': 'compare-input', rows: '2', spellcheck: 'false', 'aria-label': 'Text B', placeholder: 'Second text (B)' });
  const modelB = el('select', { 'data-testid': 'compare-model', 'aria-label': 'Model of B' });
  const run = el('button', { type: 'button', class: 'primary', 'data-testid': 'compare-run' }, 'Compare');
  const note = el('span', { class: 'view-note', 'data-testid': 'compare-note' });
  const figA = new HeatmapFigure({ testid: 'compare-a' });
  const figB = new HeatmapFigure({ testid: 'compare-b' });
  const figD = new HeatmapFigure({ testid: 'compare-diff' });
  const titleA = el('h3');
  const titleB = el('h3');
  const titleD = el('h3');
  const panels = el('div', { class: 'compare-panels', 'data-testid': 'compare' },
    el('div', { class: 'compare-panel' }, titleA, figA.element),
    el('div', { class: 'compare-panel' }, titleB, figB.element),
    el('div', { class: 'compare-panel' }, titleD, figD.element));
  container.append(
    el('div', { class: 'view-bar' }, el('span', { class: 'view-title' }, 'Compare two texts'),
      el('label', { class: 'check' }, 'Model of B', modelB), run, el('span', { class: 'grow' }), note),
    el('div', { class: 'compare-inputs' },
      el('label', {}, el('span', { class: 'field-label' }, 'A (the text above)'), inputA),
      el('label', {}, el('span', { class: 'field-label' }, 'B'), inputB)),
    panels,
  );
  const go = () => app.set({ text2: inputB.value, model2: modelB.value });
  run.addEventListener('click', go);
  inputB.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      go();
    }
  });

  let current = null;

  async function render(s, stale) {
    const infoA = app.model();
    modelB.replaceChildren(el('option', { value: '' }, `same (${s.model})`),
      ...app.models().filter((m) => m.id !== s.model).map((m) => el('option', { value: m.id }, m.id)));
    modelB.value = s.model2;
    inputA.value = s.text;
    if (document.activeElement !== inputB) inputB.value = s.text2;
    const model2 = s.model2 || s.model;
    const infoB = app.modelInfo(model2);
    if (!s.text2) {
      panels.hidden = true;
      note.textContent = 'type a second text (B) and press Compare';
      current = null;
      return;
    }
    if (!infoB) throw new ApiError(`unknown model '${model2}'`, 'input');
    if (s.layer >= infoB.layers || s.head >= infoB.heads) {
      throw new ApiError(`model ${model2} has ${infoB.layers} layers × ${infoB.heads} heads; layer ${s.layer} head ${s.head} is not in it`, 'input');
    }
    const [a, b] = await Promise.all([app.attention(s.layer), app.attention(s.layer, s.text2, model2)]);
    if (stale()) return;
    panels.hidden = false;
    const ia = a.heads.indexOf(s.head);
    const ib = b.heads.indexOf(s.head);
    const pairs = alignTokens(a.tokens, b.tokens);
    const P = pairs.length;
    const diff = new Float32Array(P * P);
    const ma = a.matrix(ia);
    const mb = b.matrix(ib);
    for (let p = 0; p < P; ++p) {
      for (let r = 0; r < P; ++r) {
        diff[p * P + r] = mb[pairs[p][1] * b.T + pairs[r][1]] - ma[pairs[p][0] * a.T + pairs[r][0]];
      }
    }
    const tokensD = pairs.map(([i]) => a.tokens[i]);
    const size = app.matrixSize(2);
    titleA.replaceChildren('A ', el('span', { class: 'sub' }, `${s.model} · ${a.T} tokens`));
    titleB.replaceChildren('B ', el('span', { class: 'sub' }, `${model2} · ${b.T} tokens`));
    titleD.replaceChildren('B − A ', el('span', { class: 'sub' }, `${P} tokens line up`));
    figA.update({ data: { T: a.T, values: ma, causal: a.causal }, rowTokens: a.tokens, colTokens: a.tokens, maxSize: size, skipFirst: s.skipfirst, describe: describeCell(a.tokens, a.tokens) });
    figB.update({ data: { T: b.T, values: mb, causal: b.causal }, rowTokens: b.tokens, colTokens: b.tokens, maxSize: size, skipFirst: s.skipfirst, describe: describeCell(b.tokens, b.tokens) });
    const causal = a.causal && b.causal;
    if (P > 0) {
      figD.update({
        data: { T: P, values: diff, causal }, rowTokens: tokensD, colTokens: tokensD, maxSize: size, diverging: true,
        describe: (p, r, v) => `query ${pairs[p][0]} ${quoted(tokensD[p])} → key ${pairs[r][0]} ${quoted(tokensD[r])}: ${v === null ? 'masked' : `B − A = ${v >= 0 ? '+' : ''}${fixed(v, 4)}`}`,
      });
    }
    figD.element.hidden = P === 0;
    note.textContent = `layer ${s.layer} · head ${s.head} · ${P} of ${a.T} tokens of A line up with B${infoA && infoB && infoA.family !== infoB.family ? ' (different model families: check that they share a tokenizer)' : ''}`;
    current = { s, a, b, ia, ib, pairs, diff, tokensD, model2, causal };
  }

  function figures() {
    if (!current) throw new ApiError('nothing to export: type a second text first', 'input');
    const { s, a, b, ia, ib, diff, tokensD, causal } = current;
    const whole = (T) => ({ q0: 0, k0: 0, n: T });
    return [
      { title: `A · layer ${s.layer} · head ${s.head}`, rowTokens: a.tokens, colTokens: a.tokens, T: a.T, values: a.matrix(ia), causal: a.causal, win: whole(a.T), scale: figA.scale, diverging: false },
      { title: `B · layer ${s.layer} · head ${s.head}`, rowTokens: b.tokens, colTokens: b.tokens, T: b.T, values: b.matrix(ib), causal: b.causal, win: whole(b.T), scale: figB.scale, diverging: false },
      ...(tokensD.length ? [{ title: 'B − A', rowTokens: tokensD, colTokens: tokensD, T: tokensD.length, values: diff, causal, win: whole(tokensD.length), scale: figD.scale, diverging: true }] : []),
    ];
  }

  function data() {
    const { s, a, b, ia, ib, pairs, diff, model2 } = current;
    const rows = (m, T) => Array.from({ length: T }, (_, q) => Array.from(m.subarray(q * T, (q + 1) * T)));
    return {
      layer: s.layer, head: s.head,
      a: { model: s.model, text: s.text, tokens: a.tokens, attention: rows(a.matrix(ia), a.T) },
      b: { model: model2, text: s.text2, tokens: b.tokens, attention: rows(b.matrix(ib), b.T) },
      aligned: pairs,
      difference: rows(diff, pairs.length),
      dtype: a.dtype,
    };
  }

  const exports = {
    png: async () => ({ canvas: figuresToCanvas(figures()), name: 'attnscope-compare' }),
    svg: async () => ({ text: figuresToSvg(figures()), name: 'attnscope-compare' }),
    json: async () => ({ text: JSON.stringify(data(), null, 2), name: 'attnscope-compare' }),
    csv: async () => {
      const { pairs, diff, a, b, ia, ib, causal } = current;
      const lines = ['query_pos_a,query_pos_b,query_token,key_pos_a,key_pos_b,key_token,weight_a,weight_b,difference'];
      const P = pairs.length;
      for (let p = 0; p < P; ++p) {
        for (let r = 0; r < (causal ? p + 1 : P); ++r) {
          const [qa, qb] = pairs[p];
          const [ka, kb] = pairs[r];
          lines.push([qa, qb, csvField(a.tokens[qa]), ka, kb, csvField(a.tokens[ka]), a.at(ia, qa, ka), b.at(ib, qb, kb), diff[p * P + r]].join(','));
        }
      }
      return { text: `${lines.join('\n')}\n`, name: 'attnscope-compare' };
    },
  };
  return { render, exports };
}
