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
  await t.shot(page, 'upload-list-light');

  // Picking a listed text makes it the current text and draws it.
  const second = page.locator('[data-testid="upload-text"]').nth(1);
  if (await second.count()) {
    const drawn = await renderCount(page);
    await second.click();
    await page.waitForFunction((text) => new URLSearchParams(location.hash.slice(1)).get('text') === text, TEXTS[1], { timeout: 30000 });
    await waitRendered(page, drawn);
    assertEqual((await hashState(page)).text, TEXTS[1], 'the picked text is the current text');
  } else {
    t.log('no [data-testid=upload-text] items: picking a listed text not checked');
  }
  assert((await renderCount(page)) >= before, 'render count');
  for (const w of watched) await w.check();
});
