// The daily path of a first-day clerk (issue 15), in a real browser on the demo: a household
// registered with nothing declared cannot pass 核对 (the refusal names what is missing); the
// declaration entered on its page — a bad amount flagged as one types, a line the server refuses
// named on that line with nothing typed lost —
// changes the check's result, and the household page says when and by whom it was taken.
//
// Run: cargo build -p jiuzhu && cd tests/browser && npm ci && node --test daily.test.mjs

import { describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Demo, PHONE, apiLogin, apiRequest, checkAxe, launchBrowser, login, newPage, shot, steps, tearDown } from './harness.mjs';

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

const api = (session, method, path, body) => apiRequest(demo.baseURL, session, method, path, body);

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

  after(() => tearDown(browser, demo, state, errors));

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
    assert.equal(await page.locator('label.material:has(input[value=medical_bills])').first().isVisible(), false, 'no medical bills asked for 低保 alone');
    for (const box of await page.locator('label.material:not([hidden]) input[name=received]').all()) await box.check();
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
  step('5. the phone survey keeps everything: a 9 MB camera photo is shrunk and uploaded without losing typed text', async () => {
    // The applicant objects to the failed check: the case goes to the home survey.
    const session = await apiLogin(demo.baseURL, s.clerk);
    const c = await api(session, 'GET', `/api/v1/cases/${s.caseId}`);
    const r = await api(session, 'POST', `/api/v1/cases/${s.caseId}/steps`, { version: c.json.case.version, action: 'object_to_feedback', text: '工资已停发' });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    await as(s.investigator, PHONE);
    await page.goto(`/cases/${s.caseId}`);
    const first = page.locator('main a.button', { hasText: '填写入户调查' });
    const [button, facts] = [await first.boundingBox(), await page.locator('main section.card.grid').boundingBox()];
    assert.ok(button.y < facts.y, 'the survey button comes before the case facts');
    assert.ok((await page.locator('main section.card.grid').innerText()).includes('新登记户 1 号'), 'the address is near the top');
    await first.click();
    await page.waitForURL(`**/cases/${s.caseId}/survey`);
    await page.locator('textarea[name=living_conditions]').fill('砖木结构平房两间，屋内陈设简单');
    await page.locator('textarea[name=findings]').fill('申请人称本年 9 月起工资停发，需进一步核实');
    await page.locator('input[name=declared_matches][value=no]').check();
    for (const sel of await page.locator('select[name^=self_care_]').all()) {
      assert.equal(await sel.inputValue(), '', 'self-care starts unchosen (the registered count is only a hint)');
      await sel.selectOption('2');
    }
    // A camera photo: 4000×3000, noise (incompressible), over 9 MB as a JPEG.
    const b64 = await page.evaluate(async () => {
      const c = document.createElement('canvas');
      c.width = 4000;
      c.height = 3000;
      const ctx = c.getContext('2d');
      const img = ctx.createImageData(c.width, c.height);
      for (let i = 0; i < img.data.length; i++) img.data[i] = i % 4 === 3 ? 255 : (Math.random() * 256) | 0;
      ctx.putImageData(img, 0, 0);
      const blob = await new Promise((ok) => c.toBlob(ok, 'image/jpeg', 0.92));
      const buf = new Uint8Array(await blob.arrayBuffer());
      let out = '';
      for (let i = 0; i < buf.length; i += 0x8000) out += String.fromCharCode(...buf.subarray(i, i + 0x8000));
      return btoa(out);
    });
    const jpeg = Buffer.from(b64, 'base64');
    assert.ok(jpeg.length > 9_000_000, `the test photo is ${jpeg.length} bytes`);
    await page.locator('input[type=file][name=photo]').setInputFiles({ name: 'IMG_0001.JPG', mimeType: 'image/jpeg', buffer: jpeg });
    await page.locator('input[name=caption]').fill('厨房');
    await Promise.all([page.waitForURL(`**/cases/${s.caseId}/survey`), page.locator('form[data-photo] button').click()]);
    await page.waitForSelector('ul.photos img');
    assert.equal(await page.locator('ul.photos img').count(), 1, 'the photo is kept');
    assert.equal((await page.locator('ul.photos figcaption').first().innerText()).trim(), '厨房', 'with its caption');
    assert.equal(await page.locator('textarea[name=findings]').inputValue(), '申请人称本年 9 月起工资停发，需进一步核实', 'the typed findings are still there');
    assert.equal(await page.locator('textarea[name=living_conditions]').inputValue(), '砖木结构平房两间，屋内陈设简单');
    assert.ok(await page.locator('input[name=declared_matches][value=no]').isChecked(), 'and the choice made');
    assert.equal(await page.locator('select[name^=self_care_]').first().inputValue(), '2', 'and the self-care counts');
    const size = await page.evaluate(async (src) => (await (await fetch(src)).arrayBuffer()).byteLength, await page.locator('ul.photos img').first().getAttribute('src'));
    assert.ok(size < 2_000_000, `the stored photo was shrunk (${size} bytes)`);
    await checkAxe(page, 'survey with a photo (phone)');
    await shot(page, 'survey-photo-phone.png', { fullPage: true });
  });

  step('6. a file that is not a picture is refused, saying so, and nothing typed is lost; a photo is removed with a reason', async () => {
    await page.locator('input[type=file][name=photo]').setInputFiles({ name: 'photo.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('<html><script>alert(1)</script></html>') });
    await page.locator('form[data-photo] button').click();
    await page.waitForSelector('[data-photo-status].field-error');
    const said = await page.locator('[data-photo-status]').innerText();
    assert.ok(said.includes('所选文件不是照片'), `the refusal says why: ${said}`);
    assert.equal(await page.locator('ul.photos img').count(), 1, 'nothing was added');
    assert.equal(await page.locator('textarea[name=findings]').inputValue(), '申请人称本年 9 月起工资停发，需进一步核实');
    await page.locator('ul.photos details summary').first().click();
    await page.locator('ul.photos input[name=reason]').first().fill('拍到了身份证');
    await Promise.all([page.waitForURL(`**/cases/${s.caseId}/survey`), page.locator('ul.photos details button').first().click()]);
    assert.equal(await page.locator('ul.photos img').count(), 0, 'the photo is removed');
    assert.equal(await page.locator('textarea[name=findings]').inputValue(), '申请人称本年 9 月起工资停发，需进一步核实', 'the findings survive the removal too');
  });

  step('7. the investigator submits the survey and lands on the to-do list', async () => {
    const second = await page.locator('select[name=co_investigator_id] option').nth(1).getAttribute('value');
    await page.locator('select[name=co_investigator_id]').selectOption(second);
    await Promise.all([page.waitForURL(/\/cases\?surveyed=/), page.locator('form[data-draft] > button').click()]);
    assert.ok((await page.locator('.notice[role=status]').innerText()).includes(`#${s.caseId}`), 'the queue says which survey was submitted');
  });
  step('8. the household\'s 查阅记录 names the investigator who opened its case, in words, and fits the screen', async () => {
    const investigatorName = (await page.locator('.who span').first().innerText()).split(' · ')[0];
    await as(demo.account((a) => a.role === 'auditor', 'an auditor'));
    await page.goto(`/households/${s.household}/access`);
    const rows = await page.locator('table.access tbody tr').allInnerTexts();
    const opened = rows.find((r) => r.includes(investigatorName) && r.includes(`打开案件页（案件 #${s.caseId}）`));
    assert.ok(opened, `an entry names ${investigatorName} opening case #${s.caseId}:\n${rows.slice(0, 12).join('\n')}`);
    assert.ok(opened.includes('入户调查员') && /镇|街道|乡/.test(opened), `with the role and the town in words: ${opened}`);
    assert.ok(rows.some((r) => r.includes(investigatorName) && r.includes('上传调查照片')), 'the photo upload is listed');
    assert.ok(rows.some((r) => r.includes('打开家庭申报页')), 'the declaration page is listed');
    assert.ok(!rows.some((r) => /GET |POST |\/households\/|\{n\}/.test(r)), 'no raw requests in the record');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `the record fits the screen (${overflow}px too wide)`);
    await checkAxe(page, 'access record');
    await shot(page, 'access-record-words.png', { fullPage: true });
  });
  step('9. a session that ends while a form is open: the login page says so, and logging in returns to the form with its text', async () => {
    await as(s.clerk);
    await page.goto(`/households/${s.household}/declaration`);
    const line = page.locator('tbody[data-lines=expenses] tr').first();
    await line.locator('select[name=exp_kind]').selectOption('medical');
    await line.locator('input[name=exp_from]').fill('2026-10');
    await line.locator('input[name=exp_amount]').fill('830');
    await line.locator('input[name=exp_desc]').fill('住院自付部分');
    await page.locator('button[data-add-line=expenses]').click();
    await page.locator('tbody[data-lines=expenses] tr').nth(2).locator('input[name=exp_desc]').fill('第三行：门诊自付');
    // The server forgets the session (30 idle minutes, a restart of the session store …).
    const [cookie] = (await page.context().cookies()).filter((c) => c.name === 'jiuzhu_session');
    await page.context().addCookies([{ ...cookie, value: 'expired-session-token' }]);
    await Promise.all([page.waitForURL(/\/login\?/), page.locator('#declaration button[type=submit]').click()]);
    assert.ok((await page.locator('.notice').innerText()).includes('登录已超时'), 'the login page says the session ended');
    await checkAxe(page, 'login after the session ended');
    await page.locator('input[name=username]').fill(s.clerk.username);
    await page.locator('input[name=password]').fill(s.clerk.password);
    await Promise.all([page.waitForURL(`**/households/${s.household}/declaration`), page.locator('form button[type=submit]').click()]);
    await page.waitForLoadState('load');
    const back = page.locator('tbody[data-lines=expenses] tr').first();
    assert.equal(await back.locator('input[name=exp_desc]').inputValue(), '住院自付部分', 'the typed line is back');
    assert.equal(await back.locator('input[name=exp_amount]').inputValue(), '830');
    assert.equal(await back.locator('select[name=exp_kind]').inputValue(), 'medical');
    assert.equal(await page.locator('tbody[data-lines=expenses] tr').nth(2).locator('input[name=exp_desc]').inputValue(), '第三行：门诊自付', 'with the line added by hand');
    await page.locator('tbody[data-lines=expenses] tr').nth(2).locator('input[name=exp_desc]').fill('');
    await Promise.all([page.waitForURL(new RegExp(`/households/${s.household}#declaration$`)), page.locator('#declaration button[type=submit]').click()]);
    assert.ok((await page.locator('#declaration + section').innerText()).includes('刚性支出：已申报'), 'and it is saved once sent again');
    await page.goto(`/households/${s.household}/declaration`);
    assert.equal(await page.locator('tbody[data-lines=expenses] tr').first().locator('input[name=exp_desc]').inputValue(), '住院自付部分', 'the saved line');
    assert.equal(await page.locator('tbody[data-lines=expenses] tr').count(), 3, 'and no stale draft comes back');
  });
  step('10. a member is added with every fact chosen: age proposes, the clerk decides, nothing is recorded unchosen', async () => {
    await page.goto(`/households/${s.household}/members/new`);
    const child = idNumber(`62082520150601${String(900 + Math.floor(Math.random() * 90)).padStart(3, '0')}`);
    const validated = page.waitForResponse((r) => new URL(r.url()).pathname === '/ui/validate/member');
    await page.locator('input[name=id_number]').fill(child);
    await validated;
    await page.waitForFunction(() => document.querySelector('#info-labour_capacity')?.textContent.includes('按年龄建议'));
    assert.ok((await page.locator('#info-labour_capacity').innerText()).includes('无劳动能力'), 'an 11-year-old is proposed as without capacity to work');
    assert.ok((await page.locator('#info-employment').innerText()).includes('非劳动年龄'));
    assert.equal(await page.locator('select[name=labour_capacity]').inputValue(), '', 'nothing is chosen for the clerk');
    assert.equal(await page.locator('select[name=employment]').inputValue(), '');
    assert.equal(await page.locator('input[name=self_care_all]:checked').count(), 0);
    assert.equal(await page.locator('select[name=disability_grade] option', { hasText: '二级' }).count(), 1, 'the grade is chosen by its name');
    await page.locator('input[name=name]').fill('测试申报之子');
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: '保存' }).click()]);
    for (const [field, words] of [['labour_capacity', '请选择劳动能力'], ['employment', '请选择就业状况'], ['self_care_all', '请选择生活自理能力']]) {
      assert.ok((await page.locator(`#err-${field}`).innerText()).includes(words), `${field} names what to choose`);
    }
    assert.equal(await page.locator('input[name=name]').inputValue(), '测试申报之子', 'the typed name is kept');
    await checkAxe(page, 'member form with unmade choices');
    await page.locator('select[name=labour_capacity]').selectOption('none');
    await page.locator('select[name=employment]').selectOption('not_working_age');
    await page.locator('input[name=self_care_all][value=yes]').check();
    await Promise.all([page.waitForURL(new RegExp(`/households/${s.household}$`)), page.getByRole('button', { name: '保存' }).click()]);
    assert.ok((await page.locator('main').innerText()).includes('测试申报之子'), 'the member is added');
  });
  step('11. a leader lands on the comparison, which explains itself; the simulation shows each parameter and its value in force', async () => {
    await as(demo.account((a) => a.role === 'leader', 'a leader'));
    assert.equal(new URL(page.url()).pathname, '/assessments/regions', 'the leader lands on the comparison, not a refusal');
    const text = await page.locator('main').innerText();
    assert.ok(text.includes('困难指数') && text.includes('之前 → 之后') && !text.includes('jiuzhu reassess'), 'explained in words, no command line');
    assert.equal(await page.locator('nav a', { hasText: 'API' }).count(), 0, 'no API link for a leader');
    await checkAxe(page, 'comparison (leader)');
    await page.goto('/simulate');
    const option = await page.locator('select[name=parameter] option[value="dibao.standard.rural"]').innerText();
    assert.match(option, /^农村低保标准（元\/人·月）（现行 \d+\.\d{2}元）$/, `the choice names the parameter and its value: ${option}`);
    const table = await page.locator('details table').innerText();
    assert.ok(table.includes('农村低保标准') && /\d{4}-\d{2}-\d{2}/.test(table), 'the values in force are listed with their dates');
    assert.ok(!(await page.locator('main').innerText()).includes('dibao.standard'), 'no parameter keys in the Chinese page');
    await checkAxe(page, 'simulation form (leader)');
    await shot(page, 'simulate-parameters.png', { fullPage: true });
    await page.goto('/lang/en?back=/simulate');
    const en = await page.locator('select[name=parameter] option[value="dibao.standard.rural"]').innerText();
    assert.match(en, /^rural dibao standard \(yuan per person a month\) \(now \d+\.\d{2}元\)$/, `named in English: ${en}`);
    await page.goto('/lang/zh?back=/simulate');
  });
  step('12. axe-core finds no serious or critical problem on the remaining staff pages', async () => {
    await as(s.clerk);
    for (const [path, name] of [
      ['/regions', 'regions'],
      ['/households/new', 'new household form'],
      [`/households/${s.household}/edit`, 'household edit form'],
      [`/cases/${s.caseId}/documents/acceptance`, 'acceptance notice'],
      ['/password', 'password page'],
      ['/exports', 'exports'],
    ]) {
      const r = await page.goto(path);
      assert.ok(r.ok(), `${path} answers ${r.status()}`);
      await checkAxe(page, name);
    }
    await as(demo.account((a) => a.role === 'system_admin', 'a system administrator'));
    for (const [path, name] of [['/accounts', 'accounts'], ['/admin/calendar', 'holiday calendar']]) {
      const r = await page.goto(path);
      assert.ok(r.ok(), `${path} answers ${r.status()}`);
      await checkAxe(page, name);
    }
  });
});
