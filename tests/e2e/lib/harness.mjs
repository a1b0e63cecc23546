// Shared machinery of the dashboard's end-to-end tests: starts `attnscope serve` on a free port
// with a random token, launches Debian's Chromium through playwright-core (never a downloaded
// browser), watches every page for console errors, page errors, CSP violations and dialogs, and
// tears everything down on success, failure, timeout or signal (no process left behind).
//
// A scenario file calls `scenario(name, async (t) => {...})`. Exit status: 0 pass, 1 fail,
// 77 skipped (ctest's SKIP_RETURN_CODE) with the reason printed.
//
// Arguments (from tests/e2e/CMakeLists.txt): --binary PATH (the attnscope executable),
// --out DIR (screenshots and downloads). Environment: ATTNSCOPE_CHROMIUM overrides
// /usr/bin/chromium; ATTNSCOPE_E2E_HEADFUL=1 shows the browser (debugging).

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const SKIP = 77;
export const CHROMIUM = process.env.ATTNSCOPE_CHROMIUM || '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const here = path.dirname(fileURLToPath(import.meta.url));
export const E2E_DIR = path.dirname(here);

export class Skip extends Error {}

export function parseArgs(argv = process.argv.slice(2)) {
  const args = { binary: null, out: path.join(os.tmpdir(), 'attnscope-e2e') };
  for (let i = 0; i < argv.length; ++i) {
    const key = argv[i];
    const value = argv[i + 1];
    if (key === '--binary') args.binary = value;
    else if (key === '--out') args.out = value;
    else throw new Error(`unknown argument ${key}`);
    ++i;
  }
  if (!args.binary) throw new Error('--binary PATH (the attnscope executable) is required');
  return args;
}

// playwright-core, or a Skip naming what is missing.
export async function loadPlaywright() {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Skip(`Chromium not found at ${CHROMIUM} (apt-get install chromium; scripts/install-deps does)`);
  }
  try {
    return await import('playwright-core');
  } catch {
    throw new Skip(`playwright-core is not installed in ${E2E_DIR}/node_modules (run: npm ci --prefix tests/e2e)`);
  }
}

// ---- cleanup of everything a scenario started ----

const cleanups = [];
export function onCleanup(fn) {
  cleanups.push(fn);
}
// Runs every registered cleanup (latest first): the browser, then the server.
export async function runCleanups() {
  while (cleanups.length) {
    const fn = cleanups.pop();
    try {
      await fn();
    } catch (error) {
      console.error(`cleanup: ${error.message}`);
    }
  }
}

// ---- the server ----

const READY = /^attnscope serve: (http:\/\/[^/\s]+)\/\?token=([0-9A-Za-z._~-]+)\s*$/;

// Starts `attnscope serve --port 0 --token T <args>` and waits for its ready line.
// Returns {base, token, url, process, api(path, body?, {format}?)}.
export async function startServer(binary, extraArgs = ['--model', 'demo'], { timeoutMs = 60000 } = {}) {
  if (!fs.existsSync(binary)) throw new Error(`attnscope binary not found: ${binary}`);
  const token = randomBytes(16).toString('hex');
  const args = ['serve', '--port', '0', '--token', token, ...extraArgs];
  // setpriv --pdeathsig: the server dies with this process even if it is killed with SIGKILL.
  const setpriv = '/usr/bin/setpriv';
  const [command, commandArgs] = fs.existsSync(setpriv)
    ? [setpriv, ['--pdeathsig', 'SIGKILL', '--', binary, ...args]]
    : [binary, args];
  const child = spawn(command, commandArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
  let exited = false;
  const exitPromise = new Promise((resolve) => child.once('exit', (code, signal) => {
    exited = true;
    resolve({ code, signal });
  }));
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
    if (stderr.length > 20000) stderr = stderr.slice(-20000);
  });
  onCleanup(async () => {
    if (exited) return;
    child.kill('SIGTERM');
    const timer = new Promise((resolve) => setTimeout(resolve, 5000, 'timeout'));
    if ((await Promise.race([exitPromise, timer])) === 'timeout') {
      console.error('server did not exit 5 s after SIGTERM: SIGKILL');
      child.kill('SIGKILL');
      await exitPromise;
    }
  });

  const ready = await new Promise((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => reject(new Error(`no ready line from attnscope serve within ${timeoutMs} ms; stderr: ${stderr}`)), timeoutMs);
    child.stdout.on('data', (chunk) => {
      buffer += chunk;
      const newline = buffer.indexOf('\n');
      if (newline < 0) return;
      const line = buffer.slice(0, newline);
      clearTimeout(timer);
      const match = READY.exec(line);
      if (!match) reject(new Error(`unexpected first stdout line of attnscope serve: ${JSON.stringify(line)}`));
      else resolve({ base: match[1], token: match[2], line });
    });
    exitPromise.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`attnscope serve exited (code ${code}, signal ${signal}) before its ready line; stderr: ${stderr}`));
    });
  });
  if (ready.token !== token) throw new Error(`ready line shows token ${ready.token}, expected ${token}`);
  const base = ready.base;

  // The JSON API with the token (Bearer), as a client other than the page.
  async function api(apiPath, body, { format } = {}) {
    const url = `${base}${apiPath}${format ? `?format=${format}` : ''}`;
    const response = await fetch(url, {
      method: body === undefined ? 'GET' : 'POST',
      headers: {
        Authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${apiPath}: HTTP ${response.status}: ${await response.text()}`);
    const type = response.headers.get('content-type') || '';
    if (type.includes('application/json')) return response.json();
    if (type.startsWith('text/')) return response.text();
    return Buffer.from(await response.arrayBuffer());
  }

  return { base, token, url: `${base}/?token=${token}`, process: child, api, stderr: () => stderr };
}

// ---- the browser ----

// Launches Chromium (executablePath /usr/bin/chromium; Playwright gives it a fresh temporary
// --user-data-dir and removes it on close).
export async function launchBrowser(playwright) {
  const browser = await playwright.chromium.launch({
    executablePath: CHROMIUM,
    headless: process.env.ATTNSCOPE_E2E_HEADFUL !== '1',
    args: CHROMIUM_ARGS,
    chromiumSandbox: false,
    timeout: 60000,
    env: { ...process.env, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' },
  });
  onCleanup(() => browser.close());
  return browser;
}

// Records, for one page: console errors, uncaught page errors, CSP violations (reported by the
// page's `securitypolicyviolation` event and by Chromium's console) and dialogs (dismissed).
export function watch(page, label = 'page') {
  const problems = { console: [], pageErrors: [], csp: [], dialogs: [], label };
  page.on('console', (message) => {
    if (message.type() === 'error') problems.console.push(`${message.text()} (${message.location().url || '?'})`);
    if (/Content Security Policy/i.test(message.text())) problems.csp.push(message.text());
  });
  page.on('pageerror', (error) => problems.pageErrors.push(String(error && error.stack ? error.stack : error)));
  page.on('dialog', (dialog) => {
    problems.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    dialog.dismiss().catch(() => {});
  });
  page.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (event) => {
      window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || '(inline)'}`);
    });
  });
  problems.check = async () => {
    let inPage = [];
    try {
      inPage = await page.evaluate(() => window.__cspViolations || []);
    } catch {
      // page closed or navigated to a file that cannot be evaluated: the console still counts
    }
    const all = [
      ...problems.console.map((m) => `console error: ${m}`),
      ...problems.pageErrors.map((m) => `page error: ${m}`),
      ...problems.csp.map((m) => `CSP: ${m}`),
      ...inPage.map((m) => `CSP violation: ${m}`),
      ...problems.dialogs.map((m) => `dialog: ${m}`),
    ];
    if (all.length) throw new Error(`${label}: ${all.length} problem(s):\n  ${all.join('\n  ')}`);
  };
  return problems;
}

