// What the browser tests share: starting `jiuzhu demo` on a fresh data directory and a free
// loopback port, launching Debian's chromium, logging in, screenshots, and scenario steps that
// are skipped once an earlier one failed (keeping a screenshot and the HTML of the failure).

import { it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const BIN = process.env.JIUZHU_BIN || path.resolve(here, '../../target/debug/jiuzhu');
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const SHOTS = process.env.JIUZHU_SCREENSHOTS || path.resolve(here, '../../docs/screenshots');
const START_TIMEOUT_MS = Number(process.env.JIUZHU_START_TIMEOUT_MS || 180_000);
// The machines are small (2 cores) and the server is a debug build: be generous.
export const STEP_TIMEOUT_MS = 180_000;
export const ACTION_TIMEOUT_MS = 30_000;
export const NAV_TIMEOUT_MS = 60_000;
export const DESKTOP = { width: 1280, height: 900 };
export const PHONE = { width: 390, height: 844 };
// A full 18-character ID number standing alone (not part of a longer token such as a hex CSRF token).
export const FULL_ID = /(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])/;

export function assertNoFullIds(html, where) {
  const m = html.match(FULL_ID);
  assert.equal(m, null, `${where}: found an unmasked 18-character ID number "${m?.[0]}" in the page HTML`);
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** A running `jiuzhu demo`. */
export class Demo {
  static async start({ households, seed, prefix, args = [] }) {
    assert.ok(fs.existsSync(BIN), `server binary ${BIN} not found: run \`cargo build -p jiuzhu\` first, or set JIUZHU_BIN`);
    const d = new Demo();
    d.workDir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    d.dataDir = path.join(d.workDir, 'data');
    d.log = path.join(d.workDir, 'server.log');
    const port = await freePort();
    d.baseURL = `http://127.0.0.1:${port}`;
    const logFd = fs.openSync(d.log, 'a');
    d.exit = null;
    d.server = spawn(BIN, ['demo', '--households', String(households), '--seed', String(seed), '--data-dir', d.dataDir, '--listen', `127.0.0.1:${port}`, ...args], {
      stdio: ['ignore', logFd, logFd],
      env: { ...process.env, NO_COLOR: '1' },
    });
    fs.closeSync(logFd);
    d.server.on('exit', (code, signal) => {
      d.exit = signal ? `signal ${signal}` : `code ${code}`;
    });
    process.on('exit', () => {
      if (!d.exit) d.server.kill('SIGKILL');
    });
    await d.waitForHealth();
    d.accounts = JSON.parse(fs.readFileSync(path.join(d.dataDir, 'demo-accounts.json'), 'utf8'));
    return d;
  }

  logTail(lines = 150) {
    try {
      return fs.readFileSync(this.log, 'utf8').split('\n').slice(-lines).join('\n');
    } catch (e) {
      return `(no server log: ${e.message})`;
    }
  }

  async waitForHealth() {
    const deadline = Date.now() + START_TIMEOUT_MS;
    let last = 'no answer yet';
    while (Date.now() < deadline) {
      if (this.exit) throw new Error(`the server exited (${this.exit}) before it was healthy; log:\n${this.logTail()}`);
      try {
        const r = await fetch(`${this.baseURL}/healthz`, { signal: AbortSignal.timeout(5_000) });
        if (r.status === 200) return;
        last = `HTTP ${r.status}`;
      } catch (e) {
        last = e.message;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`GET /healthz did not answer 200 within ${START_TIMEOUT_MS} ms (last: ${last}); log:\n${this.logTail()}`);
  }

  /** Runs the `jiuzhu` command line against the demo's database (e.g. the casework tick). */
  cli(...args) {
    return execFileSync(BIN, [...args, '--database-url', `sqlite://${path.join(this.dataDir, 'jiuzhu.db')}`], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  }

  account(pred, what) {
    const a = this.accounts.find(pred);
    assert.ok(a, `demo-accounts.json has ${what}: ${JSON.stringify(this.accounts.map((x) => x.username))}`);
    return a;
  }

  async stop() {
    if (!this.server || this.exit) return;
    const exited = new Promise((r) => this.server.once('exit', r));
    this.server.kill('SIGINT'); // graceful shutdown on Ctrl-C
    const t = setTimeout(() => this.server.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(t);
  }
}

export async function launchBrowser() {
  assert.ok(fs.existsSync(CHROMIUM), `chromium ${CHROMIUM} not found: \`apt-get install -y chromium\`, or set CHROMIUM_PATH`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    timeout: 120_000,
  });
}

/** A fresh browser context and page for one person, with page errors collected into `errors`. */
export async function newPage(browser, baseURL, errors, viewport = DESKTOP) {
  const context = await browser.newContext({ baseURL, viewport, locale: 'zh-CN' });
  const page = await context.newPage();
  page.setDefaultTimeout(ACTION_TIMEOUT_MS);
  page.setDefaultNavigationTimeout(NAV_TIMEOUT_MS);
  page.on('pageerror', (e) => errors.push(`${page.url()}: ${e.message}`));
  // Console errors too, except the browser's note on an HTTP error status: the tests ask for
  // 404 and 422 pages on purpose.
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(`${page.url()}: ${m.text()}`);
  });
  return page;
}

/** Logs in on the login page; resolves once the landing page has loaded. */
export async function login(page, account) {
  await page.goto('/login');
  await page.locator('input[name=username]').fill(account.username);
  await page.locator('input[name=password]').fill(account.password);
  await Promise.all([page.waitForURL((u) => u.pathname !== '/login'), page.locator('form button[type=submit]').click()]);
}

/** Logs in through the JSON API from Node and returns the `Cookie` header value. */
export async function apiLogin(baseURL, account) {
  const r = await fetch(`${baseURL}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: account.username, password: account.password }),
  });
  const text = await r.text();
  assert.equal(r.status, 200, `API login of ${account.username} answered ${r.status}: ${text}`);
  const cookie = r.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .find((c) => c.startsWith('jiuzhu_session='));
  assert.ok(cookie, `API login of ${account.username} set no jiuzhu_session cookie`);
  return { cookie, csrf: JSON.parse(text).csrf_token };
}

/**
 * The end of a scenario: closes the browser and stops the demo; after a failure prints the page
 * errors and the server log's tail and keeps the demo's folder, otherwise removes it.
 */
export async function tearDown(browser, demo, state, pageErrors) {
  await browser?.close().catch(() => {});
  await demo?.stop();
  if (state.failed) {
    console.error(`# browser console and page errors:\n${pageErrors.join('\n') || '(none)'}`);
    console.error(`# server log (${demo?.log}), last lines:\n${demo?.logTail()}`);
    console.error(`# kept for inspection: ${demo?.workDir}`);
  } else if (demo?.workDir) {
    fs.rmSync(demo.workDir, { recursive: true, force: true });
  }
}

/** A JSON API call with a session from `apiLogin`: `{ status, json }`. */
export async function apiRequest(baseURL, session, method, path, body) {
  const r = await fetch(`${baseURL}${path}`, {
    method,
    headers: { cookie: session.cookie, 'x-csrf-token': session.csrf, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, json: text ? JSON.parse(text) : null };
}

export async function shot(page, name, opts = {}) {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, name), ...opts });
}

