// End-to-end test of casework in a real browser, on the demo: one 低保 application goes from
// intake to approval through four roles (window clerk → investigator on a phone, with a photo →
// town reviewer → county approver), the medical referral taken at the same intake is answered by
// the department liaison, and one application is stopped at 核对 with a feedback slip.
// The 7-day public notice ends by the casework tick, run from the command line as of 8 days on.
//
// Run: cargo build -p jiuzhu && cd tests/browser && npm ci && node --test casework.test.mjs

import { describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Demo, PHONE, apiLogin, apiRequest, assertNoFullIds, checkAxe, launchBrowser, login, newPage, shot, steps, tearDown } from './harness.mjs';

const HOUSEHOLDS = process.env.JIUZHU_HOUSEHOLDS || '1000';
const SEED = process.env.JIUZHU_SEED || '7';
// A 1×1 PNG: what an investigator's phone would upload, in miniature.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==', 'base64');

let demo;
let browser;
let page; // the page of whoever acts now
const errors = [];
const s = {};
const { step, state } = steps(() => page, () => demo?.workDir);

/** A page of its own for `account` (each role in its own browser context). */
async function as(account, viewport) {
  page = await newPage(browser, demo.baseURL, errors, viewport);
  await login(page, account);
  return page;
}

const api = (session, method, path, body) => apiRequest(demo.baseURL, session, method, path, body);

/** The case page's step text (the badge beside the title). */
async function caseState() {
  return (await page.locator('h1 .state').textContent()).trim();
}

function addDays(d, n) {
  const x = new Date(`${d}T00:00:00Z`);
  x.setUTCDate(x.getUTCDate() + n);
  return x.toISOString().slice(0, 10);
}

