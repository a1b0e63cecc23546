// The state lives in the URL hash: a reload keeps model, text, layer, head and view, and the same
// address opened in a fresh browser context (another user with the token) shows the same view.
import { scenario, startServer, launchBrowser, assert, assertEqual } from './lib/harness.mjs';
import { openDashboard, analyze, byTestId, clickPicker, showView, pickerValue, hashState, waitRendered, DEMO_TEXT } from './lib/dashboard.mjs';

async function expectState(page, { layer, head, view }, how) {
  const s = await hashState(page);
  assertEqual([s.model, s.text, s.layer, s.head, s.view], ['demo', DEMO_TEXT, String(layer), String(head), view], `hash ${how}`);
  assertEqual([await pickerValue(page, 'layer'), await pickerValue(page, 'head')], [layer, head], `pickers ${how}`);
  assertEqual(await page.locator(`[data-testid="tab-${view}"]`).getAttribute('aria-selected'), 'true', `tab ${view} selected ${how}`);
  assert(await byTestId(page, `view-${view}`).isVisible(), `view ${view} visible ${how}`);
  assertEqual(await byTestId(page, 'text-input').inputValue(), DEMO_TEXT, `text box ${how}`);
}

scenario('url_state', async (t) => {
  const server = await startServer(t.args.binary);
  const browser = await launchBrowser(t.playwright);
  const watched = [];
  const { page } = await openDashboard(t, browser, server, watched);
  await analyze(page, DEMO_TEXT);
  await clickPicker(page, 'layer', 1);
  await clickPicker(page, 'head', 2);
  await expectState(page, { layer: 1, head: 2, view: 'heatmap' }, 'before reload');

  // Reload (the cookie keeps the session; the hash keeps the view).
  await page.reload({ waitUntil: 'load' });
  await waitRendered(page, 0);
  await expectState(page, { layer: 1, head: 2, view: 'heatmap' }, 'after reload');
  assertEqual(await byTestId(page, 'heatmap-title').textContent(), 'Layer 1 · Head 2', 'heatmap title after reload');

  // Another view, reload again.
  await showView(page, 'head');
  await clickPicker(page, 'layer', 0);
  await expectState(page, { layer: 0, head: 2, view: 'head' }, 'head view before reload');
  await page.reload({ waitUntil: 'load' });
  await waitRendered(page, 0);
  await expectState(page, { layer: 0, head: 2, view: 'head' }, 'head view after reload');
  assert(await byTestId(page, 'head-view').isVisible(), 'the head view is drawn after reload');

  // The address as shared: a fresh context (new cookie jar) opened with ?token= and the hash.
  const hash = (await page.evaluate(() => location.hash)).slice(1);
  const other = await openDashboard(t, browser, server, watched, { hash });
  await waitRendered(other.page, 0);
  await expectState(other.page, { layer: 0, head: 2, view: 'head' }, 'in a fresh context from the shared address');

  // Back to the heatmap through the hash alone (a user editing the address).
  await other.page.evaluate(() => {
    const p = new URLSearchParams(location.hash.slice(1));
    p.set('view', 'heatmap');
    p.set('layer', '1');
    p.set('head', '3');
    location.hash = p.toString();
  });
  await other.page.waitForFunction(
    () => document.body.getAttribute('data-state') === 'ready' && document.querySelector('[data-testid="heatmap-title"]')?.textContent === 'Layer 1 · Head 3',
    null, { timeout: 30000 });
  assertEqual([await pickerValue(other.page, 'layer'), await pickerValue(other.page, 'head')], [1, 3], 'pickers follow an edited hash');
  for (const w of watched) await w.check();
});
