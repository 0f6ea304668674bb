// Department data and monitoring in a real browser: the county clerk sees the demo's imports,
// uploads a file with a bad row (the page names row and column, nothing is stored), then a
// good GBK file (imported) and the same file again (nothing changes); the county approver sees
// the monitoring pools with why each household was found; a town reviewer records a visit.
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
const shot = (name, opts) => shotOf(page, name, opts);

/** GBK bytes of ASCII and the few Chinese header words used here (no encoder in Node). */
const GBK = { 公民身份号码: 'b9abc3f1c9edb7ddbac5c2eb', 死亡日期: 'cbc0cdf6c8d5c6da' };
function gbk(text) {
  const parts = [];
  for (const piece of text.split(/(公民身份号码|死亡日期)/)) {
    parts.push(GBK[piece] ? Buffer.from(GBK[piece], 'hex') : Buffer.from(piece, 'ascii'));
  }
  return Buffer.concat(parts);
}

async function logout() {
  await page.context().clearCookies();
}

describe('department data and monitoring in a real browser', { timeout: 10 * 60_000 }, () => {
  before(async () => {
    try {
      demo = await Demo.start({ households: 1500, seed: 5, prefix: 'jiuzhu-verify-' });
      browser = await launchBrowser();
      page = await newPage(browser, demo.baseURL, pageErrors, DESKTOP);
    } catch (e) {
      state.failed = true;
      state.broken = 'setting up (server, browser)';
      throw e;
    }
  });

  after(() => tearDown(browser, demo, state, pageErrors));

  // Uploads a deaths file: the page answers at once and follows the background import (a progress
  // bar, polled every second) until it has finished; then the page as it is now.
  async function importFile(file) {
    await page.locator('#feed-upload select[name=feed]').selectOption('deaths');
    await page.locator('#feed-upload input[type=file]').setInputFiles(file);
    await Promise.all([page.waitForURL(/\/feeds\?job=\d+$/), page.locator('#feed-upload button').click()]);
    await page.waitForSelector('#job[data-job-state="finished"], #job[data-job-state="failed"]', { timeout: 30_000 });
    await page.reload();
    assert.equal(await page.locator('#job').getAttribute('data-job-state'), 'finished');
  }

  step('1. the county clerk uploads a bad file, a good GBK file, and the good file again', async () => {
    const clerk = demo.account((a) => a.role === 'window_clerk' && a.region.length === 6, 'the county window clerk');
    await login(page, clerk);
    await page.goto('/feeds');
    const imports = await page.locator('#imports tbody tr').count();
    assert.equal(imports, 16, 'the demo imported all sixteen feeds');
    assert.ok((await page.content()).includes('公安·户籍人口'));

    // A real person of the demo: the first member in the demo's population feed.
    const population = fs.readFileSync(path.join(demo.dataDir, 'feeds', 'feed_population.csv'), 'utf8').split('\n');
    const id = population[1].split(',')[0];
    const bad = path.join(demo.workDir, 'deaths-bad.csv');
    fs.writeFileSync(bad, `id_number,died_on\n${id},2026-11-20\n${id.slice(0, 17)}Y,2026-11-21\n`);
    await importFile(bad);
    const html = await page.content();
    assert.ok(html.includes('未导入任何数据'), 'the whole file is refused');
    const row = await page.locator('#problems tbody tr').first().locator('td').allInnerTexts();
    assert.equal(row[0], '3', `row 3 is named: ${row}`);
    assert.equal(row[1], 'id_number');
    assertNoFullIds(html, 'the problem report');
    await shot('feeds-problems.png', { fullPage: true });
    await checkAxe(page, 'feeds with a problem report');
    assert.equal(await page.locator('#imports tbody tr').count(), imports, 'nothing was stored');

    const good = path.join(demo.workDir, '死亡注销.csv');
    fs.writeFileSync(good, gbk(`公民身份号码,死亡日期\r\n${id},2026-11-20\r\n`));
    await importFile(good);
    const notice = await page.locator('p.notice').innerText();
    assert.ok(notice.includes('已导入') && notice.includes('新增 1'), notice);
    assert.equal(await page.locator('#imports tbody tr').count(), imports + 1);

    await importFile(good);
    assert.ok((await page.locator('p.notice').innerText()).includes('此前已导入'), 'the same file changes nothing');
    assert.equal(await page.locator('#imports tbody tr').count(), imports + 1);
    await shot('feeds.png', { fullPage: true });
    await checkAxe(page, 'feeds');
    await logout();
  });

  step('2. the county approver sees both pools with why each household was found', async () => {
    const approver = demo.account((a) => a.role === 'county_approver', 'the county approver');
    await login(page, approver);
    await page.goto('/monitoring');
    const likely = Number(await page.locator('#likely-count').innerText());
    const watch = Number(await page.locator('#watch-count').innerText());
    assert.ok(likely + watch > 5, `households in the pools: ${likely} + ${watch}`);
    const first = page.locator('#monitoring tbody tr').first();
    const reasons = await first.locator('ul.reasons').innerText();
    assert.ok(/大额医疗|新增重度残疾|主要劳动力死亡|失业|遭受灾害|离校/.test(reasons), reasons);
    assertNoFullIds(await page.content(), 'the monitoring page');
    await shot('monitoring.png', { fullPage: false });
    await checkAxe(page, 'monitoring');
    // 检出率: the demo's cases were checked this month, some not eligible.
    const rates = await page.locator('#rates tbody tr').allInnerTexts();
    assert.ok(rates.length > 0 && rates.some((r) => r.includes('低保检出率')), `detection rates: ${rates}`);
    await page.goto('/monitoring?pool=watch');
    assert.equal(await page.locator('#monitoring tbody tr[data-pool=likely]').count(), 0, 'pool 2 only');
    // Pages this suite does not otherwise drive, checked for accessibility as the approver sees them.
    for (const [url, name] of [['/simulate', 'simulation form'], ['/assessments/regions', 'regional assessment'], ['/publicity', 'public notice list']]) {
      await page.goto(url);
      await checkAxe(page, name);
    }
    await logout();
  });

  step('3. a town reviewer records a visit and the next one moves three months on', async () => {
    let done = false;
    for (const reviewer of demo.accounts.filter((a) => a.role === 'town_reviewer')) {
      await login(page, reviewer);
      await page.goto('/monitoring');
      const rows = page.locator('#monitoring tbody tr[data-household]');
      if ((await rows.count()) === 0) {
        await logout();
        continue;
      }
      const household = await rows.first().getAttribute('data-household');
      await rows.first().locator('input[name=note]').fill('已入户走访，家庭情况无变化');
      await Promise.all([page.waitForLoadState('load'), rows.first().locator('button').click()]);
      const notice = await page.locator('p.notice').innerText();
      assert.ok(notice.includes(`#${household}`) && notice.includes('三个月'), notice);
      done = true;
      await logout();
      break;
    }
    assert.ok(done, 'a town with a household in the pools');
  });

  step('4. a window clerk refers a household found by its medical bills or job loss to the department', async () => {
    let done = false;
    const clerks = demo.accounts.filter((a) => a.role === 'window_clerk').sort((a, b) => b.region.length - a.region.length);
    for (const clerk of clerks) {
      await login(page, clerk);
      await page.goto('/monitoring');
      const button = page.locator('#monitoring form.refer button').first();
      if ((await button.count()) === 0) {
        await logout();
        continue;
      }
      const label = (await button.innerText()).replace('转介', '');
      await button.scrollIntoViewIfNeeded();
      await shot('monitoring-refer.png', { fullPage: false });
      await Promise.all([page.waitForLoadState('load'), button.click()]);
      const notice = await page.locator('p.notice').innerText();
      assert.ok(notice.startsWith(`已转介：${label}`), notice);
      const caseId = notice.match(/#(\d+)/)[1];
      await page.goto(`/cases/${caseId}`);
      const text = await page.locator('main').innerText();
      assert.ok(text.includes(label) && text.includes('主动发现转介'), 'the referral case carries why the household was found');
      assertNoFullIds(await page.content(), 'the referral case');
      await checkAxe(page, 'referral case page');
      done = true;
      await logout();
      break;
    }
    assert.ok(done, 'a clerk with a household to refer');
  });
});
