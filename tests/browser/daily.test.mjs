// The daily path of a first-day clerk (issue 15), in a real browser on the demo: a household
// registered with nothing declared cannot pass 核对 (the refusal names what is missing); the
// declaration entered on its page — a bad amount flagged as one types, a line the server refuses
// named on that line with nothing typed lost —
// changes the check's result, and the household page says when and by whom it was taken.
//
// Run: cargo build -p jiuzhu && cd tests/browser && npm ci && node --test daily.test.mjs

import { describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Demo, PHONE, apiLogin, checkAxe, launchBrowser, login, newPage, shot, steps } from './harness.mjs';

const HOUSEHOLDS = process.env.JIUZHU_HOUSEHOLDS || '300';
const SEED = process.env.JIUZHU_SEED || '7';

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = '10X98765432';
/** A GB 11643 ID number from its first 17 digits. */
function idNumber(first17) {
  const sum = [...first17].reduce((s, d, i) => s + Number(d) * WEIGHTS[i], 0);
  return first17 + CHECK[sum % 11];
}

let demo;
let browser;
let page;
const errors = [];
const s = {};
const { step, state } = steps(() => page, () => demo?.workDir);

async function as(account, viewport) {
  page = await newPage(browser, demo.baseURL, errors, viewport);
  await login(page, account);
  return page;
}

