// 网上申请 in a real browser: on a 390×844 phone a resident self-assesses, goes on to apply
// online, is refused with the row named, fills the household in, both adults sign on screen with
// a finger (pointer strokes on the signing pad), and gets a 办件编号 and a query code; the town's
// window clerk sees it in the online queue on a desktop, with both signatures, and takes it in
// (a case opens); the resident checks progress with the number and the code. axe-core on every
// residents' page; screenshots for docs/user-guide/residents.md.
//
// Run: cargo build -p jiuzhu && cd tests/browser && npm ci && node --test apply.test.mjs

import { describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DESKTOP, PHONE, Demo, assertNoFullIds, checkAxe, launchBrowser, login, newPage, shot as shotOf, steps, tearDown } from './harness.mjs';

let demo;
let browser;
let page;
const pageErrors = [];
const { step, state } = steps(() => page, () => demo?.workDir);
const shot = (name, opts) => shotOf(page, name, opts);
const TOWN = '620825100';
const s = {};

/** A valid synthetic ID number of 庄浪县 (GB 11643 check character). */
function idNumber(birth, seq) {
  const first17 = `620825${birth}${String(seq).padStart(3, '0')}`;
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((a, c, i) => a + Number(c) * w[i], 0);
  return first17 + '10X98765432'[sum % 11];
}

async function press(label) {
  await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: label, exact: true }).click()]);
}

/** Writes a name-like zigzag on the signing pad of row `n` with the pointer. */
async function sign(n) {
  const pad = page.locator(`.pad[data-for=sig${n}] canvas`);
  await pad.scrollIntoViewIfNeeded();
  const box = await pad.boundingBox();
  await page.mouse.move(box.x + 20, box.y + box.height / 2);
  await page.mouse.down();
  for (let i = 1; i <= 12; i++) {
    await page.mouse.move(box.x + 20 + i * (box.width - 40) / 12, box.y + box.height * (i % 2 ? 0.25 : 0.75), { steps: 3 });
  }
  await page.mouse.up();
  const value = await page.locator(`#sig${n}`).inputValue();
  assert.match(value, /^data:image\/png;base64,/, `row ${n} signed`);
}

