// Switches layer and head with the mouse (picker buttons) and with the keyboard (j/k and ↓/↑ for
// the layer, l/h and →/← for the head, arrows inside a focused picker), and checks after each step
// that the URL hash, the pickers, the heatmap title and the drawn matrix follow.
import { scenario, startServer, launchBrowser, assert, assertEqual } from './lib/harness.mjs';
import { openDashboard, analyze, byTestId, clickPicker, pressFor, pickerValue, waitRendered, renderCount, waitHash, DEMO_TEXT } from './lib/dashboard.mjs';

scenario('layer_head', async (t) => {
  const server = await startServer(t.args.binary);
  const browser = await launchBrowser(t.playwright);
  const watched = [];
  const { page } = await openDashboard(t, browser, server, watched);
  const models = await server.api('/api/models');
  const demo = models.models.find((m) => m.id === 'demo');
  assert(demo.layers >= 2 && demo.heads >= 3, 'the demo model has at least 2 layers and 3 heads');
  await analyze(page, DEMO_TEXT);

  // The drawn matrix, as a fingerprint of the canvas pixels: must change with the head.
  const fingerprint = () => byTestId(page, 'heatmap').evaluate((canvas) => {
    const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    let h = 2166136261;
    for (let i = 0; i < data.length; i += 4) h = Math.imul(h ^ (data[i] + 3 * data[i + 1] + 7 * data[i + 2]), 16777619);
    return h >>> 0;
  });
  const expectView = async (layer, head, how) => {
    assertEqual([await pickerValue(page, 'layer'), await pickerValue(page, 'head')], [layer, head], `pickers after ${how}`);
    assertEqual(await byTestId(page, 'heatmap-title').textContent(), `Layer ${layer} · Head ${head}`, `title after ${how}`);
  };

  const seen = new Map();
  const record = async (layer, head) => seen.set(`${layer},${head}`, await fingerprint());
  await expectView(0, 0, 'analyze');
  await record(0, 0);

  // Mouse.
  await clickPicker(page, 'head', 2);
  await expectView(0, 2, 'clicking head 2');
  await record(0, 2);
  await clickPicker(page, 'layer', 1);
  await expectView(1, 2, 'clicking layer 1');
  await record(1, 2);
  await clickPicker(page, 'head', 1);
  await expectView(1, 1, 'clicking head 1');
  await record(1, 1);
  // Different heads of the demo model draw different matrices (previous-token, self, broad ...).
  assertEqual(new Set(seen.values()).size, seen.size, `every head drawn differently: ${JSON.stringify([...seen])}`);

  // Keyboard, focus on the page (not in the text box).
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  await page.evaluate(() => document.activeElement && document.activeElement.blur());
  await pressFor(page, 'k', { layer: 0, head: 1 });
  await expectView(0, 1, 'k');
  await pressFor(page, 'j', { layer: 1, head: 1 });
  await expectView(1, 1, 'j');
  await pressFor(page, 'ArrowUp', { layer: 0 });
  await expectView(0, 1, 'ArrowUp');
  await pressFor(page, 'ArrowDown', { layer: 1 });
  await expectView(1, 1, 'ArrowDown');
  await pressFor(page, 'l', { head: 2 });
  await expectView(1, 2, 'l');
  await pressFor(page, 'h', { head: 1 });
  await expectView(1, 1, 'h');
  await pressFor(page, 'ArrowRight', { head: 2 });
  await expectView(1, 2, 'ArrowRight');
  await pressFor(page, 'ArrowLeft', { head: 1 });
  await expectView(1, 1, 'ArrowLeft');
  assertEqual(await fingerprint(), seen.get('1,1'), 'layer 1 head 1 drawn the same after the round trip');

  // Past the last layer `j` changes nothing (checked after a later key that does change the head:
  // key events are handled in order).
  const last = demo.layers - 1;
  if (last !== 1) await clickPicker(page, 'layer', last);
  await page.keyboard.press('j');
  await pressFor(page, 'h', { head: 0 });
  await expectView(last, 0, 'j at the last layer, then h');
  await pressFor(page, 'l', { head: 1 });
  const before = await renderCount(page);

  // A focused picker: arrows step it.
  await byTestId(page, 'head-select').focus();
  await pressFor(page, 'ArrowRight', { head: 2 });
  await expectView(last, 2, 'ArrowRight in the focused head picker');
  await byTestId(page, 'layer-select').focus();
  await pressFor(page, 'ArrowLeft', { layer: last - 1 });
  await expectView(last - 1, 2, 'ArrowLeft in the focused layer picker');

  // Typing j/k in the text box must not switch layers.
  const hash = await page.evaluate(() => location.hash);
  await byTestId(page, 'text-input').focus();
  await page.keyboard.press('j');
  await page.keyboard.press('k');
  assertEqual(await page.evaluate(() => location.hash), hash, 'keys typed in the text box do not switch layer');
  assert((await renderCount(page)) >= before, 'render count never goes back');
  for (const w of watched) await w.check();
});