/**
 * Scenario steps: `step(name, fn)` is a test that is skipped once an earlier step failed, and
 * that keeps a screenshot and the HTML of `currentPage()` in `workDir()` when it fails.
 */
export function steps(currentPage, workDir) {
  const state = { failed: false, broken: null };
  const step = (name, fn) =>
    it(name, { timeout: STEP_TIMEOUT_MS }, async (t) => {
      if (state.broken) {
        t.skip(`an earlier step failed: ${state.broken}`);
        return;
      }
      try {
        await fn(t);
      } catch (e) {
        state.failed = true;
        state.broken = name;
        const page = currentPage();
        if (page && workDir()) {
          const base = path.join(workDir(), `failure-${name.replace(/[^a-z0-9]+/gi, '-')}`);
          await page.screenshot({ path: `${base}.png`, fullPage: true }).catch(() => {});
          await fs.promises.writeFile(`${base}.html`, await page.content().catch(() => '')).catch(() => {});
          console.error(`# failure artefacts: ${base}.png, ${base}.html (page URL ${page.url()})`);
        }
        throw e;
      }
    });
  return { step, state };
}

const AXE_SOURCE = path.resolve(here, 'node_modules/axe-core/axe.min.js');

/**
 * Runs axe-core on the page as it is now and fails on any violation of impact serious or critical,
 * naming each (rule, element, why). The script goes in through the DevTools protocol
 * (`page.evaluate`), which the pages' CSP (`script-src 'self'`) does not govern, so the page is
 * checked in the state the test left it (after a swap, a 422 form), not reloaded.
 */
export async function checkAxe(page, name) {
  assert.ok(fs.existsSync(AXE_SOURCE), `${AXE_SOURCE} not found: run \`npm ci\` in tests/browser`);
  const loaded = await page.evaluate(() => typeof window.axe !== 'undefined');
  if (!loaded) await page.evaluate(fs.readFileSync(AXE_SOURCE, 'utf8'));
  const violations = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ impact: n.impact, target: n.target.join(' '), summary: n.failureSummary })),
    }));
  });
  const bad = [];
  for (const v of violations) {
    for (const n of v.nodes) {
      const impact = n.impact || v.impact;
      if (impact === 'serious' || impact === 'critical') bad.push(`[${impact}] ${v.id} ${n.target}: ${v.help}; ${(n.summary || '').replace(/\s+/g, ' ')}`);
    }
  }
  assert.equal(bad.length, 0, `${name} (${page.url()}): ${bad.length} serious/critical accessibility violation(s):\n${bad.join('\n')}`);
}