describe('applying online on a phone, taken in at the town window', { timeout: 10 * 60_000 }, () => {
  before(async () => {
    try {
      demo = await Demo.start({ households: 100, seed: 23, prefix: 'jiuzhu-apply-' });
      browser = await launchBrowser();
      page = await newPage(browser, demo.baseURL, pageErrors, PHONE);
      s.head = idNumber('19790312', 141);
      s.spouse = idNumber('19810605', 153);
      s.child = idNumber('20160101', 162);
    } catch (e) {
      state.failed = true;
      state.broken = 'setting up (server, browser)';
      throw e;
    }
  });

  after(() => tearDown(browser, demo, state, pageErrors));

  step('1. from the self-assessment the resident goes on to apply; the kinds that may apply are ticked', async () => {
    await page.goto(`/m/check?region=${TOWN}`);
    await page.locator('input[name=area][value=rural]').check();
    await page.locator('#m1_age').fill('46');
    await page.locator('#m2_relation').selectOption('spouse');
    await page.locator('#m2_age').fill('44');
    await page.locator('#savings').fill('1000');
    await page.locator('#homes').fill('1');
    await page.locator('input[name=supporters][value=none]').check();
    await press('看看结果');
    await press('在网上申请');
    assert.equal(new URL(page.url()).pathname, '/m/apply');
    assert.ok(await page.locator('input[name=kind][value=dibao]').isChecked(), '低保 ticked from the result');
    await checkAxe(page, 'application form');
  });

  step('2. a refusal names the person and the field, and keeps what was typed', async () => {
    await page.locator('#village').selectOption({ index: 1 });
    await page.locator('input[name=area][value=rural]').check();
    await page.locator('#address').fill('何马村三组 12 号');
    await page.locator('#phone').fill('13800138000');
    await page.locator('#request').fill('丈夫去年摔伤后不能干重活，家里没有收入');
    await page.locator('#m1_name').fill('李秀兰');
    await page.locator('#m1_id').fill(s.head);
    await page.locator('#m1_employment').selectOption('farming');
    await page.locator('#m2_name').fill('王德明');
    await page.locator('#m2_id').fill(s.spouse.slice(0, 17));
    await page.locator('#m2_relation').selectOption('spouse');
    await page.locator('#m2_employment').selectOption('unemployed');
    await page.locator('#m3_name').fill('王小宝');
    await page.locator('#m3_id').fill(s.child);
    await page.locator('#m3_relation').selectOption('child');
    await press('下一步：签授权书');
    const alert = await page.locator('.errors[role=alert]').innerText();
    assert.match(alert, /第 2 位家庭成员（王德明）/, alert);
    assert.equal(await page.locator('#m1_name').inputValue(), '李秀兰', 'kept');
    await checkAxe(page, 'application form refused');
    await page.locator('#m2_id').fill(s.spouse);
    await press('下一步：签授权书');
    assert.equal(await page.locator('.pad').count(), 2, 'two adults sign, the child does not');
  });

  step('3. both adults sign with a finger and the application is sent', async () => {
    await checkAxe(page, 'signing page');
    await sign(1);
    await sign(2);
    await shot('residents-apply-sign.png');
    await press('提交申请');
    s.reference = (await page.locator('#reference').innerText()).trim();
    s.code = (await page.locator('#query-code').innerText()).trim();
    assert.match(s.reference, /^WS\d{8}-\d{6}$/);
    assert.match(s.code, /^[2-9A-Z]{4}-[2-9A-Z]{4}$/);
    assertNoFullIds(await page.content(), 'receipt');
    await checkAxe(page, 'receipt');
    await shot('residents-apply-done.png');
  });

  step('3b. photos of documents: a phone photo is shrunk and uploaded with a progress bar; a PDF is refused; a mistake is removed after asking', async () => {
    await press('拍照上传材料');
    await page.waitForURL(/\/m\/photos$/);
    assert.match(await page.locator('main').innerText(), /还没有上传照片/);
    // A 4000×3000 camera photo, made by the browser itself: larger than the server takes.
    const photo = Buffer.from(await page.evaluate(async () => {
      const c = document.createElement('canvas');
      c.width = 4000; c.height = 3000;
      const g = c.getContext('2d');
      // Noise, so that it is as large as a real one (over the 5 MB a photo may be).
      const img = g.createImageData(4000, 3000);
      for (let i = 0; i < img.data.length; i++) { img.data[i] = (i % 4 === 3) ? 255 : (Math.random() * 256) | 0; }
      g.putImageData(img, 0, 0);
      const b = await new Promise((done) => c.toBlob(done, 'image/jpeg', 0.98));
      return Array.from(new Uint8Array(await b.arrayBuffer()));
    }));
    await page.locator('input[name=material][value=hukou]').check();
    await page.locator('#photo').setInputFiles({ name: 'scan.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.7 not a picture') });
    await page.getByRole('button', { name: '上传这张照片' }).click();
    await page.locator('.errors[role=alert]').waitFor();
    assert.match(await page.locator('.errors[role=alert]').innerText(), /所选文件不是照片/);
    assert.ok(await page.locator('input[name=material][value=hukou]').isChecked(), 'the choice is kept');
    await page.locator('#photo').setInputFiles({ name: 'IMG_0001.jpg', mimeType: 'image/jpeg', buffer: photo });
    await page.getByRole('button', { name: '上传这张照片' }).click();
    await page.getByText('已上传。').waitFor();
    const listed = await page.locator('ul.photos-list').innerText();
    assert.match(listed, /户口簿/);
    const mb = Number(/([\d.]+) MB/.exec(listed)[1]);
    assert.ok(photo.length > 5 * 1_048_576 && mb < 5, `shrunk in the browser: ${photo.length} bytes → ${mb} MB`);
    // A second one by mistake, removed after the question.
    await page.locator('input[name=material][value=other]').check();
    await page.locator('#photo').setInputFiles({ name: 'IMG_0002.jpg', mimeType: 'image/jpeg', buffer: photo });
    await page.getByRole('button', { name: '上传这张照片' }).click();
    await page.waitForFunction(() => /2\/30/.test(document.querySelector('main').innerText));
    await checkAxe(page, 'photos page');
    await page.evaluate(() => document.querySelector('main h2').scrollIntoView());
    await shot('residents-photos.png');
    await Promise.all([
      page.waitForLoadState('load'),
      page.locator('ul.photos-list li').filter({ hasText: '其他材料' }).getByRole('button', { name: '删除' }).click(),
    ]);
    assert.match(await page.locator('h1').innerText(), /确定删除这张照片吗/);
    await press('确定删除');
    assert.match(await page.locator('main').innerText(), /已删除这张照片[\s\S]*1\/30/);
  });

  step("4. the town's window clerk sees it with both signatures and takes it in", async () => {
    const clerkPage = await newPage(browser, demo.baseURL, pageErrors, DESKTOP);
    const clerk = demo.account((a) => a.role === 'window_clerk' && a.region === TOWN, 'the window clerk of 水洛镇');
    await login(clerkPage, clerk);
    await clerkPage.goto('/online');
    await clerkPage.getByRole('row', { name: new RegExp(s.reference) }).getByRole('link').click();
    assert.equal(await clerkPage.locator('img.signature').count(), 2);
    const photos = clerkPage.locator('ul.photos img');
    assert.equal(await photos.count(), 1, 'the photo the resident kept');
    await photos.first().scrollIntoViewIfNeeded();
    await clerkPage.waitForFunction(() => document.querySelector('ul.photos img').complete);
    assert.equal(await photos.first().evaluate((i) => Math.max(i.naturalWidth, i.naturalHeight)), 1600, 'the shrunk picture, readable');
    assertNoFullIds(await clerkPage.content(), 'the clerk reads the application masked');
    await shotOf(clerkPage, 'online-application.png');
    await Promise.all([clerkPage.waitForURL(/\/cases\/\d+/), clerkPage.getByRole('button', { name: /受理/ }).first().click()]);
    assert.match(await clerkPage.locator('main').innerText(), /最低生活保障/);
    await clerkPage.close();
  });

  step('5. the resident checks progress with the number and the query code', async () => {
    await page.goto('/m/progress');
    await page.locator('#reference').fill(s.reference.toLowerCase());
    await page.locator('#proof').fill(s.code);
    await press('查询');
    const text = await page.locator('main').innerText();
    assert.match(text, /最低生活保障/);
    assert.match(text, /已登记，等您补齐材料/);
    assert.match(text, /户口簿/, 'what is still to bring');
    assert.doesNotMatch(text, /核对授权书/, 'signed online: not asked for again');
    await checkAxe(page, 'progress');
    await shot('residents-progress.png');
  });
});
