// The month's payment run (issue 16), in a real browser on the demo: the finance officer generates
// next month's payrolls and clears the blocked lines; a second finance officer reviews; the county
// approver approves with the password; the officer downloads the bank file and uploads the bank's
// answer (one failure, 户名不符), and sees the payroll reconciled. Screenshots and axe on each page.
//
// Run: cargo build -p jiuzhu && cd tests/browser && npm ci && node --test payments.test.mjs

import { describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Demo, PHONE, checkAxe, launchBrowser, login, newPage, shot, steps, tearDown } from './harness.mjs';

const HOUSEHOLDS = process.env.JIUZHU_HOUSEHOLDS || '300';
const SEED = process.env.JIUZHU_SEED || '7';

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

/** Next month, `YYYY-MM`, in Beijing (the server's day). */
function nextMonth() {
  const now = new Date(Date.now() + 8 * 3600_000);
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

describe('the month\'s payment run: generate, clear, review, approve, bank file, bank answer', { timeout: 15 * 60_000 }, () => {
  before(async () => {
    try {
      demo = await Demo.start({ households: HOUSEHOLDS, seed: SEED, prefix: 'jiuzhu-payments-' });
      browser = await launchBrowser();
      s.finance = demo.account((a) => a.username === 'finance_officer_county', 'the finance officer');
      s.checker = demo.account((a) => a.username === 'finance_officer_county_2', 'a second finance officer');
      s.approver = demo.account((a) => a.role === 'county_approver', 'a county approver');
    } catch (e) {
      state.failed = true;
      state.broken = 'setting up (server, browser)';
      throw e;
    }
  });

  after(() => tearDown(browser, demo, state, errors));

  step('1. the finance officer lands on the payrolls and generates next month: a bad month is named, then the payrolls appear', async () => {
    await as(s.finance);
    assert.equal(new URL(page.url()).pathname, '/payrolls');
    const month = nextMonth();
    await page.locator('#generate input[name=month]').fill(month);
    await Promise.all([page.waitForURL(/\/payrolls\?month=/), page.locator('#generate button').click()]);
    const rows = page.locator('#payrolls tbody tr[data-payroll]');
    assert.equal(await rows.count(), 4, 'one payroll per programme (the care allowance its own)');
    const dibao = page.locator('#payrolls tbody tr', { hasText: '最低生活保障金' });
    s.id = await dibao.getAttribute('data-payroll');
    assert.ok(Number(await dibao.locator('td.num').first().textContent()) > 0, 'the migrated recipients are paid');
    await checkAxe(page, 'payrolls');
    await shot(page, 'payrolls.png', { fullPage: true });
  });

  step('2. the blocked lines: a reason that must be fixed at its source is cancelled with a note; then none is left', async () => {
    await page.goto(`/payrolls/${s.id}`);
    await checkAxe(page, 'payroll with blocked lines');
    await shot(page, 'payroll-blocked.png', { fullPage: true });
    // An empty note is refused by the form before anything is sent.
    let forms = page.locator('#blocked form');
    const n = await forms.count();
    assert.ok(n > 0, 'the demo has households without a usable account');
    for (let i = 0; i < n; i++) {
      const form = page.locator('#blocked form').first();
      await form.locator('input[name=note]').fill('无有效账号，已通知村协理员补录，下月补发');
      await Promise.all([page.waitForNavigation(), form.locator('button[value=cancel]').click()]);
    }
    forms = page.locator('#blocked form');
    assert.equal(await forms.count(), 0);
    assert.match(await page.locator('#payroll-facts').textContent(), /待处理\s*0/);
  });

  step('3. the same officer cannot review their own payroll; the second officer reviews it', async () => {
    await page.locator('#review button').click();
    await page.waitForLoadState('load');
    assert.match(await page.locator('p.error').textContent(), /不能再审核或审批/);
    await as(s.checker);
    await page.goto(`/payrolls/${s.id}`);
    await page.locator('#review input[name=note]').fill('已核对各镇名单');
    await Promise.all([page.waitForNavigation(), page.locator('#review button').click()]);
    assert.match(await page.locator('#payroll-facts').textContent(), /已审核/);
  });

  step('4. the county approver approves with the password (a wrong one refused, nothing typed lost)', async () => {
    await as(s.approver);
    await page.goto(`/payrolls/${s.id}`);
    await page.locator('#approve input[name=note]').fill('同意发放');
    await page.locator('#approve input[name=password]').fill('wrong-password');
    await Promise.all([page.waitForNavigation(), page.locator('#approve button[value=approve]').click()]);
    assert.match(await page.locator('p.error').textContent(), /密码不正确/);
    assert.equal(await page.locator('#approve input[name=note]').inputValue(), '同意发放', 'the note survives the refusal');
    await page.locator('#approve input[name=password]').fill(s.approver.password);
    await Promise.all([page.waitForNavigation(), page.locator('#approve button[value=approve]').click()]);
    assert.match(await page.locator('#payroll-facts').textContent(), /已审批/);
    assert.ok(await page.locator('#by-fund').count(), 'the payment orders by fund');
    await checkAxe(page, 'approved payroll');
  });

  step('5. the officer downloads the bank file after the password, once; uploads the bank\'s answer; the payroll is reconciled', async () => {
    await as(s.finance);
    await page.goto(`/payrolls/${s.id}`);
    await page.locator('#export select[name=layout]').selectOption('csv-utf8');
    await page.locator('#export input[name=password]').fill(s.finance.password);
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#export button').click()]);
    const file = path.join(demo.workDir, 'bank.csv');
    await download.saveAs(file);
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
    assert.equal(lines[0], 'reference,name,id_number,account,amount,memo');
    assert.ok(lines.length > 2);
    // The bank pays all but the first (户名不符).
    const ret = ['reference,account,amount,result,reason'];
    lines.slice(1).forEach((l, i) => {
      const [reference, , , account, amount] = l.split(',');
      ret.push(`${reference},${account},${amount},${i === 0 ? '失败' : '成功'},${i === 0 ? '户名不符' : ''}`);
    });
    const back = path.join(demo.workDir, 'return.csv');
    fs.writeFileSync(back, ret.join('\n') + '\n');
    await page.goto(`/payrolls/${s.id}`);
    assert.equal(await page.locator('#export').count(), 0, 'the bank file is handed out once');
    await page.locator('#returns input[type=file]').setInputFiles(back);
    await Promise.all([page.waitForNavigation(), page.locator('#returns button').click()]);
    assert.match(await page.locator('p.notice').textContent(), new RegExp(`到账 ${lines.length - 2} 笔，失败 1 笔`));
    assert.match(await page.locator('#payroll-facts').textContent(), /已对账/);
    assert.match(await page.locator('#failed').textContent(), /户名不符/);
    await checkAxe(page, 'reconciled payroll');
    await shot(page, 'payroll-reconciled.png', { fullPage: true });
    // The same file again changes nothing.
    await page.locator('#returns input[type=file]').setInputFiles(back);
    await Promise.all([page.waitForNavigation(), page.locator('#returns button').click()]);
    assert.match(await page.locator('p.notice').textContent(), /已导入过，未作任何更改/);
  });

  step('6. the officer prints the 发放名单公示: names masked, no account or ID number', async () => {
    await page.goto(`/payrolls/${s.id}`);
    await Promise.all([page.waitForNavigation(), page.locator('#publicity-link').click()]);
    const notice = await page.locator('#payment-notice').textContent();
    assert.match(notice, /发放名单公示/);
    assert.match(notice, /[\u4e00-\u9fa5]\*+[\u4e00-\u9fa5]?/, 'masked names');
    assert.doesNotMatch(await page.content(), /\d{17}[\dX]|\d{16,19}/, 'no ID number or account on the notice');
    await checkAxe(page, 'payment notice');
    await shot(page, 'payroll-publicity.png');
  });

  step('7. the approver opens the household of the failed line: its 发放记录 says why', async () => {
    await as(s.approver);
    await page.goto(`/payrolls/${s.id}`);
    await Promise.all([page.waitForNavigation(), page.locator('#failed a[href^="/households/"]').first().click()]);
    s.household = new URL(page.url()).pathname.split('/')[2];
    const history = page.locator('#payments + table');
    assert.match(await history.textContent(), /发放失败[\s\S]*户名不符/);
    assert.doesNotMatch(await history.textContent(), /\d{16,19}/, 'accounts masked');
    await checkAxe(page, 'household payments');
    await page.locator('#payments').scrollIntoViewIfNeeded();
    await shot(page, 'household-payments.png');
  });

  step('8. on a phone the payroll page fits the screen', async () => {
    await as(s.finance, PHONE);
    await page.goto(`/payrolls/${s.id}`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 1, `no sideways scrolling of the page (${overflow}px)`);
  });

  step('9. the approver records a fraud decision (a field named, nothing typed lost), the officer records a refund', async () => {
    await as(s.approver);
    await page.goto('/receivables');
    await page.locator('#fraud input[name=household_id]').fill(s.household);
    await page.locator('#fraud select[name=programme]').selectOption('dibao');
    await page.locator('#fraud input[name=amount]').fill('1200.555');
    await page.locator('#fraud textarea[name=note]').fill('庄民发〔2027〕3号：隐瞒经营收入');
    await page.locator('#fraud input[name=password]').fill(s.approver.password);
    await Promise.all([page.waitForNavigation(), page.locator('#fraud button').click()]);
    assert.match(await page.locator('p.error').textContent(), /金额/);
    assert.equal(await page.locator('#fraud textarea[name=note]').inputValue(), '庄民发〔2027〕3号：隐瞒经营收入', 'nothing typed is lost');
    await page.locator('#fraud input[name=amount]').fill('1200.00');
    await page.locator('#fraud input[name=password]').fill(s.approver.password);
    await Promise.all([page.waitForNavigation(), page.locator('#fraud button').click()]);
    const row = page.locator('#receivables tbody tr[data-receivable]').first();
    assert.match(await row.textContent(), /骗取社会救助资金[\s\S]*1,?200\.00/);
    await as(s.finance);
    await page.goto('/receivables');
    const form = page.locator('#receivables form').first();
    await form.locator('input[name=amount]').fill('200');
    await form.locator('input[name=memo]').fill('缴款书 0001');
    await Promise.all([page.waitForNavigation(), form.locator('button').click()]);
    assert.match(await page.locator('#receivables tbody tr[data-receivable]').first().textContent(), /1,?000\.00/);
    await checkAxe(page, 'receivables');
    await shot(page, 'receivables.png', { fullPage: true });
  });

  step('10. the county sets up a town\'s standby fund; the town pays 先行救助 out of it within the limit; the county replenishes it', async () => {
    const reviewer = demo.account((a) => a.role === 'town_reviewer' && a.region.length === 9 && !a.username.endsWith('_2'), 'a town reviewer');
    await as(s.finance);
    await page.goto('/standby');
    await page.locator('#new-fund input[name=town]').fill(reviewer.region);
    await page.locator('#new-fund input[name=imprest]').fill('50000');
    await page.locator('#new-fund input[name=payment_limit]').fill('5000');
    await Promise.all([page.waitForNavigation(), page.locator('#new-fund button').click()]);
    const fund = page.locator(`section[data-town="${reviewer.region}"]`);
    assert.match(await fund.locator('.cash').textContent(), /50,?000\.00/);
    await as(reviewer);
    await page.goto('/households');
    const hrefs = await page.locator('a[href^="/households/"]').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    const household = hrefs.map((h) => h.match(/^\/households\/(\d+)$/)).find(Boolean)[1];
    await page.goto('/standby');
    await page.locator('#advance input[name=household_id]').fill(household);
    await page.locator('#advance input[name=amount]').fill('6000');
    await page.locator('#advance textarea[name=reason]').fill('房屋失火，生活无着，先行救助');
    await Promise.all([page.waitForNavigation(), page.locator('#advance button').click()]);
    assert.match(await page.locator('p.error').textContent(), /超过单笔限额/);
    assert.equal(await page.locator('#advance textarea[name=reason]').inputValue(), '房屋失火，生活无着，先行救助', 'nothing typed is lost');
    await page.locator('#advance input[name=amount]').fill('3000');
    await Promise.all([page.waitForNavigation(), page.locator('#advance button').click()]);
    const mine = page.locator(`section[data-town="${reviewer.region}"]`);
    assert.match(await mine.locator('.cash').textContent(), /47,?000\.00/);
    assert.match(await mine.locator('tbody').textContent(), /待报账/);
    await checkAxe(page, 'standby fund (town)');
    await as(s.finance);
    await page.goto('/standby');
    const form = page.locator(`section[data-town="${reviewer.region}"] form.replenish`);
    await form.locator('input[name=password]').fill(s.finance.password);
    await Promise.all([page.waitForNavigation(), form.locator('button').click()]);
    const after = page.locator(`section[data-town="${reviewer.region}"]`);
    assert.match(await after.locator('.cash').textContent(), /50,?000\.00/);
    assert.match(await after.locator('.outstanding').textContent(), /^0/);
    await checkAxe(page, 'standby fund (county)');
    await shot(page, 'standby.png', { fullPage: true });
  });
  step('11. the county approver checks a rise of the standard reaching back, then applies it with the password', async () => {
    await as(s.approver);
    await page.goto('/rises');
    const now = new Date(Date.now() + 8 * 3600_000);
    const first = `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
    await page.locator('#rise select[name=programme]').selectOption('dibao');
    await page.locator('#rise input[name=from_month]').fill(first);
    await page.locator('#rise input[name=per_person]').fill('2O');
    await page.locator('#rise input[name=notice]').fill('甘民发〔2027〕5号');
    await Promise.all([page.waitForNavigation(), page.locator('#rise button').click()]);
    assert.match(await page.locator('p.error').textContent(), /金额/);
    assert.equal(await page.locator('#rise input[name=notice]').inputValue(), '甘民发〔2027〕5号', 'nothing typed is lost');
    await page.locator('#rise input[name=per_person]').fill('20');
    await Promise.all([page.waitForNavigation(), page.locator('#rise button').click()]);
    assert.match(await page.locator('#rise-preview').textContent(), /将调整 \d+ 户/);
    await checkAxe(page, 'standard rise preview');
    await shot(page, 'rises-preview.png', { fullPage: true });
    await page.locator('#rise-preview input[name=password]').fill(s.approver.password);
    await Promise.all([page.waitForNavigation(), page.locator('#rise-preview button[name=confirm]').click()]);
    assert.match(await page.locator('#rise-done').textContent(), /已执行/);
    assert.match(await page.locator('#rises tbody').textContent(), /甘民发〔2027〕5号/);
  });
  step('12. a town reviewer records that a child\'s money goes to the guardian: a wrong ID named, nothing typed lost, the account masked', async () => {
    const reviewer = demo.account((a) => a.role === 'town_reviewer' && a.region.length === 9 && !a.username.endsWith('_2'), 'a town reviewer');
    await as(reviewer);
    await page.goto('/households');
    const hrefs = await page.locator('a[href^="/households/"]').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    const household = hrefs.map((h) => h.match(/^\/households\/(\d+)$/)).find(Boolean)[1];
    await page.goto(`/households/${household}`);
    await Promise.all([page.waitForNavigation(), page.locator('#payee-summary a').click()]);
    assert.match(await page.locator('#payees tbody').textContent(), /发放至本户账户/);
    await page.locator('#payee select[name=role]').selectOption('guardian');
    await page.locator('#payee input[name=name]').fill('李秀英');
    await page.locator('#payee input[name=code]').fill('62010219500101123X');
    await page.locator('#payee input[name=bank]').fill('邮储银行');
    await page.locator('#payee input[name=account_no]').fill('6228480000000000042');
    await page.locator('#payee input[name=basis]').fill('村委会指定监护（2027）1号');
    await page.locator('#payee input[name=password]').fill(reviewer.password);
    await Promise.all([page.waitForNavigation(), page.locator('#payee button').click()]);
    assert.match(await page.locator('p.error').textContent(), /监护人身份证号/);
    assert.equal(await page.locator('#payee input[name=basis]').inputValue(), '村委会指定监护（2027）1号', 'nothing typed is lost');
    await page.locator('#payee input[name=code]').fill('620102195001011235');
    await page.locator('#payee input[name=password]').fill(reviewer.password);
    await Promise.all([page.waitForNavigation(), page.locator('#payee button').click()]);
    assert.match(await page.locator('#payee-done').textContent(), /收款安排已登记/);
    const row = await page.locator('#payees tbody').textContent();
    assert.match(row, /监护人/);
    assert.match(row, /620102\*+1235/);
    assert.ok(!row.includes('6228480000000000042'), 'the account is masked');
    assert.equal(await page.locator('#payee input[name=account_no]').inputValue(), '', 'a recorded arrangement leaves no draft behind');
    await checkAxe(page, 'payees');
    await shot(page, 'payees.png', { fullPage: true });
  });
  step('13. a carer (照料护理人) is refused by field (no 特困 support, or more than the person\'s month) and the agreement typed is kept', async () => {
    await page.locator('#payee select[name=role]').selectOption('carer');
    await page.locator('#payee input[name=name]').fill('王桂兰');
    await page.locator('#payee input[name=code]').fill('620825196804120029');
    await page.locator('#payee input[name=bank]').fill('农商银行');
    await page.locator('#payee input[name=account_no]').fill('6228480099000000036');
    await page.locator('#payee input[name=basis]').fill('委托照料服务协议 2027-011');
    await page.locator('#payee input[name=care_amount]').fill('99999');
    await page.locator('#payee input[name=from_month]').fill('2030-01');
    await page.locator('#payee input[name=password]').fill(demo.account((a) => a.role === 'town_reviewer' && a.region.length === 9 && !a.username.endsWith('_2'), 'a town reviewer').password);
    await Promise.all([page.waitForNavigation(), page.locator('#payee button').click()]);
    const error = await page.locator('p.error').textContent();
    // Without 特困 support the kind is refused; with it, an allowance above the person's month: named either way.
    assert.match(error, /收款人类别：|照料护理费：/);
    assert.ok(!/[a-z_]{4,}：/.test(error), `no raw field name: ${error}`);
    assert.equal(await page.locator('#payee input[name=care_amount]').inputValue(), '99999', 'nothing typed is lost');
    assert.equal(await page.locator('#payee input[name=basis]').inputValue(), '委托照料服务协议 2027-011');
    await checkAxe(page, 'payees with a carer refused');
    await shot(page, 'payee-carer.png', { fullPage: true });
  });
});
