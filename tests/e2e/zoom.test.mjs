// A long text (T ≈ 300): the heatmap shows the whole matrix as an overview (position ticks instead
// of token labels), a drag zooms into the dragged window (kept in the URL), hovered values in the
// window equal /api/attention, Escape shows the whole matrix again, a click zooms to 48 × 48.
import { scenario, startServer, launchBrowser, assert, assertEqual } from './lib/harness.mjs';
import { openDashboard, analyze, byTestId, hoverCell, waitHash, waitRendered, renderCount } from './lib/dashboard.mjs';

const WORDS = 'the cat sat on the mat . the dog ran to the park with a ball and then it sat down .'.split(' ');
const TEXT = Array.from({ length: 300 }, (_, i) => WORDS[i % WORDS.length]).join(' ');

async function windowOf(page) {
  return (await byTestId(page, 'heatmap').getAttribute('data-window')).split(',').map(Number);
}

scenario('zoom', async (t) => {
  const server = await startServer(t.args.binary);
  const browser = await launchBrowser(t.playwright);
  const watched = [];
  const { page } = await openDashboard(t, browser, server, watched);
  await analyze(page, TEXT);
  const answer = await server.api('/api/attention', { model: 'demo', text: TEXT, layer: 0, head: 0 });
  const T = answer.tokens.length;
  assert(T > 200, `long text: ${T} tokens`);
  const heatmap = byTestId(page, 'heatmap');
  assertEqual(Number(await heatmap.getAttribute('data-t')), T, 'overview of every token');
  assertEqual(await windowOf(page), [0, 0, T], 'the whole matrix is shown');
  assert(Number(await heatmap.getAttribute('data-cell')) < 10, 'overview cells are too small for token labels');
  await t.shot(page, 'heatmap-overview-light');

  // Drag from cell (120, 100) to about (150, 130).
  await heatmap.scrollIntoViewIfNeeded();
  const box = await heatmap.boundingBox();
  const at = (q, k) => [box.x + ((k + 0.5) / T) * box.width, box.y + ((q + 0.5) / T) * box.height];
  let count = await renderCount(page);
  await page.mouse.move(...at(120, 100));
  await page.mouse.down();
  await page.mouse.move(...at(150, 130), { steps: 6 });
  await page.mouse.up();
  count = await waitRendered(page, count);
  const [q0, k0, n] = await windowOf(page);
  assert(Math.abs(q0 - 120) <= 2 && Math.abs(k0 - 100) <= 2 && Math.abs(n - 31) <= 3, `dragged window ${q0},${k0},${n}`);
  await waitHash(page, { zoom: `${q0},${k0},${n}` });
  assert(Number(await heatmap.getAttribute('data-cell')) >= 10, 'zoomed cells are big enough for token labels');
  for (const [q, k] of [[q0 + 3, k0 + 1], [q0 + n - 1, k0], [q0 + 10, k0 + 9]]) {
    const tip = await hoverCell(page, q, k);
    const expected = answer.attention[0][q][k];
    if (k > q) {
      assertEqual(tip.value, null, `masked cell (${q}, ${k}) in the window`);
      continue;
    }
    assert(tip.text.startsWith(`query ${q} '${answer.tokens[q]}' → key ${k} '${answer.tokens[k]}': `), `tooltip in the window: ${tip.text}`);
    assert(Math.abs(tip.value - expected) <= 1e-3 * Math.max(expected, 2 ** -14) + 1e-7, `zoomed (${q}, ${k}): ${tip.value} vs API ${expected}`);
  }
  await t.shot(page, 'heatmap-zoomed-light');

  // The zoom survives a reload (URL state).
  await page.reload({ waitUntil: 'load' });
  count = await waitRendered(page, 0);
  assertEqual(await windowOf(page), [q0, k0, n], 'zoom window after reload');

  // Escape: the whole matrix again.
  await page.mouse.move(5, 5);
  await page.keyboard.press('Escape');
  count = await waitRendered(page, count);
  assertEqual(await windowOf(page), [0, 0, T], 'Escape shows the whole matrix');

  // A click on the overview zooms to a 48 × 48 window around the cell.
  await heatmap.scrollIntoViewIfNeeded();
  const box2 = await heatmap.boundingBox();
  await page.mouse.click(box2.x + ((200 + 0.5) / T) * box2.width, box2.y + ((250 + 0.5) / T) * box2.height);
  count = await waitRendered(page, count);
  const [cq, ck, cn] = await windowOf(page);
  assertEqual(cn, 48, 'a click zooms to 48 tokens');
  assert(cq <= 250 && 250 < cq + 48 && ck <= 200 && 200 < ck + 48, `the clicked cell is in the window ${cq},${ck},${cn}`);
  // The "Whole matrix" button also resets.
  await byTestId(page, 'heatmap-reset-zoom').click();
  await waitRendered(page, count);
  assertEqual(await windowOf(page), [0, 0, T], '"Whole matrix" shows the whole matrix');
  for (const w of watched) await w.check();
});