// ---- assertions ----

export function assert(condition, message) {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}

export function assertEqual(actual, expected, message) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`assertion failed: ${message}\n  actual:   ${a.slice(0, 400)}\n  expected: ${e.slice(0, 400)}`);
}

// ---- the scenario runner ----

// scenario(name, body, {timeoutMs}): runs body(t) with t = {args, playwright, out, shot(page, name),
// log}. Prints PASS / FAIL / SKIP and exits with 0 / 1 / 77.
export function scenario(name, body, { timeoutMs = 150000 } = {}) {
  let finished = false;
  const finish = async (code, message) => {
    if (finished) return;
    finished = true;
    await runCleanups();
    console.log(message);
    process.exit(code);
  };
  const watchdog = setTimeout(() => finish(1, `FAIL ${name}: timed out after ${timeoutMs} ms`), timeoutMs);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => finish(1, `FAIL ${name}: ${signal}`));
  }
  process.on('unhandledRejection', (error) => finish(1, `FAIL ${name}: unhandled rejection: ${error && error.stack ? error.stack : error}`));

  (async () => {
    let args;
    try {
      args = parseArgs();
    } catch (error) {
      return finish(1, `FAIL ${name}: ${error.message}`);
    }
    const out = args.out;
    const pages = [];
    const t = {
      args,
      out,
      screenshots: path.join(out, 'e2e-screenshots'),
      downloads: path.join(out, 'e2e-downloads', name),
      log: (...parts) => console.log(`  ${parts.join(' ')}`),
      track: (page) => pages.push(page),
      async shot(page, file) {
        fs.mkdirSync(t.screenshots, { recursive: true });
        const target = path.join(t.screenshots, `${file}.png`);
        await page.screenshot({ path: target, fullPage: true });
        t.log(`screenshot ${target}`);
        return target;
      },
    };
    // a failure screenshot of an earlier run would mislead
    for (const file of fs.existsSync(t.screenshots) ? fs.readdirSync(t.screenshots) : []) {
      if (file.startsWith(`FAILED-${name}-`)) fs.rmSync(path.join(t.screenshots, file));
    }
    try {
      t.playwright = await loadPlaywright();
      fs.mkdirSync(t.downloads, { recursive: true });
      await body(t);
      clearTimeout(watchdog);
      await finish(0, `PASS ${name}`);
    } catch (error) {
      clearTimeout(watchdog);
      if (error instanceof Skip) return finish(SKIP, `SKIP ${name}: ${error.message}`);
      for (const [i, page] of pages.entries()) {
        try {
          fs.mkdirSync(t.screenshots, { recursive: true });
          const target = path.join(t.screenshots, `FAILED-${name}-${i}.png`);
          await page.screenshot({ path: target, fullPage: true, timeout: 5000 });
          console.log(`  failure screenshot: ${target}`);
        } catch {
          // page gone
        }
      }
      await finish(1, `FAIL ${name}: ${error && error.stack ? error.stack : error}`);
    }
  })();
}
