// 自助终端 in a real browser at a portrait kiosk's size (1080×1920): the hall's browser opens
// /kiosk/; a resident applies with the applicant's ID card read through a fake card-reader bridge
// (a small HTTP server on this machine returning GA/T 490 text fields and a photo, as a real one
// does), signs on the screen and gets a 办件编号; checks progress typing the number on the
// on-screen keypad and reading the card; an expired card and a missing reader are refused in
// words with the keypad offered; after 60 idle seconds (a fake clock) everything is cleared and
// the start page is back in standard text. axe-core on every kiosk page; screenshots for
// docs/user-guide/residents.md.
//
// Run: cargo build -p jiuzhu && cd tests/browser && npm ci && node --test kiosk.test.mjs

import { describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { Demo, assertNoFullIds, checkAxe, launchBrowser, newPage, shot as shotOf, steps, tearDown } from './harness.mjs';

const KIOSK = { width: 1080, height: 1920 };
const TOWN = '620825100';

let demo;
let browser;
let page;
let bridge;
const pageErrors = [];
const { step, state } = steps(() => page, () => demo?.workDir);
const shot = (name, opts) => shotOf(page, name, opts);
const s = { sent: [] };

/** A valid synthetic ID number of 庄浪县 (GB 11643 check character). */
function idNumber(birth, seq) {
  const first17 = `620825${birth}${String(seq).padStart(3, '0')}`;
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((a, c, i) => a + Number(c) * w[i], 0);
  return first17 + '10X98765432'[sum % 11];
}

/**
 * The fake card-reader bridge: `GET /card` answers the card on it (CORS for the kiosk page's
 * origin, as a real bridge must), or 404 when none lies on it.
 */
function startBridge() {
  const b = { card: null, server: null, port: 0 };
  b.server = http.createServer((req, res) => {
    const headers = {
      'Access-Control-Allow-Origin': req.headers.origin || '*',
      'Access-Control-Allow-Private-Network': 'true',
      'Cache-Control': 'no-store',
    };
    if (!b.card) {
      res.writeHead(404, headers);
      res.end('{"error":"no card"}');
      return;
    }
    res.writeHead(200, { ...headers, 'Content-Type': 'application/json; charset=utf-8' });
    // A real bridge sends the photo too (WLT decoded to base64 JPEG): it must never reach jiuzhu.
    res.end(JSON.stringify({ ...b.card, photo: '/9j/' + 'A'.repeat(20_000) }));
  });
  return new Promise((resolve) => b.server.listen(0, '127.0.0.1', () => { b.port = b.server.address().port; resolve(b); }));
}

function card(number, name, validTo = '20360501') {
  return { name: name.padEnd(15, ' '), sex: Number(number[16]) % 2 ? '1' : '2', nation: '01', birth: number.slice(6, 14),
    address: '甘肃省庄浪县水洛镇东关村三组', id_number: number, issuer: '庄浪县公安局', valid_from: '20160501', valid_to: validTo };
}

async function press(label) {
  await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: label, exact: true }).click()]);
}

/** Types `text` on the keypad under `box` (which is touched first). */
async function keypad(box, keys) {
  await page.locator(box).click();
  const pad = page.locator(`${box} ~ .keypad`).first();
  for (const k of keys) {
    await pad.getByRole('button', { name: k === '⌫' ? '删除一位' : k, exact: true }).click();
  }
}

