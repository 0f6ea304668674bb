// Security in a real browser: a town window clerk reveals a household's identifiers (purpose and
// password), the county auditor sees who looked (查阅记录), verifies the audit chain and finds the
// alert the reveal raised; the clerk exports the town's roster (approved by a county approver when
// large) and downloads it once; the system administrator creates an account that the security
// administrator grants; every read of a household in the run has exactly its entry in the audit
// trail; after the server stops, no revealed ID number is anywhere in the database's files.
//
// Run: cargo build -p jiuzhu && cd tests/browser && npm ci && npm test

import { describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { DESKTOP, Demo, assertNoFullIds, checkAxe, launchBrowser, login, newPage, shot as shotOf, steps, tearDown } from './harness.mjs';

let demo;
let browser;
let page;
const pageErrors = [];
const { step, state } = steps(() => page, () => demo?.workDir);
const s = {};
const shot = (name, opts) => shotOf(page, name, opts);

/** Household reads each user's page made (document, XHR, fetch): `user|household` → count. */
const reads = new Map();
function track(p, username) {
  p.on('request', (r) => {
    if (!['document', 'xhr', 'fetch'].includes(r.resourceType())) return;
    // A household's page (or API), and a look at its log: the audit search filtered by it.
    const url = new URL(r.url());
    const m = url.pathname.match(/^\/(?:api\/v1\/)?households\/(\d+)(?:\/|$)/);
    const h = m ? m[1] : url.pathname === '/audit' && /^\d+$/.test(url.searchParams.get('household') || '') ? url.searchParams.get('household') : null;
    if (h) reads.set(`${username}|${h}`, (reads.get(`${username}|${h}`) || 0) + 1);
  });
}

describe('security in a real browser (clerk reveals, auditor checks)', { timeout: 10 * 60_000 }, () => {
  before(async () => {
    try {
      // A low approval threshold, so that the town's roster needs the county approver.
      demo = await Demo.start({ households: 200, seed: 11, prefix: 'jiuzhu-security-', args: ['--export-approval-rows', '5'] });
      browser = await launchBrowser();
      page = await newPage(browser, demo.baseURL, pageErrors, DESKTOP);
    } catch (e) {
      state.failed = true;
      state.broken = 'setting up (server, browser)';
      throw e;
    }
  });

  after(() => tearDown(browser, demo, state, pageErrors));

  step('1. a clerk reveals a household after giving a purpose and the password', async () => {
    const clerk = demo.account((a) => a.role === 'window_clerk' && /^\d{9}$/.test(a.region), 'a town window clerk');
    s.clerk = clerk;
    track(page, clerk.username);
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
    await checkAxe(page, 'revealed household');
  });

  step('1b. the clerk exports the town roster; a county approver approves it when large; it downloads once', async () => {
    await page.goto('/exports');
    await page.locator('#export-request select[name=format]').selectOption('csv');
    await page.locator('#export-request input[name=purpose]').fill('年度复核入户名单');
    await Promise.all([page.waitForLoadState('load'), page.locator('#export-request button').click()]);
    const notice = await page.locator('[role=status]').textContent();
    const id = notice.match(/#(\d+)/)[1];
    assert.ok(notice.includes('需县级审批员批准'), `over the threshold of 5: ${notice}`);
    {
      const ctx = await browser.newContext({ baseURL: demo.baseURL, viewport: DESKTOP, locale: 'zh-CN' });
      const approverPage = await ctx.newPage();
      const approver = demo.account((a) => a.role === 'county_approver' && a.region.length === 6, 'the county approver');
      await login(approverPage, approver);
      await approverPage.goto('/exports');
      const row = approverPage.locator(`#to-decide tr[data-export="${id}"]`);
      assert.ok((await row.textContent()).includes('年度复核入户名单'), 'the approver sees the purpose');
      await row.locator('input[name=note]').fill('同意，用于年度复核');
      await shotOf(approverPage, 'export-approval.png');
      await checkAxe(approverPage, 'exports (county approver)');
      await Promise.all([approverPage.waitForLoadState('load'), row.getByRole('button', { name: '批准', exact: true }).click()]);
      await ctx.close();
      await page.goto('/exports');
    }
    const row = page.locator(`#my-exports tr[data-export="${id}"]`);
    const password = row.locator('input[name=password]');
    if (await password.count()) await password.fill(s.clerk.password);
    await shot('exports.png');
    await checkAxe(page, 'exports (clerk)');
    const [download] = await Promise.all([page.waitForEvent('download'), row.getByRole('button', { name: '下载' }).click()]);
    const text = fs.readFileSync(await download.path(), 'utf8');
    assert.ok(text.startsWith('\ufeff导出人：') && text.includes(s.clerk.username) && text.includes('年度复核入户名单'), 'watermarked');
    assert.ok(text.split('\r\n').length > 4, 'rows with CRLF line ends');
    assertNoFullIds(text, 'the exported roster');
    await page.goto('/exports');
    const after = page.locator(`#my-exports tr[data-export="${id}"]`);
    assert.ok((await after.textContent()).includes('已下载'));
    assert.equal(await after.getByRole('button', { name: '下载' }).count(), 0, 'one download only');
  });

  step('2. the county auditor sees who looked and why, and the chain verifies', async () => {
    const ctx = await browser.newContext({ baseURL: demo.baseURL, viewport: DESKTOP, locale: 'zh-CN' });
    page = await ctx.newPage();
    const auditor = demo.account((a) => a.role === 'auditor' && a.region.length === 6, 'the county auditor');
    s.auditor = auditor;
    track(page, auditor.username);
    await login(page, auditor);
    await page.goto(`${s.household}/access`);
    const rows = await page.locator('table tbody tr').allTextContents();
    assert.ok(rows.some((r) => r.includes('受理员') && r.includes('入户调查核对身份') && r.includes('查看完整信息')), `the reveal is on record, with who and what in words: ${rows.slice(0, 5)}`);
    assert.ok(rows.some((r) => r.includes('拒绝：未通过再次验证')), 'so is the refused attempt, in words');
    assertNoFullIds(await page.content(), 'access record');
    await shot('access-record.png');
    await checkAxe(page, 'access record');

    await page.goto('/audit');
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: '校验日志完整性' }).click()]);
    assert.ok((await page.locator('[role=status]').textContent()).includes('审计日志完整'));
    await shot('audit-trail.png');
    await checkAxe(page, 'audit trail');
  });

  step('3. the reveal outside the clerk\'s caseload is an alert', async () => {
    await page.goto('/alerts');
    const rows = await page.locator('table tbody tr').allTextContents();
    assert.ok(rows.some((r) => r.includes('非经办查看完整信息') && r.includes(s.clerk.username)), `alert listed: ${rows}`);
    await shot('alerts.png');
    await checkAxe(page, 'alerts');
    await page.locator('table tbody tr', { hasText: '非经办查看完整信息' }).locator('a').first().click();
    await page.locator('textarea[name=note]').fill('已核实：为入户调查准备材料');
    await page.locator('select[name=state]').selectOption('closed');
    await page.locator('select[name=outcome]').selectOption('false_positive');
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: '提交' }).click()]);
    assert.ok((await page.content()).includes('已核实：为入户调查准备材料'));
    await checkAxe(page, 'alert');
  });

  step('3b. the system administrator creates an account, the security administrator grants it', async () => {
    const ctx = await browser.newContext({ baseURL: demo.baseURL, viewport: DESKTOP, locale: 'zh-CN' });
    const admin = await ctx.newPage();
    const sys = demo.account((a) => a.role === 'system_admin', 'the system administrator');
    await login(admin, sys);
    await admin.goto('/accounts');
    const form = admin.locator('#create-account');
    await form.locator('input[name=username]').fill('new_clerk_browser');
    await form.locator('input[name=display_name]').fill('新受理员');
    await form.locator('select[name=role]').selectOption('window_clerk');
    await form.locator('input[name=region]').fill(s.clerk.region);
    await form.locator('input[name=password]').fill('Xinmima#2026x');
    await form.locator('input[name=my_password]').fill(sys.password);
    await Promise.all([admin.waitForLoadState('load'), form.getByRole('button', { name: '创建' }).click()]);
    const row = admin.locator('#accounts tr[data-account="new_clerk_browser"]');
    assert.ok((await row.textContent()).includes('待授权'), 'created disabled');
    assert.equal(await row.getByText('授权', { exact: true }).count(), 0, 'the system administrator cannot grant');
    await checkAxe(admin, 'accounts (system administrator)');
    await ctx.close();

    const ctx2 = await browser.newContext({ baseURL: demo.baseURL, viewport: DESKTOP, locale: 'zh-CN' });
    const sec = await ctx2.newPage();
    const secAdmin = demo.account((a) => a.role === 'security_admin', 'the security administrator');
    await login(sec, secAdmin);
    await sec.goto('/accounts');
    const r = sec.locator('#accounts tr[data-account="new_clerk_browser"]');
    await r.locator('summary', { hasText: '授权' }).click();
    await r.locator('select[name=role]').selectOption('window_clerk');
    await r.locator('input[name=my_password]').fill(secAdmin.password);
    await shotOf(sec, 'accounts.png');
    await checkAxe(sec, 'accounts (security administrator)');
    await Promise.all([sec.waitForLoadState('load'), r.getByRole('button', { name: '授权并启用' }).click()]);
    assert.ok((await sec.locator('#accounts tr[data-account="new_clerk_browser"]').textContent()).includes('启用'));
    await ctx2.close();

    const ctx3 = await browser.newContext({ baseURL: demo.baseURL, viewport: DESKTOP, locale: 'zh-CN' });
    const fresh = await ctx3.newPage();
    await login(fresh, { username: 'new_clerk_browser', password: 'Xinmima#2026x' });
    assert.equal(new URL(fresh.url()).pathname, '/password', 'first, a password of one\'s own');
    await fresh.locator('#own-password input[name=current]').fill('Xinmima#2026x');
    await fresh.locator('#own-password input[name=new]').fill('Ziji#mima2026');
    await fresh.locator('#own-password input[name=again]').fill('Ziji#mima2026');
    await shotOf(fresh, 'password.png');
    await checkAxe(fresh, 'own password');
    await Promise.all([fresh.waitForLoadState('load'), fresh.locator('#own-password button').click()]);
    assert.ok((await fresh.content()).includes('密码已修改'));
    await login(fresh, { username: 'new_clerk_browser', password: 'Ziji#mima2026' });
    await fresh.goto('/households');
    assert.equal(await fresh.locator('#results tbody tr').count() > 0, true, 'the granted clerk works');
    await ctx3.close();
  });

  step('3c. every read of a household in this run has exactly its audit entry', async () => {
    assert.ok(reads.size > 0);
    for (const [key, count] of reads) {
      const [username, household] = key.split('|');
      await page.goto(`/audit?username=${encodeURIComponent(username)}&household=${household}`);
      // Not the "no entries" placeholder row.
      const rows = await page.locator('table tbody tr:not(:has(td[colspan]))').count();
      assert.equal(rows, count, `${username} read household ${household} ${count} times; the trail has ${rows} entries`);
    }
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
