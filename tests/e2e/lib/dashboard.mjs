// Page-level helpers of the e2e tests: open the dashboard with its token, wait for a view to be
// drawn (the page marks <body data-state="ready" data-render-count="N">), pick layers and heads,
// hover heatmap cells. Every wait is on a condition, with a bounded timeout; no fixed sleeps.

import { assert, watch } from './harness.mjs';

export const DEMO_TEXT = 'the cat sat on the mat . the dog ran to the park . the cat sat on the mat .';
export const VIEWS = ['heatmap', 'head', 'model', 'stats', 'importance', 'compare', 'upload'];
const WAIT = 30000;

export const byTestId = (page, id) => page.locator(`[data-testid="${id}"]`);

// Opens the page the way a user does (the address `attnscope serve` printed, ?token=, then the
// server's redirect to / with the cookie), optionally with a state hash. Returns {context, page}.
export async function openDashboard(t, browser, server, problemsOut, { hash = '', colorScheme = 'light', viewport = { width: 1280, height: 900 } } = {}) {
  const context = await browser.newContext({ colorScheme, viewport, acceptDownloads: true });
  const page = await context.newPage();
  t.track(page);
  const problems = watch(page, `${colorScheme} page`);
  problemsOut.push(problems);
  await page.goto(`${server.url}${hash ? `#${hash.replace(/^#/, '')}` : ''}`, { waitUntil: 'load' });
  // The token must not stay in the address bar (the server answers 303 to / with a cookie).
  const url = new URL(page.url());
  assert(!url.search.includes('token'), `the token stayed in the URL: ${page.url()}`);
  assert(url.pathname === '/' || url.pathname === '/index.html', `unexpected page path ${url.pathname}`);
  await waitModels(page);
  return { context, page, problems };
}

// Waits until the model list arrived (the model picker has options).
export async function waitModels(page) {
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="model-select"] option').length > 0, null, { timeout: WAIT });
}

export async function renderCount(page) {
  return page.evaluate(() => Number(document.body.getAttribute('data-render-count') || 0));
}

// Waits for a drawing that finished after `previous` (a render count) and reports an error the
// page showed instead.
export async function waitRendered(page, previous) {
  const handle = await page.waitForFunction(
    (prev) => {
      const body = document.body;
      const state = body.getAttribute('data-state');
      if (state === 'error') return { error: document.querySelector('[data-testid="error"]')?.textContent || 'error' };
      const count = Number(body.getAttribute('data-render-count') || 0);
      return state === 'ready' && count > prev ? { count } : false;
    },
    previous,
    { timeout: WAIT },
  );
  const result = await handle.jsonValue();
  if (result.error) throw new Error(`the page showed an error: ${result.error}`);
  return result.count;
}

// Types `text` into the text box and presses Analyze; waits until the view is drawn.
export async function analyze(page, text) {
  const before = await renderCount(page);
  await byTestId(page, 'text-input').fill(text);
  await byTestId(page, 'analyze').click();
  return waitRendered(page, before);
}

// The page state in the URL hash.
export async function hashState(page) {
  return page.evaluate(() => Object.fromEntries(new URLSearchParams(location.hash.replace(/^#/, ''))));
}

export async function waitHash(page, expected) {
  await page.waitForFunction(
    (want) => {
      const have = Object.fromEntries(new URLSearchParams(location.hash.replace(/^#/, '')));
      return Object.entries(want).every(([k, v]) => have[k] === String(v));
    },
    expected,
    { timeout: WAIT },
  );
}

// Clicks a view's tab and waits until it is drawn.
export async function showView(page, view) {
  const before = await renderCount(page);
  await byTestId(page, `tab-${view}`).click();
  await waitHash(page, { view });
  // the upload view draws without a text; every view reports ready when drawn
  return waitRendered(page, before);
}

// The picker's chosen value (role=radio buttons with aria-checked).
export async function pickerValue(page, which) {
  return page.evaluate((id) => {
    const checked = document.querySelector(`[data-testid="${id}"] [aria-checked="true"]`);
    return checked ? Number(checked.getAttribute('data-value')) : -1;
  }, `${which}-select`);
}

// Clicks the button of `value` in the layer or head picker and waits for the redraw.
export async function clickPicker(page, which, value) {
  if ((await pickerValue(page, which)) === value) return renderCount(page); // nothing to switch
  const before = await renderCount(page);
  await page.locator(`[data-testid="${which}-select"] [data-value="${value}"]`).click();
  await waitHash(page, { [which]: value });
  return waitRendered(page, before);
}

// Presses `key` (with the focus on the page body unless told otherwise) and waits for the redraw
// to the expected layer/head.
export async function pressFor(page, key, expected) {
  const before = await renderCount(page);
  await page.keyboard.press(key);
  await waitHash(page, expected);
  return waitRendered(page, before);
}

// Moves the mouse over heatmap cell (q, k) of the canvas `testid` and returns the tooltip:
// {text, value (data-value, a number or null)}.
export async function hoverCell(page, q, k, testid = 'heatmap') {
  const canvas = page.locator(`[data-testid="${testid}"]`).first();
  await canvas.scrollIntoViewIfNeeded();
  const box = await canvas.boundingBox();
  assert(box && box.width > 0, `${testid} canvas has no size`);
  const [q0, k0, n] = (await canvas.getAttribute('data-window')).split(',').map(Number);
  const cell = box.width / n;
  const x = box.x + (k - k0 + 0.5) * cell;
  const y = box.y + (q - q0 + 0.5) * cell;
  await page.mouse.move(x, y);
  const tooltip = byTestId(page, 'heatmap-tooltip');
  const prefix = `query ${q} `;
  await page.waitForFunction(
    ([p, key]) => {
      const tip = document.querySelector('[data-testid="heatmap-tooltip"]');
      return tip && !tip.hidden && tip.textContent.startsWith(p) && tip.textContent.includes(` → key ${key} `);
    },
    [prefix, k],
    { timeout: WAIT },
  );
  const text = await tooltip.textContent();
  const raw = await tooltip.getAttribute('data-value');
  return { text, value: raw === null ? null : Number(raw) };
}

// Everything the page shows to a reader (text of the DOM, attribute values excluded).
export async function pageText(page) {
  return page.evaluate(() => document.body.innerText);
}

// Clicks the button `testid` and returns the download it starts; fails with the page's error
// message when the page shows an error instead.
export async function clickDownload(page, testid) {
  const download = page.waitForEvent('download', { timeout: WAIT });
  const error = page.waitForFunction(() => {
    const box = document.querySelector('[data-testid="error"]');
    return box && !box.hidden && box.textContent;
  }, null, { timeout: WAIT });
  await byTestId(page, testid).click();
  const first = await Promise.race([download.then((d) => ({ d })), error.then((e) => ({ e }))]);
  download.catch(() => {});
  error.catch(() => {});
  if (first.e) throw new Error(`${testid}: the page showed an error instead of a download: ${await first.e.jsonValue()}`);
  return first.d;
}