describe('the service hall kiosk: ID card, keypad, idle reset', { timeout: 10 * 60_000 }, () => {
  before(async () => {
    try {
      bridge = await startBridge();
      demo = await Demo.start({ households: 100, seed: 29, prefix: 'jiuzhu-kiosk-', args: ['--card-reader', `http://127.0.0.1:${bridge.port}/card`] });
      browser = await launchBrowser();
      page = await newPage(browser, demo.baseURL, pageErrors, KIOSK);
      page.on('request', (r) => { if (r.url().endsWith('/m/card')) s.sent.push(r.postData() || ''); });
      s.head = idNumber('19560214', 171);
    } catch (e) {
      state.failed = true;
      state.broken = 'setting up (server, browser, card-reader bridge)';
      throw e;
    }
  });

  after(async () => {
    await tearDown(browser, demo, state, pageErrors);
    bridge?.server.close();
  });

  step('1. the hall opens /kiosk/: the start page for touch, with the way to finish', async () => {
    await page.goto('/kiosk/');
    assert.equal(new URL(page.url()).pathname, '/m/');
    assert.ok(await page.locator('body.kiosk').count(), 'kiosk mode');
    assert.match(await page.locator('main').innerText(), /自助服务终端/);
    const tile = await page.locator('.tile').first().boundingBox();
    assert.ok(tile.height >= 72, `tiles are large targets: ${tile.height}px`);
    await checkAxe(page, 'kiosk start');
    await shot('residents-kiosk-home.png');
  });

  step('2. applying at the kiosk: the ID card fills the applicant, the photo never leaves the kiosk', async () => {
    await page.goto(`/m/apply?region=${TOWN}`);
    await page.locator('input[name=kind][value=dibao]').check();
    await page.locator('#village').selectOption({ index: 1 });
    await page.locator('input[name=area][value=rural]').check();
    await page.locator('#address').fill('东关村三组 7 号');
    await page.locator('#phone').fill('13900139000');
    await page.locator('#request').fill('老伴去世后一个人生活，只有一点养老金，看病花钱多');
    bridge.card = card(s.head, '赵桂芳');
    const row = page.locator('fieldset', { has: page.locator('#m1_id') }).last();
    await row.getByRole('button', { name: '刷身份证', exact: true }).click();
    await page.locator('#m1_id').evaluate((b) => new Promise((r) => { const t = () => (b.value ? r() : setTimeout(t, 50)); t(); }));
    assert.equal(await page.locator('#m1_id').inputValue(), s.head);
    assert.equal(await page.locator('#m1_name').inputValue(), '赵桂芳', 'the name box filled from the card');
    assert.match(await row.locator('.card-status').innerText(), /已读取 赵\*芳 的身份证/);
    assert.ok(s.sent.length === 1 && !s.sent[0].includes('photo') && !s.sent[0].includes('/9j/'), `no photo sent: ${s.sent[0]?.slice(0, 200)}`);
    await page.locator('#m1_employment').selectOption('retired');
    await checkAxe(page, 'kiosk application');
    await shot('residents-kiosk-apply.png');
    await press('下一步：签授权书');
    assert.equal(await page.locator('.pad').count(), 1, 'one adult signs');
    const pad = page.locator('.pad[data-for=sig1] canvas');
    const box = await pad.boundingBox();
    await page.mouse.move(box.x + 30, box.y + box.height / 2);
    await page.mouse.down();
    for (let i = 1; i <= 10; i++) await page.mouse.move(box.x + 30 + i * (box.width - 60) / 10, box.y + box.height * (i % 2 ? 0.3 : 0.7), { steps: 3 });
    await page.mouse.up();
    await press('提交申请');
    s.reference = (await page.locator('#reference').innerText()).trim();
    assert.match(s.reference, /^WS\d{8}-\d{6}$/);
    assertNoFullIds(await page.content(), 'kiosk receipt');
  });

  step('3. progress at the kiosk: the number on the keypad, the ID card for the proof', async () => {
    await page.goto('/m/progress');
    assert.ok(await page.locator('.keypad').first().isHidden(), 'a keypad shows for the box touched');
    await keypad('#reference', ['WS', ...s.reference.slice(2).replace('-', ''), '9', '⌫']);
    assert.equal(await page.locator('#reference').inputValue(), s.reference.replace('-', ''));
    const key = await page.locator('#reference ~ .keypad button').first().boundingBox();
    assert.ok(key.height >= 72 && key.width >= 72, `keys are large targets: ${key.width}×${key.height}`);
    await checkAxe(page, 'kiosk progress with the keypad');
    await shot('residents-kiosk-keypad.png');
    await page.getByRole('button', { name: '刷身份证', exact: true }).click();
    await page.locator('.card-status').filter({ hasText: '已读取' }).waitFor();
    assert.equal(await page.locator('#proof').inputValue(), s.head);
    await press('查询');
    const text = await page.locator('main').innerText();
    assert.match(text, /最低生活保障/);
    assertNoFullIds(await page.content(), 'kiosk progress');
    await checkAxe(page, 'kiosk progress result');
    await shot('residents-kiosk-progress.png');
  });

  step('4. an expired card and a missing reader are refused in words; the keypad is offered', async () => {
    await page.goto('/m/progress');
    bridge.card = card(s.head, '赵桂芳', '20200501');
    await page.getByRole('button', { name: '刷身份证', exact: true }).click();
    const status = page.locator('.card-status');
    await status.filter({ hasText: '有效期限' }).waitFor();
    assert.match(await status.innerText(), /2020年05月01日.*数字键/s);
    assert.equal(await page.locator('#proof').inputValue(), '', 'an expired card fills nothing');
    bridge.card = null;
    await page.getByRole('button', { name: '刷身份证', exact: true }).click();
    await status.filter({ hasText: '没有读到身份证' }).waitFor();
    await checkAxe(page, 'kiosk card refused');
    await shot('residents-kiosk-card-refused.png');
    await keypad('#proof', [...s.head]);
    assert.equal(await page.locator('#proof').inputValue(), s.head, 'typed on the keypad instead');
  });

  step('5. after 60 idle seconds everything is cleared and the start page is back, in standard text', async () => {
    await page.clock.install();
    await page.goto('/m/progress');
    await page.getByRole('link', { name: '长辈版（大字）' }).click();
    await page.waitForURL(/\/m\/progress/);
    assert.ok(await page.locator('body.elder.kiosk').count(), 'large text chosen');
    await keypad('#reference', ['WS', '2', '0', '2', '6']);
    await page.clock.fastForward(46_000);
    const warning = page.locator('.kiosk-warning');
    await warning.waitFor();
    assert.match(await warning.innerText(), /秒后将清空屏幕/);
    await shot('residents-kiosk-warning.png');
    await Promise.all([page.waitForURL((u) => u.pathname === '/m/'), page.clock.fastForward(15_000)]);
    assert.equal(await page.locator('body.elder').count(), 0, 'the next person starts in standard text');
    assert.ok(await page.locator('body.kiosk').count(), 'still a kiosk');
  });

  step('6. 结束 clears at once, and going back to an earlier page clears it again', async () => {
    const fresh = await newPage(browser, demo.baseURL, pageErrors, KIOSK);
    await fresh.goto('/kiosk/');
    await fresh.goto('/m/progress');
    await fresh.locator('#reference').click();
    await fresh.locator('#reference ~ .keypad').first().getByRole('button', { name: 'WS', exact: true }).click();
    assert.equal(await fresh.locator('#reference').inputValue(), 'WS');
    await fresh.goto('/m/report/check');
    // 结束 replaces this page with the start page; the one before it is still in the history.
    await Promise.all([fresh.waitForURL((u) => u.pathname === '/m/'), fresh.getByRole('link', { name: '结束，清空屏幕' }).click()]);
    // Going back (a swipe, a key) reaches the earlier page only to have it clear itself at once.
    await fresh.goBack({ waitUntil: 'commit' }).catch(() => {});
    await fresh.waitForURL((u) => u.pathname === '/m/', { timeout: 10_000 });
    assert.equal(await fresh.locator('#reference').count(), 0, 'nothing of the earlier page is left');
    await fresh.close();
  });
});
