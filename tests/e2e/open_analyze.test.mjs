// Opens the dashboard with ?token=, analyzes a demo text and checks what the heatmap shows
// against the API: the token count, the labels and the chosen layer/head.
import { scenario, startServer, launchBrowser, assert, assertEqual } from './lib/harness.mjs';
import { openDashboard, analyze, byTestId, hashState, DEMO_TEXT } from './lib/dashboard.mjs';

scenario('open_analyze', async (t) => {
  const server = await startServer(t.args.binary);
  const browser = await launchBrowser(t.playwright);
  const watched = [];
  const { page, context } = await openDashboard(t, browser, server, watched);

  // The page is served under the Content-Security-Policy that forbids inline script (what makes
  // the "no CSP violation" checks of every scenario meaningful).
  const response = await page.request.get(`${server.base}/`);
  const csp = response.headers()['content-security-policy'] || '';
  assert(/script-src 'self'(;|$)/.test(csp) && /default-src 'self'/.test(csp), `page CSP: ${JSON.stringify(csp)}`);
  assertEqual(response.headers()['x-content-type-options'], 'nosniff', 'X-Content-Type-Options');

  // The cookie the page got is HttpOnly and SameSite=Strict, and holds the token.
  const cookies = await context.cookies();
  const cookie = cookies.find((c) => c.name === 'attnscope_token');
  assert(cookie, `no attnscope_token cookie (cookies: ${cookies.map((c) => c.name).join(', ')})`);
  assert(cookie.httpOnly, 'the token cookie is not HttpOnly');
  assertEqual(cookie.sameSite, 'Strict', 'token cookie SameSite');
  assert(!(await page.evaluate(() => document.cookie)).includes('attnscope_token'), 'the page script can read the token cookie');

  // The model picker lists what /api/models lists.
  const models = await server.api('/api/models');
  const options = await page.locator('[data-testid="model-select"] option').evaluateAll((os) => os.map((o) => o.value));
  assertEqual(options, models.models.map((m) => m.id), 'model picker options = /api/models ids');
  assertEqual(await byTestId(page, 'model-select').inputValue(), 'demo', 'the demo model is chosen');

  await analyze(page, DEMO_TEXT);
  const state = await hashState(page);
  assertEqual([state.model, state.view, state.layer, state.head, state.text], ['demo', 'heatmap', '0', '0', DEMO_TEXT], 'hash after analyze');

  const tokenized = await server.api('/api/tokenize', { model: 'demo', text: DEMO_TEXT });
  const heatmap = byTestId(page, 'heatmap');
  assert(await heatmap.isVisible(), 'the heatmap canvas is visible');
  assertEqual(Number(await heatmap.getAttribute('data-t')), tokenized.tokens.length, 'heatmap size = token count');
  const box = await heatmap.boundingBox();
  assert(box.width > 100 && box.height > 100, `heatmap is drawn at a readable size (${box.width}x${box.height})`);
  // The canvas is not blank: it has more than a handful of distinct colours.
  const colours = await heatmap.evaluate((canvas) => {
    const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    const seen = new Set();
    for (let i = 0; i < data.length; i += 4 * 7) seen.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
    return seen.size;
  });
  assert(colours > 8, `the heatmap shows ${colours} colours only`);
  assertEqual(await byTestId(page, 'heatmap-title').textContent(), 'Layer 0 · Head 0', 'heatmap title');
  // Every token shows as a query label.
  const labels = await page.locator('.query-labels span').allTextContents();
  assertEqual(labels.length, tokenized.tokens.length, 'one query label per token');
  const pageText = await page.evaluate(() => document.body.innerText);
  for (const token of ['cat', 'mat', 'park']) assert(pageText.includes(token), `token ${token} shown`);
  assert(await byTestId(page, 'error').isHidden(), 'no error shown');
  await t.shot(page, 'heatmap-light');
  for (const w of watched) await w.check();
});
