// Upload: a .txt file (one text) or .jsonl file (one {"text": ...} per line) from the browser,
// sent to POST /api/upload; the texts become a list to step through (each becomes the analyzed
// text of every other view) and the statistics over all of them (mean ± std) show below.

import { el } from '../dom.js';
import { upload, ApiError } from '../api.js';
import { StatsPanel, analysisCsv, gridImage } from './stats.js';

const MAX_BYTES = 20 * 1024 * 1024;

export function create(container, app) {
  const input = el('input', { type: 'file', accept: '.txt,.jsonl,text/plain', 'data-testid': 'upload', 'aria-label': 'Text file to upload' });
  const drop = el('label', { class: 'dropzone', 'data-testid': 'upload-dropzone' },
    el('div', {}, el('strong', {}, 'Choose a file'), ' or drop it here'),
    el('div', { class: 'view-note' }, '.txt: the whole file is one text · .jsonl: one {"text": ...} object per line · up to 20 MB'),
    input);
  const status = el('span', { class: 'view-note', 'data-testid': 'upload-status' });
  const prev = el('button', { type: 'button', 'data-testid': 'upload-prev', title: 'Previous text' }, '← Previous');
  const next = el('button', { type: 'button', 'data-testid': 'upload-next', title: 'Next text' }, 'Next →');
  const list = el('ol', { class: 'upload-list', 'data-testid': 'upload-list' });
  const stats = new StatsPanel({
    prefix: 'upload-stats',
    onMetric: (metric) => app.set({ metric }),
    onSort: (sort, desc) => app.set({ sort, desc }),
    onSelect: (layer, head) => app.set({ layer, head }),
  });
  const results = el('div', { hidden: true, 'data-testid': 'upload-results' },
    el('div', { class: 'view-bar' }, prev, next, status),
    el('div', { class: 'upload-layout' },
      el('div', {}, el('p', { class: 'section-title' }, 'Texts'), list),
      el('div', {}, el('p', { class: 'section-title', 'data-testid': 'upload-stats-title' }, 'Statistics over all texts'), stats.element)));
  container.append(
    el('div', { class: 'view-bar' }, el('span', { class: 'view-title' }, 'Upload texts')),
    drop, results);

  let uploaded = null; // {filename, answer, index}

  function choose(index) {
    if (!uploaded) return;
    uploaded.index = Math.max(0, Math.min(uploaded.answer.texts.length - 1, index));
    app.analyzeText(uploaded.answer.texts[uploaded.index]);
  }
  prev.addEventListener('click', () => uploaded && choose(uploaded.index - 1));
  next.addEventListener('click', () => uploaded && choose(uploaded.index + 1));
  list.addEventListener('click', (event) => {
    const item = event.target.closest('li[data-index]');
    if (item) choose(Number(item.dataset.index));
  });

  async function send(file) {
    if (!file) return;
    try {
      app.clearError();
      if (file.size > MAX_BYTES) throw new ApiError(`${file.name} is ${(file.size / 1048576).toFixed(1)} MB; uploads are limited to 20 MB`, 'input');
      status.textContent = `reading ${file.name}…`;
      document.body.setAttribute('data-state', 'loading');
      const content = await file.text();
      const answer = await upload(app.state.model, file.name, content);
      uploaded = { filename: file.name, answer, index: -1 };
      if (answer.texts.length) choose(0);
      else app.set({});
      await render(app.state, () => false);
      document.body.setAttribute('data-state', 'ready');
    } catch (error) {
      status.textContent = '';
      document.body.setAttribute('data-state', 'error');
      app.showError(error);
    } finally {
      input.value = '';
    }
  }
  input.addEventListener('change', () => send(input.files[0]));
  drop.addEventListener('dragover', (event) => {
    event.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (event) => {
    event.preventDefault();
    drop.classList.remove('over');
    send(event.dataTransfer.files[0]);
  });

  async function render(s) {
    input.disabled = app.snapshot;
    if (!uploaded) {
      results.hidden = true;
      return;
    }
    const { answer } = uploaded;
    const current = answer.texts.indexOf(s.text);
    if (current >= 0) uploaded.index = current;
    results.hidden = false;
    status.textContent = `${answer.texts.length} text${answer.texts.length === 1 ? '' : 's'} from ${uploaded.filename}` +
      (uploaded.index >= 0 ? ` · text ${uploaded.index + 1} is the analyzed text (see it in every view)` : '');
    prev.disabled = uploaded.index <= 0;
    next.disabled = uploaded.index >= answer.texts.length - 1;
    list.replaceChildren(...answer.texts.map((text, i) => el('li', {
      'data-index': i, 'data-testid': 'upload-item', class: i === uploaded.index ? 'current' : '',
    }, el('span', { class: 'name' }, answer.names[i] || `text ${i + 1}`), el('span', { class: 'preview' }, text))));
    if (answer.analysis && answer.analysis.heads && answer.analysis.heads.length) stats.update(answer.analysis, s);
  }

  function need() {
    if (!uploaded) throw new ApiError('upload a file first', 'input');
    return uploaded.answer.analysis;
  }

  const exports = {
    png: async (s) => ({ canvas: gridImage(need(), s.metric, uploaded.filename).canvas, name: 'attnscope-upload-statistics' }),
    svg: async (s) => ({ text: gridImage(need(), s.metric, uploaded.filename).svg, name: 'attnscope-upload-statistics' }),
    json: async () => ({ text: JSON.stringify(need(), null, 2), name: 'attnscope-upload-analysis' }),
    csv: async () => ({ text: analysisCsv(need()), name: 'attnscope-upload-analysis' }),
  };
  return { render, exports };
}
