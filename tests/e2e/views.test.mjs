// Draws every view of the dashboard in the light and the dark theme, checks that each shows its
// content, and saves a screenshot of each under <build>/e2e-screenshots/ (<view>-<theme>.png).
// No console error, page error or CSP violation in any of them.
import { scenario, startServer, launchBrowser, assert, assertEqual } from './lib/harness.mjs';
import { openDashboard, analyze, byTestId, showView, renderCount, waitRendered, waitHash, hoverCell, DEMO_TEXT, VIEWS } from './lib/dashboard.mjs';

const TEXT_B = DEMO_TEXT.replace('the cat', 'the dog').replace('the dog ran', 'the cat ran');

// What each view must show (data-testid) once drawn.
const CONTENT = {
  heatmap: 'heatmap',
  head: 'head-view',
  model: 'model-view',
  stats: 'stats-grid',
  importance: 'importance',
  compare: 'compare',
  upload: 'upload-dropzone',
};

scenario('views', async (t) => {
  const server = await startServer(t.args.binary);
  const browser = await launchBrowser(t.playwright);
  const watched = [];
  const backgrounds = {};
  for (const theme of ['light', 'dark']) {
    const { page } = await openDashboard(t, browser, server, watched, { colorScheme: theme });
    await t.shot(page, `empty-${theme}`);
    await analyze(page, DEMO_TEXT);
    backgrounds[theme] = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    for (const view of VIEWS) {
      if (view !== 'heatmap') await showView(page, view);
      if (view === 'compare') {
        // B: the same text with two words swapped; A, B and B − A drawn.
        const before = await renderCount(page);
        await byTestId(page, 'compare-input').fill(TEXT_B);
        await byTestId(page, 'compare-run').click();
        await waitHash(page, { text2: TEXT_B });
        await waitRendered(page, before);
        for (const id of ['compare-a', 'compare-b', 'compare-diff']) assert(await byTestId(page, id).isVisible(), `${theme}: compare shows ${id}`);
        const tip = await hoverCell(page, 1, 0, 'compare-diff');
        assert(/^query 1 'the' → key 0 '<s>': B − A = [+-]\d\.\d{4}$/.test(tip.text), `${theme}: compare difference tooltip ${JSON.stringify(tip.text)}`);
      }
      const content = byTestId(page, CONTENT[view]).first();
      assert(await content.isVisible(), `${theme}: the ${view} view shows [data-testid=${CONTENT[view]}]`);
      const box = await content.boundingBox();
      assert(box && box.width > 50 && box.height > 20, `${theme}: ${view} content has a size (${JSON.stringify(box)})`);
      assert(await byTestId(page, 'error').isHidden(), `${theme}: no error in the ${view} view`);
      await t.shot(page, `${view}-${theme}`);
    }
  }
  assert(backgrounds.light !== backgrounds.dark, `light and dark themes differ (${JSON.stringify(backgrounds)})`);

  // The theme button switches the theme of an open page.
  const { page } = await openDashboard(t, browser, server, watched, { colorScheme: 'light' });
  await analyze(page, DEMO_TEXT);
  await byTestId(page, 'theme-toggle').click();
  await page.waitForFunction(() => document.documentElement.getAttribute('data-theme') === 'dark', null, { timeout: 10000 });
  assertEqual(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), backgrounds.dark, 'theme button: dark background');

  // Model view: a click on a thumbnail opens that head in the heatmap.
  await showView(page, 'model');
  const thumbs = byTestId(page, 'model-thumb');
  const models = await server.api('/api/models');
  const demo = models.models.find((m) => m.id === 'demo');
  assertEqual(await thumbs.count(), demo.layers * demo.heads, 'one thumbnail per head');
  const drawn = await renderCount(page);
  await page.locator('[data-testid="model-thumb"][data-layer="1"][data-head="2"]').click();
  await waitHash(page, { view: 'heatmap', layer: 1, head: 2 });
  await waitRendered(page, drawn);
  assertEqual(await byTestId(page, 'heatmap-title').textContent(), 'Layer 1 · Head 2', 'thumbnail opens its head');

  // Head view: a click on a head's toggle hides its lines (and shows them again); hovering a
  // token isolates its lines.
  await showView(page, 'head');
  const heads = () => byTestId(page, 'head-view-canvas').getAttribute('data-heads');
  assertEqual(await heads(), '0,1,2,3', 'head view shows every head');
  let count = await renderCount(page);
  await page.locator('[data-testid="head-toggle"][data-head="1"]').click();
  count = await waitRendered(page, count);
  assertEqual([await heads(), await page.locator('[data-testid="head-toggle"][data-head="1"]').getAttribute('aria-pressed')], ['0,2,3', 'false'], 'head 1 hidden');
  await page.locator('[data-testid="head-toggle"][data-head="1"]').click();
  count = await waitRendered(page, count);
  assertEqual(await heads(), '0,1,2,3', 'head 1 shown again');
  await page.locator('[data-testid="head-view-token"][data-side="left"][data-pos="3"]').hover();
  await page.waitForFunction(() => document.querySelector('[data-testid="head-view"]').getAttribute('data-focus') === 'left:3', null, { timeout: 10000 });
  await t.shot(page, 'head-focus-dark'); // the theme button switched this page to dark

  // Statistics: one grid cell per head.
  await showView(page, 'stats');
  assertEqual(await byTestId(page, 'stats-cell').count(), demo.layers * demo.heads, 'one statistics cell per head');

  // Token importance: the demo model is causal, so raw over the visible rows is the default;
  // every method of `attnscope importance` is offered, and the ranked list is the API's.
  await showView(page, 'importance');
  const method = byTestId(page, 'importance-method');
  assertEqual(await method.inputValue(), 'raw-visible', 'causal model: raw over visible rows by default');
  assertEqual(await method.locator('option').evaluateAll((o) => o.map((x) => x.value)),
    ['raw-visible', 'raw', 'rollout', 'flow', 'norm'], 'importance methods offered');
  for (const [key, body] of [['rollout', { method: 'rollout' }], ['norm', { method: 'norm' }], ['raw-visible', { method: 'raw', visible_only: true }]]) {
    count = await renderCount(page);
    await method.selectOption(key);
    if (key !== 'raw-visible') count = await waitRendered(page, count);
    else await waitHash(page, { method: key });
    const expected = await server.api('/api/importance', { model: 'demo', text: DEMO_TEXT, ...body });
    await page.waitForFunction((p) => document.querySelector('[data-testid="importance-ranked"] tbody tr')?.getAttribute('data-position') === String(p),
      expected.tokens.find((x) => x.rank === 1).position, { timeout: 10000 });
    if (key === 'rollout') await t.shot(page, 'importance-rollout-dark');
  }
  for (const w of watched) await w.check();
});
