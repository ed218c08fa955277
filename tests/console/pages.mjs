// Page-level helpers of the browser run: the keyboard-only walk, axe-core on every page,
// and the screenshots of every page in the three languages.
import fs from 'node:fs';
import path from 'node:path';
import { log, waitFor, sleep } from './harness.mjs';

const ROUTES = (lanes) => [
  ['wall', '#/wall', '#wall li.tile'],
  ['alerts', '#/alerts', '#alert-list table'],
  ['lane', `#/lane/${lanes[0]}`, '#crossings table'],
  ['enrolments', '#/enrolments', 'form'],
  ['stats', '#/stats', '#stats section'],
  ['watchlist', '#/watchlist', '#watchlist table'],
  ['exports', '#/exports', '#exports table'],
  ['officers', '#/officers', '#officers table'],
];

function expect(cond, message) { if (!cond) throw new Error(message); }

async function tabTo(page, selector, { max = 60, back = false } = {}) {
  for (let i = 0; i < max; ++i) {
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
    if (await page.evaluate((s) => !!document.activeElement && document.activeElement.matches(s), selector)) return;
  }
  const at = await page.evaluate(() => document.activeElement?.outerHTML.slice(0, 120));
  throw new Error(`Tab never reached ${selector} (focus on ${at})`);
}

// The focused element shows a focus ring (outline or box-shadow).
async function focusVisible(page) {
  return page.evaluate(() => {
    const s = getComputedStyle(document.activeElement);
    return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none';
  });
}

export async function keyboardWalk(s, cp, password, lanes) {
  const { page } = s;
  await page.goto(cp.consoleUrl + '/');
  await page.locator('input[name=username]').waitFor();
  // Login: the name field has focus; Tab to the password; Enter submits.
  expect(await page.evaluate(() => document.activeElement?.name === 'username'), 'focus is not on the name field');
  await page.keyboard.type(s.name);
  await page.keyboard.press('Tab');
  expect(await page.evaluate(() => document.activeElement?.name === 'password'), 'Tab did not reach the password');
  await page.keyboard.type(password);
  await page.keyboard.press('Enter');
  await page.locator('#nav').waitFor({ state: 'visible' });
  await page.locator('#wall li.tile').first().waitFor();

  // Acknowledge: after a page change the focus is on the content; Shift+Tab back to the
  // Alerts link in the top bar, Enter, Tab to the acknowledge button, Enter.
  expect(await page.evaluate(() => document.activeElement?.id === 'main'), 'the focus is not on the new page');
  await tabTo(page, '#nav-alerts', { back: true });
  expect(await focusVisible(page), 'no visible focus on the Alerts link');
  await page.keyboard.press('Enter');
  const row = page.locator('#alert-list tbody tr', { hasText: lanes[0] });
  await row.waitFor();
  const alertId = await row.getAttribute('data-alert');
  await tabTo(page, `button.ack[data-alert="${alertId}"]`);
  expect(await focusVisible(page), 'no visible focus on the acknowledge button');
  await page.keyboard.press('Enter');
  await page.locator(`#alert-list tr[data-alert="${alertId}"]`).waitFor({ state: 'detached' });
  const r = await page.evaluate(async () => (await fetch('/v1/console/alerts')).json());
  const a = r.alerts.find((x) => String(x.id) === alertId);
  expect(a && a.acked && a.acked_by === s.name, `alert ${alertId} not acknowledged by ${s.name}: ${JSON.stringify(a)}`);

  // A command: Tab to the lane's tile link, Enter; Tab to "Put back in service", Enter;
  // the dialog keeps Tab inside; Escape cancels (nothing sent); again, Tab to Send, Enter.
  await page.goto(cp.consoleUrl + '/#/wall');
  await page.locator(`#wall li.tile[data-lane="${lanes[2]}"]`).waitFor();
  await tabTo(page, `a[href="#/lane/${lanes[2]}"]`);
  await page.keyboard.press('Enter');
  await page.locator('button[data-command=in_service]').waitFor();
  await tabTo(page, 'button[data-command=in_service]');
  await page.keyboard.press('Enter');
  await page.locator('dialog[open]').waitFor();
  for (let i = 0; i < 5; ++i) {
    expect(await page.evaluate(() => !!document.activeElement?.closest('dialog[open]')), `focus left the dialog after ${i} Tabs`);
    await page.keyboard.press('Tab');
  }
  await page.keyboard.press('Escape');
  await page.locator('dialog').waitFor({ state: 'detached' });
  expect(await page.evaluate(() => document.activeElement?.dataset.command === 'in_service'), 'focus did not return to the command button');
  expect((await page.locator('#command-result').innerText()).trim() === '', 'Escape sent the command');
  await page.keyboard.press('Enter');
  await page.locator('dialog[open]').waitFor();
  await page.keyboard.press('Tab');  // Cancel has focus first; Send is next
  expect(await page.evaluate(() => document.activeElement?.classList.contains('btn-primary')), 'Tab did not reach Send');
  await page.keyboard.press('Enter');
  await page.locator('#command-result[data-state]').waitFor({ timeout: 30000 });
  const state = await page.locator('#command-result').getAttribute('data-state');
  expect(state === 'applied', `in_service: ${state} (${await page.locator('#command-result').innerText()})`);
}

