// Everything the page renders from data is escaped. Two models: the demo model, where the text
// `<img src=x onerror=alert(1)>` tokenizes to `<s>`, `<unk>`, `(`, `1`, `)` ... (HTML-like token
// strings: `<s>` would strike text through if parsed as HTML), and a copy of the demo model whose
// unknown-word token is the string `<img src=x onerror=alert(1)>` itself, so the token strings the
// page draws in every view, the tooltip, the SVG export and the offline snapshot carry the payload.
// The DOM must show the strings as text, create no img/s element, run no script (no dialog, no CSP
// violation).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { scenario, startServer, launchBrowser, watch, assert, assertEqual } from './lib/harness.mjs';
import { openDashboard, analyze, byTestId, clickDownload, showView, hoverCell, renderCount, waitRendered, waitHash, VIEWS } from './lib/dashboard.mjs';

const PAYLOAD = '<img src=x onerror=alert(1)>';
// The text: the payload, a script-closing sequence (the snapshot embeds the text in a <script>
// element), and known words.
const TEXT = `${PAYLOAD} the cat </script><script>alert(2)</script> sat`;

// Exports the demo model and renames its unknown-word token to PAYLOAD.
function craftModel(binary, dir) {
  fs.rmSync(dir, { recursive: true, force: true });
  execFileSync(binary, ['demo', '--export', dir], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 60000 });
  const tokenizerFile = path.join(dir, 'tokenizer.json');
  const tokenizer = JSON.parse(fs.readFileSync(tokenizerFile, 'utf8'));
  const unk = tokenizer.model.unk_token;
  assertEqual(unk, '<unk>', 'the demo tokenizer\'s unknown token');
  const id = tokenizer.model.vocab[unk];
  delete tokenizer.model.vocab[unk];
  tokenizer.model.vocab[PAYLOAD] = id;
  tokenizer.model.unk_token = PAYLOAD;
  for (const added of tokenizer.added_tokens || []) if (added.content === unk) added.content = PAYLOAD;
  fs.writeFileSync(tokenizerFile, JSON.stringify(tokenizer));
  const configFile = path.join(dir, 'tokenizer_config.json');
  if (fs.existsSync(configFile)) {
    const text = fs.readFileSync(configFile, 'utf8').split(JSON.stringify(unk)).join(JSON.stringify(PAYLOAD));
    fs.writeFileSync(configFile, text);
  }
}

// Fails when the page holds an element created from data: an img other than the logo, an s or
// unk element, a script other than the page's own, a script holding the text's alert(2).
async function checkNoInjection(page, where) {
  const found = await page.evaluate(() => ({
    imgs: [...document.querySelectorAll('img')].filter((i) => !i.classList.contains('logo')).map((i) => i.outerHTML),
    // the page's own scripts: its module (live), its inlined code and data (snapshot)
    tags: [...document.querySelectorAll('s, unk, script:not([type="module"]):not([type="application/json"]):not([id^="attnscope-"])')].map((e) => e.outerHTML.slice(0, 80)),
    scripts: [...document.querySelectorAll('script:not([type="application/json"])')].filter((e) => e.textContent.includes('alert(2)')).length,
    handlers: [...document.querySelectorAll('*')].filter((e) => [...e.attributes].some((a) => a.name.startsWith('on'))).map((e) => e.outerHTML.slice(0, 80)),
  }));
  assertEqual(found, { imgs: [], tags: [], scripts: 0, handlers: [] }, `${where}: no element made from data`);
}