async function api(session, method, path, body) {
  const r = await fetch(`${demo.baseURL}${path}`, {
    method,
    headers: { cookie: session.cookie, 'x-csrf-token': session.csrf, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, json: text ? JSON.parse(text) : null };
}

async function caseState() {
  return (await page.locator('h1 .state').textContent()).trim();
}

describe('the daily path of a first-day clerk: declarations', { timeout: 15 * 60_000 }, () => {
  before(async () => {
    try {
      demo = await Demo.start({ households: HOUSEHOLDS, seed: SEED, prefix: 'jiuzhu-daily-' });
      browser = await launchBrowser();
      s.clerk = demo.account((a) => a.role === 'window_clerk' && /^\d{9}$/.test(a.region) && !a.username.endsWith('_2'), 'a town window clerk');
      s.investigator = demo.account((a) => a.role === 'investigator' && a.region === s.clerk.region && !a.username.endsWith('_2'), 'an investigator of the clerk\'s town');
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
      console.error(`# browser console errors:\n${errors.join('\n') || '(none)'}`);
      console.error(`# server log (${demo?.log}), last lines:\n${demo?.logTail()}`);
      console.error(`# kept for inspection: ${demo?.workDir}`);
    }
  });

  step('1. a household registered with nothing declared: its page says so and 核对 refuses, naming what is missing', async () => {
    const session = await apiLogin(demo.baseURL, s.clerk);
    const list = await api(session, 'GET', '/api/v1/households');
    const village = list.json.items[0].hukou_region;
    for (let seq = 901; !s.household; seq++) {
      assert.ok(seq < 999, 'a free ID number');
      const r = await api(session, 'POST', '/api/v1/households', {
        hukou_region: village,
        area: 'rural',
        address: '新登记户 1 号',
        members: [{ id_number: idNumber(`62082519580312${seq}`), name: '测试申报', relation: 'head' }],
      });
      if (r.status === 201) s.household = r.json.id;
      else assert.equal(r.status, 422, `registering: ${JSON.stringify(r.json)}`);
    }
    await as(s.clerk);
    await page.goto(`/households/${s.household}`);
    const text = await page.locator('#declaration + section').innerText();
    assert.ok(text.includes('尚无申报记录') && text.includes('收入：未申报') && text.includes('财产：未申报'), text);
    await page.locator('a', { hasText: '受理救助申请' }).click();
    await page.locator('input[name=kind][value=dibao]').check();
    for (const box of await page.locator('input[name=received]').all()) await box.check();
    await page.locator('textarea[name=request]').fill('新登记户，申请低保');
    await Promise.all([page.waitForURL(/\/cases\/\d+/), page.locator('form.intake button').click()]);
    s.caseId = Number(new URL(page.url()).pathname.split('/').pop());
    assert.equal(await caseState(), '已受理，待核对');
    assert.ok((await page.locator('#undeclared').innerText()).includes('收入、财产'), 'the case page names the missing parts');
    await page.locator('form.step:has(input[name=action][value=check]) button').click();
    await page.waitForLoadState();
    const refusal = await page.locator('.error-box').innerText();
    assert.ok(refusal.includes('本户尚未申报收入、财产') && refusal.includes('核对'), `the refusal names what is missing: ${refusal}`);
    assert.equal(await caseState(), '已受理，待核对', 'the check did not run');
  });

  step('2. the declaration page: a bad amount is flagged as one types, a bad line refused on its line, nothing typed lost', async () => {
    await Promise.all([page.waitForURL(/\/declaration/), page.locator('#undeclared a').click()]);
    await checkAxe(page, 'declaration page');
    const line = page.locator('tbody[data-lines=incomes] tr').first();
    await line.locator('select[name=inc_member]').selectOption({ index: 1 });
    await line.locator('select[name=inc_kind]').selectOption('wage');
    await line.locator('input[name=inc_from]').fill('2025-12');
    await line.locator('input[name=inc_until]').fill('2025-10');
    await line.locator('input[name=inc_amount]').fill('1800.555');
    assert.ok(await line.locator('input[name=inc_amount]').evaluate((el) => !el.checkValidity()), 'three decimals are flagged as one types');
    await line.locator('input[name=inc_amount]').fill('1800');
    await page.locator('input[name=none][value=assets]').check();
    await page.locator('button', { hasText: '添加一行' }).first().click();
    assert.equal(await page.locator('tbody[data-lines=incomes] tr').count(), 3, 'a line is added');
    await Promise.all([page.waitForLoadState(), page.locator('#declaration button[type=submit]').click()]);
    const lineError = await page.locator('tbody[data-lines=incomes] tr.line-error').first().innerText();
    assert.ok(lineError.includes('截止月份：不能早于起始月份'), `the line says which field and why: ${lineError}`);
    assert.equal(await page.locator('input[name=inc_amount]').first().inputValue(), '1800', 'the typed amount is kept');
    assert.equal(await page.locator('input[name=inc_from]').first().inputValue(), '2025-12');
    assert.ok(await page.locator('input[name=none][value=assets]').isChecked(), 'the tick is kept');
    await checkAxe(page, 'declaration page with an error');
    await shot(page, 'declaration-error.png', { fullPage: true });
    await page.locator('input[name=inc_until]').first().fill('2026-11');
    await Promise.all([page.waitForURL(`**/cases/${s.caseId}`), page.locator('#declaration button[type=submit]').click()]);
    assert.equal(await page.locator('#undeclared').count(), 0, 'nothing is missing any more');
  });

  step('3. 核对 runs on the declaration: its income changes the result, and the record says whose declaration', async () => {
    await page.locator('form.step:has(input[name=action][value=check]) button').click();
    await page.waitForLoadState();
    assert.equal(await caseState(), '核对不符，已出具反馈单', 'a declared wage of 1,800 yuan a month is above the standard');
    const text = await page.locator('main').innerText();
    assert.ok(text.includes('人均月收入 1800.00'), `the check used the declared income: ${text.slice(0, 600)}`);
    s.clerkName = (await page.locator('.who span').first().innerText()).split(' · ')[0];
    assert.ok(new RegExp(`申请人申报（\\d{4}-\\d{2}-\\d{2} ${s.clerkName} 录入）`).test(text), `the record names the declaration and its taker: ${text}`);
    await page.goto(`/households/${s.household}`);
    const summary = await page.locator('#declaration + section').innerText();
    assert.ok(summary.includes(`录入人 ${s.clerkName}`) && summary.includes('收入：已申报') && summary.includes('财产：申报为无'), summary);
    await page.goto(`/households/${s.household}/declaration`);
    assert.equal(await page.locator('input[name=inc_until]').first().inputValue(), '2026-11', 'twelve equal months show as one line');
    await shot(page, 'declaration.png', { fullPage: true });
  });

  step('4. on a phone the investigator reaches the declaration from the survey and it fits the screen', async () => {
    await as(s.investigator, PHONE);
    await page.goto(`/households/${s.household}/declaration`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `the declaration page fits a ${PHONE.width}px phone (${overflow}px too wide)`);
    await checkAxe(page, 'declaration page (phone)');
    await shot(page, 'declaration-phone.png', { fullPage: true });
  });
});