async function runAxe(page, axeSource, label) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(axeSource);
  const res = await page.evaluate(async () => {
    const r = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
  return res.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${label}: ${v.id} (${v.impact}) ${v.help} at ${v.nodes.join(', ')}`);
}

export async function axeCheck(s, cp, axeSource, lanes) {
  const problems = [];
  const { page } = s;
  // The login page, in a context without a session.
  const anon = await page.context().browser().newContext({ ignoreHTTPSErrors: true });
  const lp = await anon.newPage();
  await lp.goto(cp.consoleUrl + '/');
  await lp.locator('form.login').waitFor();
  problems.push(...(await runAxe(lp, axeSource, 'login')));
  await anon.close();
  await page.goto(cp.consoleUrl + '/#/wall');
  for (const [name, hash, ready] of ROUTES(lanes)) {
    await page.evaluate((h) => { location.hash = h; }, hash);
    const forbidden = page.locator('#forbidden');
    await Promise.race([page.locator(ready).first().waitFor({ timeout: 10000 }), forbidden.waitFor({ timeout: 10000 })]).catch(() => {});
    problems.push(...(await runAxe(page, axeSource, `${s.role} ${name}`)));
  }
  // The confirmation dialog open.
  await page.evaluate((h) => { location.hash = h; }, `#/lane/${lanes[0]}`);
  await page.locator('button[data-command=release]').click();
  await page.locator('dialog[open]').waitFor();
  problems.push(...(await runAxe(page, axeSource, `${s.role} dialog`)));
  await page.keyboard.press('Escape');
  return problems;
}

// The browser's own locale (date inputs) as in Hong Kong and Macau.
const LOCALE = { 'zh-Hant': 'zh-HK', en: 'en-GB', pt: 'pt-PT' };

export async function screenshots(browser, cp, dir, names, password, lanes) {
  let n = 0;
  for (const lang of ['zh-Hant', 'en', 'pt']) {
    const out = path.join(dir, lang);
    fs.mkdirSync(out, { recursive: true });
    const ctx = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 860 }, locale: LOCALE[lang] });
    await ctx.addInitScript((l) => { try { localStorage.setItem('console.lang', l); } catch {} }, lang);
    const page = await ctx.newPage();
    const shot = async (name, fullPage = false) => { await sleep(150); await page.screenshot({ path: path.join(out, `${name}.png`), fullPage }); ++n; };
    await page.goto(cp.consoleUrl + '/');
    await page.locator('form.login').waitFor();
    await shot('01-login');
    await page.locator('input[name=username]').fill(names.admin);
    await page.locator('input[name=password]').fill(password);
    await page.locator('form.login button[type=submit]').click();
    await page.locator('#wall li.tile').first().waitFor();
    await waitFor('three tiles', async () => (await page.locator('#wall li.tile').count()) === lanes.length, 10000);
    await shot('02-wall');
    await page.evaluate(() => { location.hash = '#/alerts'; });
    await page.locator('#alert-list table').waitFor();
    await page.locator('#alert-list').getByRole('button').first().isVisible();
    await shot('03-alerts-open');
    await page.locator('.toolbar button[aria-pressed=false]').click();
    await shot('04-alerts-all');
    await page.evaluate((h) => { location.hash = h; }, `#/lane/${lanes[0]}`);
    await page.locator('#crossings table').waitFor();
    await page.locator('#lane-audit table').waitFor();
    await shot('05-lane', true);
    await page.locator('button[data-command=out_of_service]').click();
    await page.locator('dialog[open]').waitFor();
    await shot('06-command-confirm');
    await page.keyboard.press('Escape');
    await page.evaluate(() => { location.hash = '#/enrolments'; });
    await page.locator('input[name=reference]').fill('ENR-0101');
    await page.locator('form button[type=submit]').click();
    await page.locator('#enrolment-result dl, #enrolment-result .notice').first().waitFor();
    await shot('07-enrolment');
    await page.evaluate(() => { location.hash = '#/watchlist'; });
    await page.locator('#watchlist table').waitFor();
    await shot('08-watchlist');
    await page.evaluate(() => { location.hash = '#/officers'; });
    await page.locator('#officers table').waitFor();
    await shot('09-officers');
    await page.evaluate(() => { location.hash = '#/stats'; });
    await page.locator('#stats section').first().waitFor();
    await shot('10-stats', true);
    await page.evaluate(() => { location.hash = '#/exports'; });
    await page.locator('#exports table').waitFor();
    await shot('11-exports');
    await ctx.close();
    // An officer's view of an admin page.
    const octx = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 860 }, locale: LOCALE[lang] });
    await octx.addInitScript((l) => { try { localStorage.setItem('console.lang', l); } catch {} }, lang);
    const op = await octx.newPage();
    await op.goto(cp.consoleUrl + '/');
    await op.locator('input[name=username]').fill(names.officer);
    await op.locator('input[name=password]').fill(password);
    await op.locator('form.login button[type=submit]').click();
    await op.locator('#nav').waitFor({ state: 'visible' });
    await op.evaluate(() => { location.hash = '#/officers'; });
    await op.locator('#forbidden').waitFor();
    await sleep(150);
    await op.screenshot({ path: path.join(out, '12-officer-forbidden.png') });
    ++n;
    await octx.close();
  }
  log(`screenshots in ${dir}`);
  return n;
}
