// 在线咨询 in a real browser: on a 390×844 phone a resident asks the town's window (refused first
// with what is missing named), keeps the code and PIN; the town's window clerk answers on a
// desktop; the resident, in 长辈版, reads the answer signed by the town's window and closes the
// question. axe-core on every residents' page; screenshots for docs/user-guide.
//
// Run: cargo build -p jiuzhu && cd tests/browser && npm ci && node --test ask.test.mjs

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
const QUESTION = '我今年六十五岁，一个人住，只有每月一百多元的养老金，能申请低保吗？';
const ANSWER = '可以申请。请带户口本和身份证到镇社会救助窗口，行动不便的可以请村里代办。';
const s = {};

async function press(label) {
  await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: label, exact: true }).click()]);
}

describe('asking the town a question on a phone', { timeout: 10 * 60_000 }, () => {
  before(async () => {
    try {
      demo = await Demo.start({ households: 100, seed: 31, prefix: 'jiuzhu-ask-' });
      browser = await launchBrowser();
      page = await newPage(browser, demo.baseURL, pageErrors, PHONE);
    } catch (e) {
      state.failed = true;
      state.broken = 'setting up (server, browser)';
      throw e;
    }
  });

  after(() => tearDown(browser, demo, state, pageErrors));

  step('1. from the start page to the question; what is missing is named, the text kept; sent', async () => {
    await page.goto('/m/');
    await Promise.all([page.waitForURL(/\/m\/town/), page.getByRole('link', { name: /在线咨询/ }).click()]);
    await Promise.all([page.waitForURL(/\/m\/ask\?region=/), page.locator(`a.choice[href$="region=${TOWN}"]`).click()]);
    await page.locator('#body').fill('低保');
    await press('提交问题');
    const alert = await page.locator('.errors[role=alert]').innerText();
    assert.match(alert, /请选择想问哪方面的事/);
    assert.equal(await page.locator('#body').inputValue(), '低保', 'kept');
    await checkAxe(page, 'question form refused');
    await page.locator('input[name=topic][value=eligibility]').check();
    await page.locator('#body').fill(QUESTION);
    await shot('residents-ask.png');
    await press('提交问题');
    s.code = (await page.locator('#ask-code').innerText()).trim();
    s.pin = (await page.locator('#ask-pin').innerText()).replace(/\s/g, '');
    assert.match(s.code, /^ZX\d{8}-\d{6}$/);
    await checkAxe(page, 'question sent');
  });

  step("2. the town's window clerk answers it", async () => {
    const desk = await newPage(browser, demo.baseURL, pageErrors, DESKTOP);
    await login(desk, demo.account((a) => a.role === 'window_clerk' && a.region === TOWN, 'the window clerk of 水洛镇'));
    await desk.goto('/questions');
    const row = desk.getByRole('row', { name: new RegExp(s.code) });
    assert.match(await row.innerText(), /还剩 \d+ 个工作日/);
    await Promise.all([desk.waitForURL(/\/questions\/\d+$/), row.getByRole('link').click()]);
    await desk.locator('#answer').fill(ANSWER);
    await shotOf(desk, 'question-answer.png');
    await Promise.all([desk.waitForLoadState('load'), desk.getByRole('button', { name: '答复', exact: true }).click()]);
    assert.match(await desk.locator('main').innerText(), /已答复/);
    await desk.close();
  });

  step('3. in 长辈版 the resident reads the answer signed by the window, then closes the question', async () => {
    await page.goto('/m/ask/check');
    await Promise.all([page.waitForURL(/\/m\/ask\/check/), page.getByRole('link', { name: /长辈版/ }).click()]);
    await page.locator('#code').fill(s.code);
    await page.locator('#pin').fill(s.pin);
    await press('查询');
    const text = await page.locator('main').innerText();
    assert.ok(text.includes(ANSWER), text);
    assert.match(text, /社会救助窗口/);
    assert.doesNotMatch(text, /window_clerk/, 'no account codes');
    await checkAxe(page, 'question thread (elderly mode)');
    await shot('residents-ask-thread.png');
    await press('问题已解决，结束咨询');
    assert.match(await page.locator('main').innerText(), /咨询已结束/);
    await checkAxe(page, 'question closed');
  });
});
