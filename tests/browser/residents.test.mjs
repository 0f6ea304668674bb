// The residents' site in a real browser, on a 390×844 phone and on a desktop, without a staff
// login: a resident reads the policy guide of their town, self-assesses (first leaving questions
// out, then answering), changes an answer, switches to 长辈版 (large text: 24px text, 60px tap
// targets, line height ≥ 1.3 measured in the page) and to English. axe-core on every page in every
// state; no request leaves the site; screenshots for docs/residents.md.
//
// Run: cargo build -p jiuzhu && cd tests/browser && npm ci && node --test residents.test.mjs

import { describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DESKTOP, PHONE, Demo, checkAxe, launchBrowser, newPage, shot as shotOf, steps, tearDown } from './harness.mjs';

let demo;
let browser;
let page;
const pageErrors = [];
const { step, state } = steps(() => page, () => demo?.workDir);
const shot = (name, opts) => shotOf(page, name, opts);
/** Every host the pages asked for anything. */
const hosts = new Set();

async function open(p, viewport) {
  page = await newPage(browser, demo.baseURL, pageErrors, viewport);
  page.on('request', (r) => hosts.add(new URL(r.url()).host));
  return p;
}

/** Submits the page's main form and waits for the answer page. */
async function submit(label) {
  await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: label }).click()]);
}

