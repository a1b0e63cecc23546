// Hovers heatmap cells and checks each tooltip (`query 5 'sat' → key 4 'cat': 0.8731`) against
// POST /api/attention fetched with the token: exact to the 4 printed decimals when the page
// transfers f32 (#dtype=f32), within half precision with the default f16 transfer; cells of the
// causal upper triangle say "masked".
import { scenario, startServer, launchBrowser, assert, assertEqual } from './lib/harness.mjs';
import { openDashboard, analyze, clickPicker, hoverCell, DEMO_TEXT } from './lib/dashboard.mjs';

// Cells to hover: corners, the diagonal, the sub-diagonal, and a few in between.
function cellsOf(T) {
  const cells = [[0, 0], [T - 1, 0], [T - 1, T - 1], [1, 0], [5, 4], [T - 1, T - 2], [Math.floor(T / 2), 0], [Math.floor(T / 2), Math.floor(T / 3)]];
  if (T > 3) cells.push([2, 3], [0, T - 1]); // masked when causal
  return cells;
}

scenario('tooltip', async (t) => {
  const server = await startServer(t.args.binary);
  const browser = await launchBrowser(t.playwright);
  const watched = [];
  let checked = 0;
  for (const dtype of ['f32', 'f16']) {
    const { page } = await openDashboard(t, browser, server, watched, { hash: dtype === 'f32' ? 'dtype=f32' : '' });
    await analyze(page, DEMO_TEXT);
    for (const [layer, head] of [[0, 0], [1, 0], [1, 1], [0, 3]]) {
      if (layer !== 0 || head !== 0) {
        await clickPicker(page, 'layer', layer);
        await clickPicker(page, 'head', head);
      }
      const answer = await server.api('/api/attention', { model: 'demo', text: DEMO_TEXT, layer, head });
      assertEqual(answer.heads, [head], '/api/attention heads');
      const matrix = answer.attention[0];
      const T = answer.tokens.length;
      for (const [q, k] of cellsOf(T)) {
        const tip = await hoverCell(page, q, k);
        const masked = answer.causal && k > q;
        const where = `${dtype} layer ${layer} head ${head} cell (${q}, ${k})`;
        const expectedPrefix = `query ${q} '${answer.tokens[q]}' → key ${k} '${answer.tokens[k]}': `;
        assert(tip.text.startsWith(expectedPrefix), `${where}: tooltip ${JSON.stringify(tip.text)} should start with ${JSON.stringify(expectedPrefix)}`);
        const shown = tip.text.slice(expectedPrefix.length);
        if (masked) {
          assertEqual(shown, 'masked', `${where}: masked cell`);
          assertEqual(tip.value, null, `${where}: masked cell has no value`);
          continue;
        }
        const expected = matrix[q][k];
        const tolerance = dtype === 'f32' ? 1e-7 : 1e-3 * Math.max(expected, 2 ** -14) + 1e-7;
        assert(Math.abs(tip.value - expected) <= tolerance, `${where}: value ${tip.value} vs API ${expected}`);
        if (dtype === 'f32') assertEqual(shown, expected.toFixed(4), `${where}: printed value`);
        else assert(Math.abs(Number(shown) - expected) <= 5e-5 + tolerance, `${where}: printed ${shown} vs API ${expected}`);
        ++checked;
      }
    }
    if (dtype === 'f16') {
      await hoverCell(page, 6, 5);
      await t.shot(page, 'heatmap-tooltip-light');
    }
  }
  assert(checked >= 40, `only ${checked} cells checked`);
  t.log(`${checked} hovered values equal /api/attention`);
  for (const w of watched) await w.check();
});
