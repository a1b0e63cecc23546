// Uploads a .jsonl file through the page's upload input (setInputFiles, as a user picking a file)
// and checks the list of texts and the aggregated statistics against POST /api/upload; stepping to
// a text of the list analyzes it.
import { scenario, startServer, launchBrowser, assert, assertEqual } from './lib/harness.mjs';
import { openDashboard, byTestId, showView, waitRendered, renderCount, hashState } from './lib/dashboard.mjs';

const TEXTS = [
  'the cat sat on the mat . the cat sat on the mat .',
  'the dog ran to the park .',
  'a b c d a b c d a b c d',
];
const JSONL = `${TEXTS.map((text) => JSON.stringify({ text })).join('\n')}\n`;
const FILE = 'texts.jsonl';

// The file input: [data-testid=upload] itself, or the input inside it.
export const uploadInput = (page) => page.locator('input[type=file][data-testid="upload"], [data-testid="upload"] input[type=file]').first();

scenario('upload', async (t) => {
  const server = await startServer(t.args.binary);
  const browser = await launchBrowser(t.playwright);
  const watched = [];
  const { page } = await openDashboard(t, browser, server, watched);
  await showView(page, 'upload');

  const expected = await server.api('/api/upload', { model: 'demo', filename: FILE, content: JSONL });
  assertEqual(expected.texts, TEXTS, '/api/upload texts');
  assertEqual(expected.names.length, 3, '/api/upload names');

  const before = await renderCount(page);
  await uploadInput(page).setInputFiles({ name: FILE, mimeType: 'application/jsonl', buffer: Buffer.from(JSONL) });
  // The list of texts appears with every name.
  await page.waitForFunction(
    (names) => names.every((n) => document.querySelector('[data-testid="view-upload"]').innerText.includes(n)),
    expected.names,
    { timeout: 30000 },
  );
  const shown = await byTestId(page, 'view-upload').innerText();
  for (const text of TEXTS) assert(shown.includes(text), `the uploaded text ${JSON.stringify(text)} is listed`);
  // The aggregate over the three texts: one row/cell per head (layers x heads).
  const models = await server.api('/api/models');
  const demo = models.models.find((m) => m.id === 'demo');
  assertEqual(expected.analysis.heads.length, demo.layers * demo.heads, '/api/upload aggregates every head');
  assert(await byTestId(page, 'error').isHidden(), `no error after the upload: ${await byTestId(page, 'error').textContent()}`);

  // The first text became the analyzed text; the list has one item per text, named as the API names them.
  await page.waitForFunction((text) => new URLSearchParams(location.hash.slice(1)).get('text') === text, TEXTS[0], { timeout: 30000 });
  const items = byTestId(page, 'upload-item');
  assertEqual(await items.count(), TEXTS.length, 'one list item per uploaded text');
  for (let i = 0; i < TEXTS.length; ++i) {
    const item = await items.nth(i).innerText();
    assert(item.includes(expected.names[i]) && item.includes(TEXTS[i]), `item ${i} shows ${expected.names[i]} and its text: ${JSON.stringify(item)}`);
  }
  // The statistics over all texts: one grid cell per head.
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="upload-stats-cell"]').length === n, demo.layers * demo.heads, { timeout: 30000 });
  await t.shot(page, 'upload-list-light');

  // Picking a listed text makes it the current text, for every view.
  await items.nth(1).click();
  await page.waitForFunction((text) => new URLSearchParams(location.hash.slice(1)).get('text') === text, TEXTS[1], { timeout: 30000 });
  await page.waitForFunction(() => document.querySelector('[data-testid="upload-item"][data-index="1"]')?.classList.contains('current'), null, { timeout: 30000 });
  await showView(page, 'heatmap');
  assertEqual(Number(await byTestId(page, 'heatmap').getAttribute('data-t')),
    (await server.api('/api/tokenize', { model: 'demo', text: TEXTS[1] })).tokens.length, 'the heatmap shows the picked text');
  // Next → steps to the third text.
  await showView(page, 'upload');
  await byTestId(page, 'upload-next').click();
  await page.waitForFunction((text) => new URLSearchParams(location.hash.slice(1)).get('text') === text, TEXTS[2], { timeout: 30000 });
  assert((await renderCount(page)) >= before, 'render count');
  for (const w of watched) await w.check();
});
