// Security in a real browser: a town window clerk reveals a household's identifiers (purpose and
// password), the county auditor sees who looked (查阅记录), verifies the audit chain and finds the
// alert the reveal raised; after the server stops, no revealed ID number is anywhere in the
// database's files (db, -wal, -shm).
//
// Run: cargo build -p jiuzhu && cd tests/browser && npm ci && npm test

import { describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Demo, DESKTOP, assertNoFullIds, launchBrowser, login, newPage, shot as shotOf, steps } from './harness.mjs';

let demo;
let browser;
let page;
const pageErrors = [];
const { step, state } = steps(() => page, () => demo?.workDir);
const s = {};
const shot = (name, opts) => shotOf(page, name, opts);

describe('security in a real browser (clerk reveals, auditor checks)', { timeout: 10 * 60_000 }, () => {
  before(async () => {
    try {
      demo = await Demo.start({ households: 200, seed: 11, prefix: 'jiuzhu-security-' });
      browser = await launchBrowser();
      page = await newPage(browser, demo.baseURL, pageErrors, DESKTOP);
    } catch (e) {
      state.failed = true;
      state.broken = 'setting up (server, browser)';
      throw e;
    }
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await demo?.stop();
    if (state.failed) {
      console.error(`# browser errors:\n${pageErrors.join('\n') || '(none)'}`);
      console.error(`# server log, last lines:\n${demo?.logTail()}`);
      console.error(`# kept for inspection: ${demo?.workDir}`);
    } else if (demo?.workDir) {
      fs.rmSync(demo.workDir, { recursive: true, force: true });
    }
  });

  step('1. a clerk reveals a household after giving a purpose and the password', async () => {
    const clerk = demo.account((a) => a.role === 'window_clerk' && /^\d{9}$/.test(a.region), 'a town window clerk');
    s.clerk = clerk;
    await login(page, clerk);
    await page.goto('/households');
    const href = await page.locator('#results tbody tr a').first().getAttribute('href');
    s.household = href;
    await page.goto(href);
    assertNoFullIds(await page.content(), 'household page before the reveal');
    await page.locator('#reveal summary').click();
    await page.locator('#reveal input[name=purpose]').fill('入户调查核对身份');
    await page.locator('#reveal input[name=password]').fill('wrong-password');
    await Promise.all([page.waitForLoadState('load'), page.locator('#reveal button').click()]);
    assert.ok((await page.content()).includes('密码不正确'), 'a wrong password shows nothing');
    assertNoFullIds(await page.content(), 'after a wrong password');

    await page.goto(href);
    await page.locator('#reveal summary').click();
    await page.locator('#reveal input[name=purpose]').fill('入户调查核对身份');
    await page.locator('#reveal input[name=password]').fill(clerk.password);
    await Promise.all([page.waitForURL((u) => u.pathname.endsWith('/reveal')), page.locator('#reveal button').click()]);
    const ids = await page.locator('table tbody tr td:nth-child(2)').allTextContents();
    assert.ok(ids.length > 0 && ids.every((t) => /^\d{17}[\dX]$/.test(t.trim())), `full ID numbers shown: ${ids}`);
    s.revealed = ids.map((t) => t.trim());
    assert.ok((await page.content()).includes('本次查看已记入审计日志'));
    await shot('reveal.png');
  });

  step('2. the county auditor sees who looked and why, and the chain verifies', async () => {
    const ctx = await browser.newContext({ baseURL: demo.baseURL, viewport: DESKTOP, locale: 'zh-CN' });
    page = await ctx.newPage();
    const auditor = demo.account((a) => a.role === 'auditor' && a.region.length === 6, 'the county auditor');
    await login(page, auditor);
    await page.goto(`${s.household}/access`);
    const rows = await page.locator('table tbody tr').allTextContents();
    assert.ok(rows.some((r) => r.includes(s.clerk.username) && r.includes('入户调查核对身份') && r.includes('查看完整信息')), `the reveal is on record: ${rows.slice(0, 5)}`);
    assert.ok(rows.some((r) => r.includes('reauth')), 'so is the refused attempt');
    assertNoFullIds(await page.content(), 'access record');
    await shot('access-record.png');

    await page.goto('/audit');
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: '校验日志完整性' }).click()]);
    assert.ok((await page.locator('[role=status]').textContent()).includes('审计日志完整'));
    await shot('audit-trail.png');
  });

  step('3. the reveal outside the clerk\'s caseload is an alert', async () => {
    await page.goto('/alerts');
    const rows = await page.locator('table tbody tr').allTextContents();
    assert.ok(rows.some((r) => r.includes('非经办查看完整信息') && r.includes(s.clerk.username)), `alert listed: ${rows}`);
    await shot('alerts.png');
    await page.locator('table tbody tr', { hasText: '非经办查看完整信息' }).locator('a').first().click();
    await page.locator('textarea[name=note]').fill('已核实：为入户调查准备材料');
    await page.locator('select[name=state]').selectOption('closed');
    await page.locator('select[name=outcome]').selectOption('false_positive');
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: '提交' }).click()]);
    assert.ok((await page.content()).includes('已核实：为入户调查准备材料'));
  });

  step('4. after the server stops, no revealed ID number is in the database files', async () => {
    await browser.close();
    browser = null;
    await demo.stop();
    const db = path.join(demo.dataDir, 'jiuzhu.db');
    const bytes = Buffer.concat(['', '-wal', '-shm'].filter((x) => fs.existsSync(db + x)).map((x) => fs.readFileSync(db + x)));
    assert.ok(bytes.length > 100_000, 'the files hold the demo county');
    for (const id of s.revealed) assert.equal(bytes.indexOf(id), -1, `${id} must not be in the database files`);
  });
});
