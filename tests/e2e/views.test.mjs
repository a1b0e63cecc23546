// Draws every view of the dashboard in the light and the dark theme, checks that each shows its
// content, and saves a screenshot of each under <build>/e2e-screenshots/ (<view>-<theme>.png).
// No console error, page error or CSP violation in any of them.
import { scenario, startServer, launchBrowser, assert, assertEqual } from './lib/harness.mjs';
import { openDashboard, analyze, byTestId, showView, DEMO_TEXT, VIEWS } from './lib/dashboard.mjs';

// What each view must show (data-testid) once drawn.
const CONTENT = {
  heatmap: 'heatmap',
  head: 'head-view',
  model: 'model-view',
  stats: 'stats-grid',
  importance: 'importance',
  compare: 'view-compare',
  upload: 'upload',
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
  for (const w of watched) await w.check();
});
