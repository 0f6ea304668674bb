// 投诉举报 in a real browser: on a 390×844 phone a resident opens 投诉举报 from the start page,
// chooses the town, is refused with every missing answer named, files an anonymous report and
// gets a 举报编号 and a PIN; the town's 举报受理员 takes it up and answers on a desktop; the
// resident, in 长辈版, reads the conclusion and the reply with the code and PIN and rates it
// 不满意 (refused without a reason first); the handler puts it right and the resident sees so;
// then the town's notice board (公示) and its way to object. axe-core on every
// residents' page; screenshots for docs/user-guide/residents.md and complaint-handler.md.
//
// Run: cargo build -p jiuzhu && cd tests/browser && npm ci && node --test report.test.mjs

import { describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DESKTOP, PHONE, Demo, checkAxe, launchBrowser, login, newPage, shot as shotOf, steps, tearDown } from './harness.mjs';

let demo;
let browser;
let page;
const pageErrors = [];
const { step, state } = steps(() => page, () => demo?.workDir);
const shot = (name, opts) => shotOf(page, name, opts);
const TOWN = '620825100';
const WHAT = '何马村三组的独居老人王某腿脚不便、没有收入，去年申请低保后一直没有结果。';
const REPLY = '经入户核查，反映属实。已为王某受理低保申请，本月内完成审核；对未及时转交材料的村干部已批评教育。';
const s = {};

async function press(label) {
  await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: label, exact: true }).click()]);
}

