#!/usr/bin/env node
// Writes docs/dashboard.png, the README's screenshot: the heatmap of the demo model's induction
// head (layer 1, head 0) on a text with a repeated phrase, a cell hovered. Not a test; run by hand
// after a change to the page:
//   node tests/e2e/readme_screenshot.mjs --binary build/release/apps/attnscope/attnscope [--out docs/dashboard.png]
import fs from 'node:fs';
import path from 'node:path';
import { loadPlaywright, launchBrowser, startServer, runCleanups } from './lib/harness.mjs';
import { hoverCell, waitRendered } from './lib/dashboard.mjs';

const TEXT = 'the cat sat on the mat . the dog ran to the park . the cat sat on the mat .';
const argv = process.argv.slice(2);
const binary = argv[argv.indexOf('--binary') + 1];
const out = argv.includes('--out') ? argv[argv.indexOf('--out') + 1] : path.join(path.dirname(new URL(import.meta.url).pathname), '../../docs/dashboard.png');
if (!argv.includes('--binary') || !binary) {
  console.error('usage: node tests/e2e/readme_screenshot.mjs --binary PATH/attnscope [--out FILE.png]');
  process.exit(2);
}

let code = 0;
try {
  const playwright = await loadPlaywright();
  const server = await startServer(binary);
  const browser = await launchBrowser(playwright);
  const context = await browser.newContext({ viewport: { width: 1060, height: 740 }, colorScheme: 'light' });
  const page = await context.newPage();
  const hash = new URLSearchParams({ model: 'demo', text: TEXT, view: 'heatmap', layer: '1', head: '0' });
  await page.goto(`${server.url}#${hash}`);
  await waitRendered(page, 0);
  await hoverCell(page, 16, 3); // induction: the second "cat" attends to the "sat" that followed the first
  fs.mkdirSync(path.dirname(out), { recursive: true });
  await page.screenshot({ path: out });
  console.log(`wrote ${out} (${fs.statSync(out).size} bytes)`);
} catch (error) {
  console.error(`readme_screenshot: ${error && error.stack ? error.stack : error}`);
  code = 1;
}
await runCleanups();
process.exit(code);
