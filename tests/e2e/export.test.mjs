// Exports the heatmap of one head in every format and checks each file: the PNG decodes (signature,
// IHDR, and createImageBitmap in the browser), the SVG parses (DOMParser, plus an XML check here),
// the JSON equals POST /api/attention, the CSV holds the same numbers, and the HTML snapshot equals
// POST /api/report and opens from file:// with the network off, showing the heatmap.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { scenario, startServer, launchBrowser, watch, assert, assertEqual } from './lib/harness.mjs';
import { openDashboard, analyze, byTestId, clickPicker, clickDownload, waitRendered, renderCount, DEMO_TEXT } from './lib/dashboard.mjs';
import { pngSize, checkXml } from './lib/files.mjs';

// Clicks an export button and saves the download; returns {file, bytes, name}.
async function exportFile(t, page, kind) {
  const download = await clickDownload(page, `export-${kind}`);
  const name = download.suggestedFilename();
  const file = path.join(t.downloads, name);
  await download.saveAs(file);
  const failure = await download.failure();
  assert(failure === null, `${kind} download failed: ${failure}`);
  return { file, bytes: fs.readFileSync(file), name };
}

// Minimal RFC 4180 parser (quoted fields with "" escapes).
function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; ++i) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; ++i; } else if (c === '"') quoted = false; else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(field); field = ''; } else if (c === '\n') { row.push(field); rows.push(row); row = []; field = ''; } else if (c !== '\r') field += c;
  }
  if (field !== '' || row.length) { row.push(field); rows.push(row); }
  return rows;
}

scenario('export', async (t) => {
  const server = await startServer(t.args.binary);
  const browser = await launchBrowser(t.playwright);
  const watched = [];
  const { page } = await openDashboard(t, browser, server, watched);
  await analyze(page, DEMO_TEXT);
  const layer = 1;
  const head = 0;
  await clickPicker(page, 'layer', layer);
  const answer = await server.api('/api/attention', { model: 'demo', text: DEMO_TEXT, layer, head });
  const T = answer.tokens.length;

  // PNG
  const png = await exportFile(t, page, 'png');
  const size = pngSize(png.bytes);
  const decoded = await page.evaluate(async (b64) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const bitmap = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
    return { width: bitmap.width, height: bitmap.height };
  }, png.bytes.toString('base64'));
  assertEqual(decoded, size, 'PNG decodes in the browser to its IHDR size');
  assert(size.width >= 200 && size.height >= 200, `PNG ${size.width}x${size.height} is big enough to read`);
  t.log(`PNG ${png.name}: ${size.width}x${size.height}, ${png.bytes.length} bytes`);

  // SVG
  const svg = await exportFile(t, page, 'svg');
  const svgText = svg.bytes.toString('utf8');
  checkXml(svgText, 'svg');
  const parsed = await page.evaluate((text) => {
    const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
    const error = doc.querySelector('parsererror');
    return {
      error: error ? error.textContent : null,
      root: doc.documentElement.localName,
      ns: doc.documentElement.namespaceURI,
      scripts: doc.querySelectorAll('script, foreignObject').length,
      handlers: [...doc.querySelectorAll('*')].some((e) => [...e.attributes].some((a) => a.name.startsWith('on'))),
      text: doc.documentElement.textContent,
      shapes: doc.querySelectorAll('rect, path, image').length,
    };
  }, svgText);
  assertEqual(parsed.error, null, 'SVG parses without error');
  assertEqual([parsed.root, parsed.ns], ['svg', 'http://www.w3.org/2000/svg'], 'SVG root element');
  assertEqual([parsed.scripts, parsed.handlers], [0, false], 'SVG has no script, foreignObject or on* handler');
  assert(parsed.shapes > 0, 'SVG draws something');
  for (const token of ['cat', 'park']) assert(parsed.text.includes(token), `SVG labels include token ${token}`);
  t.log(`SVG ${svg.name}: ${svg.bytes.length} bytes, ${parsed.shapes} shapes`);

  // JSON: the API's answer for this layer and head.
  const json = await exportFile(t, page, 'json');
  assertEqual(JSON.parse(json.bytes.toString('utf8')), answer, 'exported JSON = POST /api/attention {layer, head}');

  // CSV: one row per visible (query, key) cell, same numbers.
  const csv = await exportFile(t, page, 'csv');
  const rows = parseCsv(csv.bytes.toString('utf8'));
  const header = rows.shift();
  assertEqual(header, ['layer', 'head', 'query_pos', 'query_token', 'key_pos', 'key_token', 'weight'], 'CSV header');
  assertEqual(rows.length, answer.causal ? (T * (T + 1)) / 2 : T * T, 'CSV rows = visible cells');
  for (const [l, h, q, qt, k, kt, w] of rows) {
    const where = `CSV row (${q}, ${k})`;
    assertEqual([Number(l), Number(h), qt, kt], [layer, head, answer.tokens[Number(q)], answer.tokens[Number(k)]], where);
    assertEqual(Number(w), answer.attention[0][Number(q)][Number(k)], `${where} weight`);
  }

  // HTML snapshot: the same bytes as POST /api/report.
  const html = await exportFile(t, page, 'html');
  const report = await server.api('/api/report', { model: 'demo', text: DEMO_TEXT });
  assert(html.bytes.toString('utf8') === report, `the exported snapshot (${html.bytes.length} bytes) equals POST /api/report (${report.length} chars)`);
  const htmlText = html.bytes.toString('utf8');
  assert(htmlText.includes('id="attnscope-snapshot"'), 'the snapshot embeds its data');
  assert(!/<(script|link|img)[^>]*\s(src|href)\s*=\s*["']?(https?:)?\/\//i.test(htmlText), 'the snapshot loads nothing from the network');

  // ... and opens from file:// with the network off, no server involved.
  const offline = await browser.newContext({ offline: true, viewport: { width: 1280, height: 900 } });
  const snap = await offline.newPage();
  t.track(snap);
  const problems = watch(snap, 'offline snapshot');
  watched.push(problems);
  const requests = [];
  snap.on('request', (request) => {
    if (!/^(file|data|blob):/.test(request.url())) requests.push(request.url());
  });
  await snap.goto(`${pathToFileURL(html.file).href}#layer=${layer}&head=${head}&view=heatmap`, { waitUntil: 'load' });
  await waitRendered(snap, 0);
  assert(await byTestId(snap, 'snapshot-badge').isVisible(), 'the snapshot says it is an offline snapshot');
  const heatmap = byTestId(snap, 'heatmap');
  assert(await heatmap.isVisible(), 'the snapshot shows the heatmap');
  assertEqual(Number(await heatmap.getAttribute('data-t')), T, 'snapshot heatmap size');
  assertEqual(await byTestId(snap, 'heatmap-title').textContent(), `Layer ${layer} · Head ${head}`, 'snapshot heatmap title');
  // Every layer is in the snapshot: switching works offline.
  const before = await renderCount(snap);
  await snap.locator('[data-testid="layer-select"] [data-value="0"]').click();
  await waitRendered(snap, before);
  assertEqual(await byTestId(snap, 'heatmap-title').textContent(), `Layer 0 · Head ${head}`, 'snapshot: layer 0 after a click');
  await t.shot(snap, 'snapshot-offline-light');
  assertEqual(requests, [], 'the offline snapshot made no network request');
  for (const w of watched) await w.check();
});