scenario('escaping', async (t) => {
  const modelDir = path.join(t.downloads, 'escape-model');
  craftModel(t.args.binary, modelDir);
  const server = await startServer(t.args.binary, ['--model', 'demo', '--model', modelDir]);
  const models = (await server.api('/api/models')).models;
  const crafted = models.find((m) => m.id !== 'demo');
  assert(crafted, `the crafted model is listed: ${JSON.stringify(models)}`);

  const demoTokens = (await server.api('/api/tokenize', { model: 'demo', text: TEXT })).tokens;
  assert(demoTokens.includes('<s>') && demoTokens.includes('<unk>'), `demo tokens of the payload: ${JSON.stringify(demoTokens)}`);
  const craftedTokens = (await server.api('/api/tokenize', { model: crafted.id, text: TEXT })).tokens;
  assert(craftedTokens.includes(PAYLOAD), `the crafted model yields the payload as a token: ${JSON.stringify(craftedTokens)}`);
  t.log(`demo tokens: ${JSON.stringify(demoTokens)}`);

  const browser = await launchBrowser(t.playwright);
  const watched = [];
  const { page } = await openDashboard(t, browser, server, watched);

  for (const [model, tokens, marker] of [['demo', demoTokens, '<unk>'], [crafted.id, craftedTokens, PAYLOAD]]) {
    if ((await byTestId(page, 'model-select').inputValue()) !== model) {
      await byTestId(page, 'model-select').selectOption(model);
      await waitHash(page, { model });
    }
    await analyze(page, TEXT);
    await checkNoInjection(page, `${model} heatmap`);
    // The tooltip of the query row holding the marker token.
    const q = tokens.indexOf(marker);
    const tip = await hoverCell(page, q, 0);
    assert(tip.text.includes(`'${marker}'`), `${model}: tooltip shows the token ${marker} as text: ${tip.text}`);
    for (const view of VIEWS.filter((v) => v !== 'heatmap' && v !== 'upload')) {
      await showView(page, view);
      await checkNoInjection(page, `${model} ${view} view`);
      if (['head', 'importance'].includes(view)) {
        const shown = await byTestId(page, `view-${view}`).innerText();
        assert(shown.includes(marker), `${model} ${view} view shows ${marker} as text`);
      }
    }
    await showView(page, 'heatmap');
    const labels = await page.locator('.query-labels span').allTextContents();
    assert(labels.includes(marker), `${model}: the heatmap labels show ${marker}: ${JSON.stringify(labels)}`);
  }
  await t.shot(page, 'escaping-heatmap-light');

  // The SVG export of the payload token's heatmap: escaped, parses, no element from data.
  const svgDownload = await clickDownload(page, 'export-svg');
  const svgFile = path.join(t.downloads, 'escaping.svg');
  await svgDownload.saveAs(svgFile);
  const svg = await page.evaluate((text) => {
    const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
    return { error: doc.querySelector('parsererror')?.textContent ?? null, imgs: doc.querySelectorAll('img, image, script, foreignObject').length, text: doc.documentElement.textContent };
  }, fs.readFileSync(svgFile, 'utf8'));
  assertEqual([svg.error, svg.imgs], [null, 0], 'SVG with the payload token parses and holds no img/script');
  // (long labels are shortened with an ellipsis)
  assert(svg.text.includes(PAYLOAD.slice(0, 12)), `the SVG shows the payload token as text: ${svg.text.slice(0, 200)}`);

  // Upload: a file whose name and text carry the payload.
  await showView(page, 'upload');
  const fileName = `${PAYLOAD}.jsonl`;
  await page.locator('input[type=file][data-testid="upload"]').setInputFiles({ name: fileName, mimeType: 'application/jsonl', buffer: Buffer.from(`${JSON.stringify({ text: TEXT })}\n`) });
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="upload-item"]').length === 1, null, { timeout: 30000 });
  const item = await byTestId(page, 'upload-item').innerText();
  assert(item.includes(fileName) && item.includes('</script>'), `the upload list shows the file name and text as text: ${JSON.stringify(item)}`);
  await checkNoInjection(page, 'upload view');
  await t.shot(page, 'escaping-upload-light');

  // The offline snapshot of this text: data embedded in a <script type="application/json"> that
  // the text's "</script>" must not close.
  await showView(page, 'heatmap');
  const htmlDownload = await clickDownload(page, 'export-html');
  const htmlFile = path.join(t.downloads, 'escaping-report.html');
  await htmlDownload.saveAs(htmlFile);
  const offline = await browser.newContext({ offline: true });
  const snap = await offline.newPage();
  t.track(snap);
  watched.push(watch(snap, 'offline snapshot with the payload'));
  await snap.goto(pathToFileURL(htmlFile).href, { waitUntil: 'load' });
  await waitRendered(snap, 0);
  await checkNoInjection(snap, 'offline snapshot');
  assertEqual(await byTestId(snap, 'text-input').inputValue(), TEXT, 'the snapshot holds the text unchanged');
  const snapLabels = await snap.locator('.query-labels span').allTextContents();
  assert(snapLabels.includes(PAYLOAD), 'the snapshot heatmap labels show the payload as text');
  assert((await renderCount(snap)) >= 1, 'snapshot drawn');

  for (const w of watched) await w.check();
});
