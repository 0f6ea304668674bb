// 预约办理 in a real browser: on a 390×844 phone in 长辈版 a resident books a half day at the
// town's window (refused first with what is missing named, what was typed kept), keeps the
// number, finds the booking with it and the mobile number, cancels it after being asked and books
// again; the town's window clerk sees it on its day on a desktop. axe-core on every residents'
// page; screenshots for docs/user-guide.
//
// Run: cargo build -p jiuzhu && cd tests/browser && npm ci && node --test book.test.mjs

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
const s = {};

async function press(label) {
  await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: label, exact: true }).click()]);
}

describe('booking a time at the town window on a phone', { timeout: 10 * 60_000 }, () => {
  before(async () => {
    try {
      demo = await Demo.start({ households: 100, seed: 37, prefix: 'jiuzhu-book-' });
      browser = await launchBrowser();
      page = await newPage(browser, demo.baseURL, pageErrors, PHONE);
    } catch (e) {
      state.failed = true;
      state.broken = 'setting up (server, browser)';
      throw e;
    }
  });

  after(() => tearDown(browser, demo, state, pageErrors));

  step('1. in 长辈版, from the start page to the booking form; what is missing is named, the rest kept; booked', async () => {
    await page.goto('/m/');
    await Promise.all([page.waitForURL(/\/m\/$/), page.getByRole('link', { name: /长辈版/ }).click()]);
    await Promise.all([page.waitForURL(/\/m\/town/), page.getByRole('link', { name: /预约办理/ }).click()]);
    await Promise.all([page.waitForURL(/\/m\/book\?region=/), page.locator(`a.choice[href$="region=${TOWN}"]`).click()]);
    const text = await page.locator('main').innerText();
    assert.match(text, /办公时间/, 'the window and its hours');
    assert.equal(await page.locator('input[name=when]').count(), 20, 'ten working days, morning and afternoon');
    await page.locator('#name').fill('王秀英');
    await press('确认预约');
    const alert = await page.locator('.errors[role=alert]').innerText();
    assert.match(alert, /请选择要办什么事/);
    assert.match(alert, /请从列出的日期中选一个上午或下午/);
    assert.match(alert, /手机号码/);
    assert.equal(await page.locator('#name').inputValue(), '王秀英', 'kept');
    await checkAxe(page, 'booking form refused');
    await page.locator('input[name=purpose][value=materials]').check();
    const first = page.locator('input[name=when]').first();
    s.when = await first.getAttribute('value');
    await first.check();
    await page.locator('#phone').fill('13800138000');
    await page.evaluate(() => document.querySelector('input[name=when]').closest('fieldset').scrollIntoView());
    await shot('residents-book.png');
    await press('确认预约');
    s.code = (await page.locator('#booking-code').innerText()).trim();
    assert.match(s.code, /^YY\d{8}-\d{6}$/);
    assert.match(await page.locator('main').innerText(), /上午/);
    await checkAxe(page, 'booked');
  });

  step('2. found with the number and mobile; cancelled after being asked; booked again', async () => {
    await page.goto('/m/book/check');
    await page.locator('#code').fill(s.code.toLowerCase());
    await page.locator('#phone').fill('13800138001');
    await press('查询');
    assert.match(await page.locator('.errors[role=alert]').innerText(), /没有查到/);
    await page.locator('#code').fill(s.code);
    await page.locator('#phone').fill('138 0013 8000');
    await press('查询');
    const text = await page.locator('main').innerText();
    assert.match(text, /王\*英/);
    assert.match(text, /138\*\*\*\*8000/);
    await checkAxe(page, 'booking found');
    await press('取消预约');
    assert.match(await page.locator('h1').innerText(), /确定取消这个预约吗/);
    await press('确定取消');
    assert.match(await page.locator('main').innerText(), /预约已取消/);
    await Promise.all([page.waitForURL(/\/m\/book\?region=/), page.getByRole('link', { name: '重新预约' }).click()]);
    await page.locator('input[name=purpose][value=apply]').check();
    await page.locator(`input[name=when][value="${s.when}"]`).check();
    await page.locator('#name').fill('王秀英');
    await page.locator('#phone').fill('13800138000');
    await press('确认预约');
    s.code = (await page.locator('#booking-code').innerText()).trim();
  });

  step("3. the town's window clerk sees the booking on its day, the phone masked in the list", async () => {
    const desk = await newPage(browser, demo.baseURL, pageErrors, DESKTOP);
    await login(desk, demo.account((a) => a.role === 'window_clerk' && a.region === TOWN, 'the window clerk of 水洛镇'));
    await desk.goto(`/bookings?day=${s.when.split('.')[0]}`);
    const row = desk.getByRole('row', { name: new RegExp(s.code) });
    const line = await row.innerText();
    assert.match(line, /王秀英/);
    assert.match(line, /138\*\*\*\*8000/);
    assert.match(line, /已预约/);
    await Promise.all([desk.waitForURL(/\/bookings\/\d+$/), row.getByRole('link').click()]);
    const one = await desk.locator('main').innerText();
    assert.match(one, /13800138000/);
    assert.match(one, /到预约当天才能记录/);
    await shotOf(desk, 'bookings-window.png');
    await desk.close();
  });
});