describe('reporting a problem on a phone, answered by the town', { timeout: 10 * 60_000 }, () => {
  before(async () => {
    try {
      demo = await Demo.start({ households: 100, seed: 29, prefix: 'jiuzhu-report-' });
      browser = await launchBrowser();
      page = await newPage(browser, demo.baseURL, pageErrors, PHONE);
    } catch (e) {
      state.failed = true;
      state.broken = 'setting up (server, browser)';
      throw e;
    }
  });

  after(() => tearDown(browser, demo, state, pageErrors));

  step('1. from the start page to the form; what is missing is named and what was typed is kept', async () => {
    await page.goto('/m/');
    await Promise.all([page.waitForLoadState('load'), page.getByRole('link', { name: /投诉举报/ }).click()]);
    assert.match(await page.locator('h1').innerText(), /发生在哪个乡镇/);
    await Promise.all([page.waitForURL(/\/m\/report\?region=/), page.locator(`a[href="/m/report?region=${TOWN}"]`).click()]);
    await page.locator('#content').fill('不给办');
    await press('提交');
    const alert = await page.locator('.errors[role=alert]').innerText();
    for (const words of ['请选择反映的问题属于哪一类', '请选择问题发生在哪个乡镇或村', '至少 10 个字', '请选择匿名反映还是实名反映']) {
      assert.ok(alert.includes(words), `${words} in ${alert}`);
    }
    assert.equal(await page.locator('#content').inputValue(), '不给办', 'kept');
    await checkAxe(page, 'report form refused');
  });

  step('2. an anonymous report is sent; the code and PIN are shown once', async () => {
    await page.goto(`/m/report?region=${TOWN}`);
    await page.locator('input[name=category][value=eligible_left_out]').check();
    await page.locator('#region').selectOption({ index: 2 });
    await page.locator('#content').fill(WHAT);
    await page.locator('input[name=anonymous][value=yes]').check();
    await checkAxe(page, 'report form');
    await shot('residents-report.png');
    await press('提交');
    s.code = (await page.locator('#report-code').innerText()).trim();
    s.pin = (await page.locator('#report-pin').innerText()).trim();
    assert.match(s.code, /^JB\d{8}-\d{6}$/);
    assert.match(s.pin, /^\d{4} \d{4}$/);
    await checkAxe(page, 'report receipt');
    await shot('residents-report-done.png');
  });

  step("3. the town's 举报受理员 takes it up and answers; the other town's never sees it", async () => {
    const desk = await newPage(browser, demo.baseURL, pageErrors, DESKTOP);
    const other = demo.account((a) => a.role === 'complaint_handler' && a.region.length === 9 && a.region !== TOWN, "the other town's handler");
    await login(desk, other);
    await desk.goto('/complaints');
    assert.doesNotMatch(await desk.locator('main').innerText(), new RegExp(s.code));
    await desk.context().clearCookies();
    const handler = demo.account((a) => a.role === 'complaint_handler' && a.region === TOWN, 'the handler of 水洛镇');
    await login(desk, handler);
    await desk.goto('/complaints');
    const row = desk.getByRole('row', { name: new RegExp(s.code) });
    assert.match(await row.innerText(), /还剩 \d+ 个工作日/);
    await shotOf(desk, 'complaints-queue.png');
    await Promise.all([desk.waitForURL(/\/complaints\/\d+$/), row.getByRole('link').click()]);
    assert.match(await desk.locator('main').innerText(), /匿名/);
    await Promise.all([desk.waitForLoadState('load'), desk.getByRole('button', { name: /受理/ }).click()]);
    await desk.locator('#finding').selectOption('substantiated');
    await desk.locator('#findings').fill('入户核查：王某独居，无收入、无赡养人；前次申请材料村里未转交乡镇。');
    await desk.locator('#reply').fill(REPLY);
    await shotOf(desk, 'complaint-answer.png');
    await Promise.all([desk.waitForLoadState('load'), desk.getByRole('button', { name: '办结并答复' }).click()]);
    const closed = await desk.locator('main').innerText();
    assert.match(closed, /已办结并答复/);
    assert.match(closed, /水洛镇举报受理员/, 'who answered, by name');
    assert.doesNotMatch(closed, /complaint_handler/, 'no account codes in the page');
    await desk.close();
  });

  step('4. in 长辈版 the resident reads the conclusion and the reply with the code and PIN', async () => {
    await page.goto('/m/report/check');
    await Promise.all([page.waitForURL(/\/m\/report\/check/), page.getByRole('link', { name: /长辈版/ }).click()]);
    await page.locator('#code').fill(s.code.toLowerCase());
    await page.locator('#pin').fill(s.pin);
    await press('查询');
    const text = await page.locator('main').innerText();
    assert.match(text, /已办结并答复/);
    assert.match(text, /反映问题属实/);
    assert.ok(text.includes(REPLY), text);
    assert.doesNotMatch(text, /前次申请材料村里未转交/, 'the findings stay inside');
    await checkAxe(page, 'report result (elderly mode)');
    await shot('residents-report-result.png');
  });

  step('4b. the reporter rates the answer 不满意 with a reason; the handler puts it right; the reporter sees it', async () => {
    // Refused without a reason: the level chosen and the page stay.
    await page.locator('input[name=level][value=dissatisfied]').check();
    await press('提交评价');
    assert.match(await page.locator('.errors[role=alert]').innerText(), /请写一写哪里不满意/);
    assert.ok(await page.locator('input[name=level][value=dissatisfied]').isChecked(), 'the level is kept');
    await page.locator('#comment').fill('答复说本月审核，可到现在还没有人上门');
    await checkAxe(page, 'rating form refused (elderly mode)');
    await press('提交评价');
    const thanks = await page.locator('main').innerText();
    assert.match(thanks, /谢谢您的评价/);
    assert.match(thanks, /\d{4}-\d{2}-\d{2} 前办完/);
    await checkAxe(page, 'rating thanks');
    await shot('residents-rated.png');

    const desk = await newPage(browser, demo.baseURL, pageErrors, DESKTOP);
    await login(desk, demo.account((a) => a.role === 'complaint_handler' && a.region === TOWN, 'the handler of 水洛镇'));
    await desk.goto('/ratings');
    const row = desk.getByRole('row', { name: new RegExp(s.code) });
    assert.match(await row.innerText(), /不满意[\s\S]*还剩 15 个工作日/);
    await Promise.all([desk.waitForURL(/\/ratings\/\d+$/), row.getByRole('link', { name: '查看' }).click()]);
    await desk.locator('#found').fill('乡镇已受理王某申请，但入户调查排期晚于答复所说的时间');
    await desk.locator('#action').fill('当天安排入户调查，审核提前到本周内完成，已电话告知');
    await desk.locator('input[name=contacted][value=no]').check();
    await shotOf(desk, 'rating-rectify.png');
    await Promise.all([desk.waitForLoadState('load'), desk.getByRole('button', { name: '整改完成' }).click()]);
    assert.match(await desk.locator('main').innerText(), /整改情况[\s\S]*未能回访/);
    await desk.close();

    await page.goto('/m/report/check');
    await page.locator('#code').fill(s.code);
    await page.locator('#pin').fill(s.pin);
    await press('查询');
    assert.match(await page.locator('#rated').innerText(), /您已评价：不满意。办理单位已核实整改/);
  });

  step("5. the town's notice board: names masked, and where to object leads to the report form", async () => {
    await page.goto(`/m/notices?region=${TOWN}`);
    const text = await page.locator('main').innerText();
    assert.match(text, /拟批准救助对象公示/);
    assert.match(text, /有异议或要举报/);
    assert.doesNotMatch(await page.content(), /(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])/, 'no ID number on the board');
    await checkAxe(page, 'notices (elderly mode)');
    await shot('residents-notices.png');
    await Promise.all([page.waitForURL(/\/m\/report\?region=/), page.getByRole('link', { name: /在网上投诉举报/ }).click()]);
  });
});