describe("the residents' site on a phone (guide, self-assessment, elderly mode)", { timeout: 10 * 60_000 }, () => {
  before(async () => {
    try {
      demo = await Demo.start({ households: 100, seed: 17, prefix: 'jiuzhu-residents-' });
      browser = await launchBrowser();
      await open(null, PHONE);
    } catch (e) {
      state.failed = true;
      state.broken = 'setting up (server, browser)';
      throw e;
    }
  });

  after(() => tearDown(browser, demo, state, pageErrors));

  step('1. the start page needs no login and offers the guide and the self-assessment', async () => {
    await page.goto('/m/');
    assert.equal(new URL(page.url()).pathname, '/m/');
    await assert.doesNotReject(page.getByRole('link', { name: /政策指南/ }).waitFor());
    assert.equal(await page.locator('script').count(), 0, 'no script on the residents pages');
    await checkAxe(page, 'start page');
    await shot('residents-home.png');
  });

  step("2. the policy guide of the resident's town shows the standards and where they come from", async () => {
    await page.getByRole('link', { name: /政策指南/ }).click();
    await page.waitForURL(/\/m\/town/);
    await checkAxe(page, 'choose the town');
    await page.getByRole('link', { name: '水洛镇', exact: true }).click();
    await page.waitForURL(/\/m\/guide\?region=/);
    const text = await page.locator('main').innerText();
    for (const words of ['最低生活保障', '特困人员救助供养', '临时救助', '农村低保标准（每人每月）', '依据：', '要带的材料', '到哪里申请']) {
      assert.ok(text.includes(words), `the guide says ${words}`);
    }
    assert.match(text, /465\.00/, 'the rural standard the engine applies in the demo county');
    await checkAxe(page, 'policy guide');
    await shot('residents-guide.png');
  });

  step('3. the self-assessment names every unanswered question and keeps what was typed', async () => {
    await page.getByRole('link', { name: /算一算我家/ }).click();
    await page.waitForURL(/\/m\/check\?region=/);
    await page.locator('#m1_age').fill('72');
    await page.locator('#income_pension').fill('1.234');
    await submit('看看结果');
    const alert = await page.locator('.errors[role=alert]').innerText();
    for (const words of ['住在城镇还是农村：请选择一项', '退休金', '家里有几套住房', '赡养人：请选择一项']) {
      assert.ok(alert.includes(words), `the refusal names: ${words}`);
    }
    assert.equal(await page.locator('#m1_age').inputValue(), '72', 'the typed age is kept');
    assert.equal(await page.locator('#income_pension').getAttribute('aria-invalid'), 'true');
    await checkAxe(page, 'self-assessment with errors');
  });

  step('4. answered, it says which programmes may apply, why, and that it is not a decision', async () => {
    await page.getByLabel('农村（住在村里）').check();
    await page.locator('#m1_care').selectOption('partial');
    await page.locator('#income_pension').fill('100');
    await page.locator('#homes').fill('1');
    await page.getByLabel('没有', { exact: true }).check();
    await submit('看看结果');
    const text = await page.locator('main').innerText();
    assert.ok(text.includes('这不是审批结果'), 'not a decision');
    assert.match(text, /最低生活保障\s*✔ 可能符合/);
    assert.match(text, /特困人员救助供养\s*✔ 可能符合/);
    assert.ok(text.includes('家庭经济状况核对授权书'), 'what to bring');
    for (const summary of await page.locator('.result details summary').all()) await summary.click();
    assert.ok((await page.locator('main').innerText()).includes('您本人'), 'reasons speak of people, not ids');
    await checkAxe(page, 'self-assessment result');
    await shot('residents-check-result.png', { fullPage: true });
  });

  step('5. changing an answer brings the form back as it was', async () => {
    await submit('修改我填的内容');
    assert.equal(await page.locator('#m1_age').inputValue(), '72');
    assert.equal(await page.locator('#m1_care').inputValue(), 'partial');
    assert.ok(await page.getByLabel('农村（住在村里）').isChecked());
  });

  step('6. 长辈版: 24px text, tap targets of 60px, line height at least 1.3, on every page', async () => {
    // On the form the switch is a button of the form: every answer stays.
    await submit('长辈版（大字）');
    assert.equal(await page.evaluate(() => document.body.className), 'public elder');
    assert.equal(await page.locator('#m1_age').inputValue(), '72', 'the answers survive the switch');
    assert.equal(await page.locator('#m1_care').inputValue(), 'partial');
    for (const url of ['/m/', '/m/town?next=guide', '/m/guide?region=620825100', '/m/check?region=620825100']) {
      await page.goto(url);
      const m = await page.evaluate(() => {
        const body = getComputedStyle(document.body);
        const small = [];
        for (const el of document.querySelectorAll('header a, main a.choice, main a.tile, main a.button, button, select, input:not([type=hidden]), summary, label.check')) {
          const r = el.getBoundingClientRect();
          if (r.width === 0 || r.height === 0) continue; // inside a closed <details>
          const target = el.matches('input[type=checkbox], input[type=radio]') ? el.closest('label') : el;
          const h = target.getBoundingClientRect().height;
          if (h < 60) small.push(`${el.tagName} ${el.getAttribute('name') || el.textContent.trim().slice(0, 12)} ${Math.round(h)}px`);
        }
        return { font: parseFloat(body.fontSize), line: parseFloat(body.lineHeight) / parseFloat(body.fontSize), small };
      });
      assert.ok(m.font >= 24, `${url}: body text ${m.font}px`);
      assert.ok(m.line >= 1.3, `${url}: line height ${m.line}`);
      assert.deepEqual(m.small, [], `${url}: tap targets under 60px`);
      await checkAxe(page, `elderly mode ${url}`);
    }
    await page.goto('/m/');
    await shot('residents-elder-home.png');
    await page.goto('/m/guide?region=620825100');
    await shot('residents-elder-guide.png');
  });

  step('7. English on the same pages, and back to standard text', async () => {
    await page.getByRole('link', { name: 'English' }).click();
    await page.waitForLoadState('load');
    const text = await page.locator('main').innerText();
    assert.ok(text.includes('Who may apply') && text.includes('Where to apply'), 'the guide in English');
    await checkAxe(page, 'policy guide in English');
    await page.getByRole('link', { name: 'Standard text' }).click();
    await page.waitForLoadState('load');
    assert.equal(await page.evaluate(() => document.body.className), 'public');
    await page.getByRole('link', { name: '中文' }).click();
    await page.waitForLoadState('load');
  });

  step('8. on a desktop the same pages read as well', async () => {
    await page.context().close();
    await open(null, DESKTOP);
    await page.goto('/m/guide?region=620825100');
    await checkAxe(page, 'policy guide on a desktop');
    await shot('residents-guide-desktop.png');
  });

  step('9. nothing was asked of any other site', async () => {
    const site = new URL(demo.baseURL).host;
    assert.deepEqual([...hosts].filter((h) => h !== site), [], 'no third-party request');
    assert.deepEqual(pageErrors, [], 'no page errors');
  });
});