describe('casework in a real browser: four roles, a referral, a feedback slip', { timeout: 20 * 60_000 }, () => {
  before(async () => {
    try {
      demo = await Demo.start({ households: HOUSEHOLDS, seed: SEED, prefix: 'jiuzhu-casework-' });
      browser = await launchBrowser();
      const town = (role) => demo.account((a) => a.role === role && /^\d{9}$/.test(a.region) && !a.username.endsWith('_2'), `a town ${role}`);
      s.clerk = town('window_clerk');
      s.investigator = demo.account((a) => a.role === 'investigator' && a.region === s.clerk.region && !a.username.endsWith('_2'), 'an investigator of the clerk\'s town');
      s.reviewer = demo.account((a) => a.role === 'town_reviewer' && a.region === s.clerk.region && !a.username.endsWith('_2'), 'a town reviewer');
      s.approver = demo.account((a) => a.role === 'county_approver', 'a county approver');
      s.liaison = demo.account((a) => a.username === 'department_liaison_county', 'the medical security liaison');
    } catch (e) {
      state.failed = true;
      state.broken = 'setting up (server, browser)';
      throw e;
    }
  });

  after(() => tearDown(browser, demo, state, errors));

  step('0. finds, in the clerk\'s town, a household the policy engine finds eligible for 低保 and one it does not', async () => {
    const session = await apiLogin(demo.baseURL, s.clerk);
    const list = await api(session, 'GET', '/api/v1/households');
    assert.equal(list.status, 200, 'GET /api/v1/households');
    for (const h of list.json.items) {
      if (s.poor && s.rich) break;
      const open = await api(session, 'GET', `/api/v1/households/${h.id}/cases`);
      if (open.json.some((c) => c.state !== 'closed' && c.state !== 'rejected' && c.state !== 'answered')) continue;
      const a = await api(session, 'POST', `/api/v1/households/${h.id}/assessments`, {});
      assert.equal(a.status, 201, `assessing household ${h.id}: ${JSON.stringify(a.json)}`);
      const dibao = a.json.result.programmes.find((p) => p.programme === 'dibao');
      if (!s.poor && dibao.status === 'eligible') s.poor = h;
      else if (!s.rich && dibao.status === 'not_eligible' && a.json.result.household.per_capita_monthly_income > 100_000) s.rich = h;
    }
    assert.ok(s.poor && s.rich, `found an eligible (${s.poor?.id}) and an ineligible (${s.rich?.id}) household without open cases`);
  });

  step('1. the window clerk takes 低保 and 医疗救助 at one intake, all materials in', async () => {
    await as(s.clerk);
    await page.goto(`/households/${s.poor.id}`);
    await checkAxe(page, 'household page (clerk)');
    await page.locator('a', { hasText: '受理救助申请' }).click();
    await page.waitForURL(`**/households/${s.poor.id}/intake`);
    await page.locator('input[name=kind][value=dibao]').check();
    await page.locator('input[name=kind][value=medical]').check();
    assert.ok(await page.locator('label.material:has(input[value=medical_bills])').first().isVisible(), 'the medical bills are asked for once 医疗救助 is ticked');
    for (const box of await page.locator('label.material:not([hidden]) input[name=received]').all()) await box.check();
    await page.locator('textarea[name=request]').fill('户主患慢性病，家庭收入低，申请低保；住院自付费用较高，申请医疗救助');
    await shot(page, 'intake.png', { fullPage: true });
    await checkAxe(page, 'intake form');
    await Promise.all([page.waitForURL(/\/cases\/\d+/), page.locator('form.intake button').click()]);
    s.caseId = Number(new URL(page.url()).pathname.split('/').pop());
    assert.equal(await caseState(), '已受理，待核对', 'the case is accepted: materials complete');
    assert.ok(await page.locator('a', { hasText: '受理通知书' }).isVisible(), 'the acceptance notice is offered');
    const notice = await page.context().request.get(`/cases/${s.caseId}/documents/acceptance`);
    const said = await notice.text();
    assert.ok(said.includes('最低生活保障：已受理') && said.includes('医疗救助：已转介医疗保障局办理'), 'one 受理通知书 for the intake lists both kinds');
    assert.match(said, /咨询电话：0933-60\d{5}（.+社会救助窗口（演示号码））/, 'the notice gives the town window\'s phone');
  });

  step('2. the clerk runs the economic check: passed, and it names the department data it compared', async () => {
    await page.locator('form.step:has(input[name=action][value=check]) button').click();
    await page.waitForLoadState();
    assert.equal(await caseState(), '入户调查');
    const text = await page.locator('main').innerText();
    assert.ok(text.includes('家庭经济状况核对') && text.includes('符合'), 'the check is recorded as passed');
    assert.ok(/部门数据（有本户记录 \d+ 条）：公安·户籍人口/.test(text), 'the record names the department rows it used');
    assert.ok(text.includes('部门数据（已比对，无本户记录）'), 'and the feeds it compared without a row about the household');
    assertNoFullIds(await page.content(), 'case page');
    await checkAxe(page, 'case page after the check');
  });

  step('3. an investigator on a phone uploads a photo and records the survey with a second investigator', async () => {
    await as(s.investigator, PHONE);
    await page.goto('/cases');
    assert.ok(await page.locator(`a[href="/cases/${s.caseId}"]`).isVisible(), 'the case is in the investigator\'s queue');
    await checkAxe(page, 'investigator queue (phone)');
    await page.goto(`/cases/${s.caseId}/survey`);
    await page.locator('input[type=file][name=photo]').setInputFiles({ name: 'kitchen.png', mimeType: 'image/png', buffer: PNG });
    await page.locator('input[name=caption]').fill('厨房');
    // The page sends the photo itself (shrunk) and reloads when it is kept.
    await Promise.all([page.waitForEvent('load'), page.locator('form[enctype] button').click()]);
    await page.waitForSelector('ul.photos img');
    assert.equal(await page.locator('ul.photos img').count(), 1, 'the photo is kept and shown');
    const second = await page.locator('select[name=co_investigator_id] option').nth(1).getAttribute('value');
    await page.locator('select[name=co_investigator_id]').selectOption(second);
    await page.locator('textarea[name=living_conditions]').fill('土木结构平房三间，家具简陋');
    await page.locator('textarea[name=findings]').fill('家庭收入和财产与申报一致，生活困难属实');
    assert.equal(await page.locator('input[name=declared_matches]:checked').count(), 0, 'nothing is preselected: the investigator chooses');
    await page.locator('input[name=declared_matches][value=yes]').check();
    for (const sel of await page.locator('select[name^=self_care_]').all()) await sel.selectOption({ index: 1 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `the survey form fits a ${PHONE.width}px phone (${overflow}px too wide)`);
    await shot(page, 'survey-phone.png', { fullPage: true });
    await checkAxe(page, 'survey form (phone)');
    await Promise.all([page.waitForURL(/\/cases\?surveyed=/), page.locator('form.phone.card button').click()]);
    await page.goto(`/cases/${s.caseId}`);
    assert.equal(await caseState(), '乡镇审核');
  });

  step('4. the town reviewer agrees with the computed amount: the case goes on public notice, names masked', async () => {
    await as(s.reviewer);
    await page.goto(`/cases/${s.caseId}`);
    await checkAxe(page, 'case page (town reviewer)');
    await page.locator('form.step:has(input[name=action][value=town_decision]) textarea[name=opinion]').fill('经入户调查属实，同意纳入低保');
    assert.equal(await page.locator('input[name=approve]:checked').count(), 0, 'no 同意 preselected: the reviewer chooses');
    await page.locator('form.step:has(input[name=action][value=town_decision]) input[name=approve][value=yes]').check();
    await page.locator('form.step:has(input[name=action][value=town_decision]) button').click();
    await page.waitForLoadState();
    assert.equal(await caseState(), '公示中');
    await page.goto('/publicity');
    const rows = await page.locator('table.list tbody tr').allInnerTexts();
    const head = s.poor.head_name;
    const masked = head.length === 2 ? `${head[0]}*` : `${head[0]}${'*'.repeat(head.length - 2)}${head[head.length - 1]}`;
    assert.ok(rows.some((r) => r.includes(masked) && r.includes('最低生活保障')), `the notice lists ${masked}: ${rows.join(' | ')}`);
    assert.ok(!(await page.content()).includes(head), 'the full name is not on the public notice');
    assert.ok((await page.locator('article.paper').innerText()).includes('监督举报电话：12345'), 'the notice gives the complaints hotline');
    assertNoFullIds(await page.content(), 'public notice');
    await shot(page, 'publicity.png', { fullPage: true });
    await checkAxe(page, 'public notice list');
  });

  step('5. the casework tick ends the 7-day notice (run as of 8 days on)', async () => {
    // The server's day is Beijing's (UTC+8), not this machine's UTC date.
    const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
    const out = JSON.parse(demo.cli('casework', 'tick', '--date', addDays(today, 8)).trim().split('\n').pop());
    assert.ok(out.publicity_ended >= 1, `the tick ended the notice: ${JSON.stringify(out)}`);
  });

  step('6. the county approver decides: approved, paid from next month, shown on the household page', async () => {
    await as(s.approver);
    await page.goto('/cases');
    assert.ok(await page.locator(`a[href="/cases/${s.caseId}"]`).isVisible(), 'the case is in the approver\'s queue');
    await shot(page, 'queue.png', { fullPage: true });
    await checkAxe(page, 'approver queue');
    await page.goto(`/cases/${s.caseId}`);
    await shot(page, 'case-decision.png', { fullPage: true });
    await checkAxe(page, 'case page (county approver)');
    if (await page.locator('form.step:has(input[name=action][value=spot_check])').count()) {
      await page.locator('form.step:has(input[name=action][value=spot_check]) textarea').fill('入户核查，情况属实');
      await page.locator('form.step:has(input[name=action][value=spot_check]) button').click();
      await page.waitForLoadState();
    }
    page.once('dialog', (d) => d.accept());
    await page.locator('form.step:has(input[name=action][value=approve]) button').click();
    await page.waitForLoadState();
    assert.equal(await caseState(), '已批准');
    const text = await page.locator('main').innerText();
    assert.match(text, /自 \d{4}-\d{2}-01 起发放/, 'paid from the first day of the next month');
    const roles = await page.locator('table.timeline tbody tr td:nth-child(3)').allInnerTexts();
    for (const r of ['受理员', '入户调查员', '乡镇审核员', '县级审批员', '系统']) {
      assert.ok(roles.includes(r), `the timeline has a step by ${r}: ${roles.join(', ')}`);
    }
    await page.goto(`/households/${s.poor.id}`);
    const benefits = await page.locator('h2:has-text("享受救助情况") + table tbody').innerText();
    assert.ok(benefits.includes('最低生活保障') && benefits.includes('在保'), `the household page shows the benefit: ${benefits}`);
    await checkAxe(page, 'household page with a benefit');
  });

  step('7. the medical security liaison answers the referral taken at the same intake', async () => {
    await as(s.liaison);
    const session = await apiLogin(demo.baseURL, s.liaison);
    const queue = await api(session, 'GET', '/api/v1/cases?bucket=todo');
    const referral = queue.json.cases.find((c) => c.household_id === s.poor.id && c.kind === 'medical');
    assert.ok(referral, 'the referral is in the liaison\'s queue');
    await page.goto(`/cases/${referral.id}`);
    await page.locator('form.step:has(input[name=action][value=accept_referral]) button').click();
    await page.waitForLoadState();
    await page.locator('form.step:has(input[name=action][value=answer_referral]) textarea[name=answer]').fill('住院自付部分按规定给予医疗救助');
    await page.locator('form.step:has(input[name=action][value=answer_referral]) input[name=granted][value=yes]').check();
    await page.locator('form.step:has(input[name=action][value=answer_referral]) button').click();
    await page.waitForLoadState();
    assert.equal(await caseState(), '部门已答复');
    await checkAxe(page, 'referral case page (liaison)');
  });

  step('8. an application the check finds clearly ineligible stops with a feedback slip', async () => {
    await as(s.clerk);
    await page.goto(`/households/${s.rich.id}/intake`);
    await page.locator('input[name=kind][value=dibao]').check();
    for (const box of await page.locator('label.material:not([hidden]) input[name=received]').all()) await box.check();
    await page.locator('textarea[name=request]').fill('申请低保');
    await Promise.all([page.waitForURL(/\/cases\/\d+/), page.locator('form.intake button').click()]);
    await page.locator('form.step:has(input[name=action][value=check]) button').click();
    await page.waitForLoadState();
    assert.equal(await caseState(), '核对不符，已出具反馈单');
    const id = new URL(page.url()).pathname.split('/').pop();
    await page.goto(`/cases/${id}/documents/feedback`);
    const slip = await page.locator('article.paper').innerText();
    assert.ok(slip.includes('核对反馈单') && slip.includes('不符合最低生活保障条件'), 'the slip says the household does not qualify');
    assert.ok(slip.includes('如对核对结果有异议'), 'the slip says how to object');
    await shot(page, 'feedback-slip.png', { fullPage: true });
    await checkAxe(page, 'feedback slip');
  });

  step('9. no page threw a JavaScript error', () => {
    assert.deepEqual(errors, []);
  });
});
