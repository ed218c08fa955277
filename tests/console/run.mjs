// Browser tests of the supervision console in Debian's headless chromium (playwright-core,
// pinned in package-lock.json, installed by scripts/setup.d/pre-console.sh), against the
// real clearance-server and three simulated lanes (harness.mjs). Exit 0 when every step
// passed. With CONSOLE_SCREENSHOTS=DIR it also writes a PNG of every page in the three
// languages into DIR (docs/console/ in the repository).
//
//   KIOSK_BUILD_DIR=build KIOSK_SOURCE_DIR=. CONSOLE_NODE_MODULES=build/console-node/node_modules \
//     node tests/console/run.mjs [--keep]
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { ControlPoint, PASSWORD, log, waitFor } from './harness.mjs';
import { keyboardWalk, axeCheck, screenshots } from './pages.mjs';

const sourceDir = path.resolve(process.env.KIOSK_SOURCE_DIR || path.join(path.dirname(new URL(import.meta.url).pathname), '../..'));
const buildDir = path.resolve(process.env.KIOSK_BUILD_DIR || path.join(sourceDir, 'build'));
const modules = path.resolve(process.env.CONSOLE_NODE_MODULES || path.join(buildDir, 'console-node/node_modules'));
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
const shotsDir = process.env.CONSOLE_SCREENSHOTS ? path.resolve(sourceDir, process.env.CONSOLE_SCREENSHOTS) : '';
const keep = process.argv.includes('--keep');

const require = createRequire(path.join(modules, 'noop.js'));
let chromium;
try { ({ chromium } = require('playwright-core')); } catch (e) {
  console.error(`console-browser: playwright-core not found in ${modules}: run scripts/setup (scripts/setup.d/pre-console.sh)`);
  process.exit(2);
}
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
if (!fs.existsSync(chromiumPath)) { console.error(`console-browser: ${chromiumPath} missing: install the Debian package chromium`); process.exit(2); }

const LANES = ['HZMB-T-01', 'HZMB-T-02', 'HZMB-T-03'];
const OFFICERS = { officer: 'lee.officer', supervisor: 'wong.supervisor', admin: 'ho.admin', admin2: 'chan.admin' };

// ---- the little test runner: named steps, each may fail on its own ----
const results = [];
async function step(name, f) {
  const t0 = Date.now();
  try {
    await f();
    results.push({ name, ok: true });
    log(`PASS ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    results.push({ name, ok: false, error: e });
    log(`FAIL ${name}: ${e.stack || e.message}`);
  }
}
function expect(cond, message) { if (!cond) throw new Error(message); }
function eq(a, b, what) { if (a !== b) throw new Error(`${what}: expected ${JSON.stringify(b)}, got ${JSON.stringify(a)}`); }

const work = fs.mkdtempSync(path.join(process.env.KIOSK_TEST_TMP || os.tmpdir(), 'console-browser-'));
const cp = new ControlPoint({ buildDir, sourceDir, work, lanes: LANES });
let browser;
const cspViolations = [];
const pageErrors = [];

async function newSession(role, { lang = 'en' } = {}) {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 860 }, locale: 'en-GB', acceptDownloads: true });
  const page = await context.newPage();
  page.on('console', (m) => {
    const text = m.text();
    if (/Content.Security.Policy|Refused to (execute|apply|load)/i.test(text)) cspViolations.push(`${role}: ${text}`);
  });
  page.on('pageerror', (e) => pageErrors.push(`${role}: ${e.message}`));
  await page.addInitScript((l) => { try { localStorage.setItem('console.lang', l); } catch {} }, lang);
  return { context, page, role, name: OFFICERS[role] };
}

async function login(s) {
  await s.page.goto(cp.consoleUrl + '/');
  await s.page.locator('input[name=username]').fill(s.name);
  await s.page.locator('input[name=password]').fill(PASSWORD);
  await s.page.locator('form.login button[type=submit]').click();
  await s.page.locator('#nav').waitFor({ state: 'visible' });
}

// fetch from inside the page (the officer's own session and cookie).
async function pageFetch(page, method, url, { body, csrf = 'session' } = {}) {
  return page.evaluate(async ({ method, url, body, csrf }) => {
    let token = '';
    if (csrf === 'session') token = (await (await fetch('/v1/console/me')).json()).csrf;
    else if (csrf) token = csrf;
    const headers = { 'Content-Type': 'application/json' };
    if (token) headers['X-CSRF-Token'] = token;
    const r = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    let json = null;
    try { json = await r.json(); } catch {}
    return { status: r.status, body: json };
  }, { method, url, body, csrf });
}

async function main() {
  log(`work folder ${work}`);
  cp.pki();
  cp.writeServerConfig();
  for (const [role, name] of Object.entries(OFFICERS)) cp.addOfficer(name, role === 'admin2' ? 'admin' : role);
  await cp.startServer();
  log(`server: devices ${cp.deviceUrl}, console ${cp.consoleUrl}`);
  log(cp.importEnrolments().trim());
  for (const id of LANES) cp.startLane(id);
  await waitFor('three lanes with a heartbeat', async () => {
    const hb = await Promise.all(LANES.map((id) => cp.heartbeat(id)));
    return hb.every((h) => h && h.state);
  }, 60000, 250);
  // A little history on lane 1 (scans and crossings through its real outbox and sync).
  const hash = (n) => crypto.createHash('sha256').update(`crossing-qr-${n}`).digest('hex');
  for (let i = 0; i < 4; ++i) {
    cp.queueLaneEvent(LANES[0], 'scan', { lane: LANES[0], qr_hash: hash(i), verdict: i === 3 ? 'qr.expired' : 'accepted' });
    cp.queueLaneEvent(LANES[0], 'crossing', { lane: LANES[0], outcome: i === 3 ? 'refused' : 'passed', reasons: i === 3 ? ['qr.expired'] : [],
      reference: `ENR-01${i}`, qr_hash: hash(i), lane_ms: 9000 + i * 1500 });
  }
  await waitFor('lane 1 history pushed', () => cp.laneOutboxDepth(LANES[0]) === 0, 20000);

  browser = await chromium.launch({
    executablePath: chromiumPath, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });

  const officer = await newSession('officer');
  const supervisor = await newSession('supervisor');
  let alertId = null;

  await step('security headers: CSP without inline script, session cookie HttpOnly+Secure+SameSite', async () => {
    const r = await officer.page.goto(cp.consoleUrl + '/');
    const csp = (await r.allHeaders())['content-security-policy'] || '';
    expect(/script-src[^;]*'self'/.test(csp) || /default-src[^;]*'self'/.test(csp), `CSP: ${csp}`);
    expect(!/unsafe-inline|unsafe-eval/.test(csp.split(';').filter((d) => /script-src|default-src/.test(d)).join(';')), `CSP allows inline script: ${csp}`);
    const [resp] = await Promise.all([
      officer.page.waitForResponse((x) => x.url().endsWith('/v1/console/login')),
      (async () => {
        await officer.page.locator('input[name=username]').fill(officer.name);
        await officer.page.locator('input[name=password]').fill(PASSWORD);
        await officer.page.locator('form.login button[type=submit]').click();
      })(),
    ]);
    const cookie = (await resp.allHeaders())['set-cookie'] || '';
    expect(/HttpOnly/i.test(cookie) && /Secure/i.test(cookie) && /SameSite=(Strict|Lax)/i.test(cookie), `Set-Cookie: ${cookie}`);
    await officer.page.locator('#nav').waitFor({ state: 'visible' });
    expect(!(await officer.page.evaluate(() => document.cookie)).includes('ech_session'), 'the session cookie is visible to script');
  });

  await step('1. an officer logs in and sees three lanes', async () => {
    await officer.page.locator('#wall li.tile').first().waitFor();
    await waitFor('three tiles', async () => (await officer.page.locator('#wall li.tile').count()) === 3, 10000);
    for (const id of LANES) expect(await officer.page.locator(`#wall li.tile[data-lane="${id}"]`).count() === 1, `no tile for ${id}`);
    const text = await officer.page.locator(`#wall li.tile[data-lane="${LANES[0]}"]`).innerText();
    expect(/In service/.test(text), `tile of ${LANES[0]}: ${text}`);
  });

  let alertMs = null;
  await step('2. a tailgating case on a lane raises an alert that appears on the wall', async () => {
    const tile = `#wall li.tile[data-lane="${LANES[1]}"]`;
    eq(await officer.page.locator(`${tile} .tile-alerts`).innerText(), '0', 'open alerts before');
    // Record in the page when the tile first shows the alert.
    await officer.page.evaluate((sel) => {
      window.__alertSeen = 0;
      const check = () => { const el = document.querySelector(sel); if (!window.__alertSeen && el && el.textContent.trim() === '1') window.__alertSeen = Date.now(); };
      new MutationObserver(check).observe(document.getElementById('main'), { subtree: true, childList: true, characterData: true });
    }, `${tile} .tile-alerts`);
    const t0 = Date.now();
    cp.queueLaneEvent(LANES[1], 'alert', { lane: LANES[1], reason: 'lane.tailgating' });
    await officer.page.locator(`${tile}.tile-alert`).waitFor({ timeout: 15000 });
    const seen = await waitFor('the observer', () => officer.page.evaluate(() => window.__alertSeen), 2000, 20);
    alertMs = seen - t0;
    await waitFor('the live region to announce it', async () => (await officer.page.locator('#live-alerts').innerText()).includes(LANES[1]), 3000, 20);
    const badge = await officer.page.locator('#nav-alerts .badge').innerText();
    eq(badge, '1', 'alerts badge');
    log(`timing: alert queued at the lane -> on the officer's screen: ${alertMs} ms (lane push interval 100 ms included)`);
  });

  await step('3. the officer acknowledges it (recorded on the server: who and when)', async () => {
    await officer.page.locator('#nav-alerts').click();
    const row = officer.page.locator('#alert-list tbody tr', { hasText: LANES[1] });
    await row.waitFor();
    alertId = await row.getAttribute('data-alert');
    expect(alertId, 'alert row without id');
    await row.locator('button.ack').click();
    await officer.page.locator('#alert-list tbody tr', { hasText: LANES[1] }).waitFor({ state: 'detached' });
    // Server side, from another officer's session.
    await login(supervisor);
    const r = await pageFetch(supervisor.page, 'GET', '/v1/console/alerts');
    eq(r.status, 200, 'GET alerts');
    const a = r.body.alerts.find((x) => String(x.id) === alertId);
    expect(a, `alert ${alertId} not listed`);
    eq(a.acked, true, 'acked');
    eq(a.acked_by, officer.name, 'acked_by');
    expect(a.acked_at > 0, 'acked_at');
    // and the supervisor's list shows who acknowledged it.
    await supervisor.page.locator('#nav-alerts').click();
    await supervisor.page.locator('button[aria-pressed]', { hasText: 'All' }).click();
    const text = await supervisor.page.locator(`#alert-list tr[data-alert="${alertId}"]`).innerText();
    expect(text.includes(`Acknowledged by ${officer.name}`), `supervisor sees: ${text}`);
  });

  await step('4. a supervisor takes a lane out of service and the lane really changes state', async () => {
    const lane = LANES[2];
    const before = await cp.heartbeat(lane);
    expect(before.in_service === true && before.state !== 'OutOfService', `before: ${JSON.stringify(before)}`);
    await supervisor.page.goto(`${cp.consoleUrl}/#/lane/${lane}`);
    await supervisor.page.locator('button[data-command=out_of_service]').click();
    const dialog = supervisor.page.locator('dialog[open]');
    await dialog.waitFor();
    await dialog.locator('button.btn-primary').click();
    await supervisor.page.locator('#command-result[data-state]').waitFor({ timeout: 30000 });
    eq(await supervisor.page.locator('#command-result').getAttribute('data-state'), 'applied', 'command result');
    const hb = await waitFor('a heartbeat saying OutOfService', async () => {
      const x = await cp.heartbeat(lane);
      return x && x.state === 'OutOfService' && x.in_service === false ? x : null;
    }, 15000, 200);
    expect(hb, 'heartbeat');
    // The wall shows it too (from the live feed).
    await supervisor.page.goto(`${cp.consoleUrl}/#/wall`);
    await supervisor.page.locator(`#wall li.tile-out[data-lane="${lane}"]`).waitFor({ timeout: 10000 });
  });

  await step('5. an officer cannot reach admin pages nor call admin endpoints', async () => {
    expect(await officer.page.locator('#nav-officers').count() === 0, 'the officer sees the officers link');
    await officer.page.goto(`${cp.consoleUrl}/#/officers`);
    await officer.page.locator('#forbidden').waitFor();
    expect(await officer.page.locator('#officers').count() === 0, 'officer list rendered');
    for (const [m, u, b] of [['GET', '/v1/console/officers'], ['POST', '/v1/console/officers', { name: 'x.y', role: 'admin', password: 'p'.repeat(16) }],
      ['GET', '/v1/console/audit/verify'], ['GET', '/v1/console/watchlist'],
      ['POST', `/v1/console/lanes/${LANES[0]}/commands`, { kind: 'out_of_service', args: {}, confirm: true }]]) {
      const r = await pageFetch(officer.page, m, u, { body: b });
      eq(r.status, 403, `${m} ${u}`);
      eq(r.body?.error?.code, 'auth.wrong_role', `${m} ${u} code`);
    }
    const r = await pageFetch(officer.page, 'GET', '/v1/console/officers');
    expect(!JSON.stringify(r.body).includes(OFFICERS.admin), 'officer list leaked');
  });

  await step('6. a request without its CSRF token is refused', async () => {
    const before = (await cp.admin('/v1/admin/stats')).body.commands;
    for (const csrf of ['', 'forged-token-value']) {
      const r = await pageFetch(supervisor.page, 'POST', `/v1/console/lanes/${LANES[0]}/commands`,
        { body: { kind: 'out_of_service', args: {}, confirm: true }, csrf });
      eq(r.status, 403, `POST without a valid CSRF token (${csrf || 'none'})`);
      eq(r.body?.error?.code, 'auth.csrf', 'code');
    }
    eq((await cp.admin('/v1/admin/stats')).body.commands, before, 'commands queued');
    const hb = await cp.heartbeat(LANES[0]);
    expect(hb.in_service === true, `lane 1 left service: ${JSON.stringify(hb)}`);
  });

  await step('7. the live feed recovers after the connection drops (server restarted)', async () => {
    const p = officer.page;
    await p.goto(`${cp.consoleUrl}/#/wall`);
    await p.locator('#live-indicator.is-live').waitFor();
    await cp.stopServer();
    await p.locator('#live-indicator.is-down').waitFor({ timeout: 10000 });
    await cp.startServer({ samePorts: true });
    await p.locator('#live-indicator.is-live').waitFor({ timeout: 20000 });
    // The lanes are back too; a new alert reaches the same page without a reload.
    const tile = `#wall li.tile[data-lane="${LANES[2]}"]`;
    const before = Number(await p.locator(`${tile} .tile-alerts`).innerText());
    cp.queueLaneEvent(LANES[2], 'alert', { lane: LANES[2], reason: 'lane.tailgating' });
    await waitFor('the alert after the restart', async () => Number(await p.locator(`${tile} .tile-alerts`).innerText()) === before + 1, 30000, 100);
  });

  const admin = await newSession('admin');
  await login(admin);
  await step('accessibility: axe-core on every page, no serious or critical violations', async () => {
    const problems = [];
    for (const s of [admin, officer]) problems.push(...(await axeCheck(s, cp, axeSource, LANES)));
    expect(problems.length === 0, problems.join('\n'));
  });

  await step('keyboard only: login, acknowledge, command confirmation', async () => {
    cp.queueLaneEvent(LANES[0], 'alert', { lane: LANES[0], reason: 'lane.tailgating' });
    const kb = await newSession('supervisor');
    await keyboardWalk(kb, cp, PASSWORD, LANES);
    const hb = await waitFor('lane back in service', async () => {
      const x = await cp.heartbeat(LANES[2]);
      return x && x.in_service === true ? x : null;
    }, 15000, 200);
    expect(hb.state !== 'OutOfService', 'state');
    await kb.context.close();
  });

  await step('health-authority export: requested, one-time code from another admin, downloaded once', async () => {
    const sp = supervisor.page;
    await sp.goto(`${cp.consoleUrl}/#/exports`);
    await sp.locator(`input[name=lanes][value="${LANES[0]}"]`).check();
    await sp.locator('input[name=purpose]').fill('HA request 2026/118');
    await sp.locator('form', { hasText: 'Request an export' }).locator('button[type=submit]').click();
    await sp.locator('.notice-ok', { hasText: 'recorded' }).waitFor();
    const id = await sp.locator('input[name=export-id]').inputValue();
    expect(/^\d+$/.test(id), `export id "${id}"`);
    // Downloading before a code exists is refused.
    await sp.locator('input[name=code]').fill('AAAA-BBBB-CCCC');
    await sp.locator('form', { hasText: 'Download with a code' }).locator('button[type=submit]').click();
    await sp.locator('.notice-error').waitFor();
    // An admin (not the requester) issues the code; it is shown once in a dialog.
    await admin.page.goto(`${cp.consoleUrl}/#/exports`);
    await admin.page.locator('#exports tbody tr', { hasText: 'HA request 2026/118' }).locator('button').click();
    const code = (await admin.page.locator('dialog[open] #one-time-code').innerText()).trim();
    expect(/^[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}$/.test(code), `code "${code}"`);
    await admin.page.keyboard.press('Escape');
    await sp.locator('input[name=code]').fill(code);
    await sp.locator('select[name=format]').selectOption('csv');
    const [download] = await Promise.all([sp.waitForEvent('download'),
      sp.locator('form', { hasText: 'Download with a code' }).locator('button[type=submit]').click()]);
    const csv = fs.readFileSync(await download.path(), 'utf8').trim().split('\n');
    eq(csv[0], 'time,lane,outcome,reasons,reference,qr_hash', 'CSV header');
    eq(csv.length - 1, 4, 'crossings exported');
    expect(csv.slice(1).every((l) => l.includes(LANES[0]) && /ENR-01\d/.test(l)), csv.join('\n'));
    // Once only.
    await sp.locator('input[name=code]').fill(code);
    await sp.locator('form', { hasText: 'Download with a code' }).locator('button[type=submit]').click();
    await sp.locator('.notice-error', { hasText: 'already been downloaded' }).waitFor();
  });

  await step('enrolment look-up shows the masked number; the watchlist keeps only the hash', async () => {
    const p = supervisor.page;
    await p.goto(`${cp.consoleUrl}/#/enrolments`);
    await p.locator('input[name=reference]').fill('ENR-0101');
    await p.locator('form button[type=submit]').click();
    const masked = (await p.locator('#enrolment-result .masked').innerText()).trim();
    expect(masked.includes('*') && (masked.match(/[A-Za-z0-9]/g) || []).length <= 4, `masked number "${masked}"`);
    await p.locator('input[name=reference]').fill('ENR-NOPE');
    await p.locator('form button[type=submit]').click();
    await p.locator('#enrolment-result .notice-error', { hasText: 'No enrolment' }).waitFor();
    await p.goto(`${cp.consoleUrl}/#/watchlist`);
    await p.locator('input[name=document_number]').fill('k123456(8)');
    await p.locator('form button[type=submit]').click();
    await p.locator('.notice-ok').waitFor();
    eq(await p.locator('input[name=document_number]').inputValue(), '', 'the number stays in the field');
    const want = crypto.createHash('sha256').update('kiosk.document.v1:K1234568').digest('hex');
    await p.locator(`#watchlist code.hash[title="${want}"]`).waitFor();
    const listed = await pageFetch(p, 'GET', '/v1/console/watchlist');
    expect(listed.body.entries.some((e) => e.document_hash === want && String(e.added_by).endsWith(supervisor.name)), JSON.stringify(listed.body));
    expect(!JSON.stringify(listed.body).includes('1234568'), 'the clear number came back');
  });

  await step('language switch: Traditional Chinese, Portuguese, English, remembered per officer', async () => {
    const p = officer.page;
    await p.goto(`${cp.consoleUrl}/#/wall`);
    await p.locator('#wall li.tile').first().waitFor();
    for (const [lang, title, nav] of [['zh-Hant', '通道', '警示'], ['pt', 'Canais', 'Alertas'], ['en', 'Lanes', 'Alerts']]) {
      await p.locator('#lang').selectOption(lang);
      await waitFor(`the page in ${lang}`, async () => (await p.locator('#page-title').innerText()) === title, 5000, 50);
      eq(await p.evaluate(() => document.documentElement.lang), lang, 'html lang');
      expect((await p.locator('#nav-alerts').innerText()).startsWith(nav), `nav in ${lang}`);
    }
    await p.locator('#lang').selectOption('pt');
    await waitFor('the page in pt', async () => (await p.locator('#page-title').innerText()) === 'Canais', 5000, 50);
    await p.reload();
    await waitFor('Portuguese after a reload', async () => (await p.locator('#page-title').innerText().catch(() => '')) === 'Canais', 10000, 100);
    eq(await p.evaluate((n) => localStorage.getItem(`console.lang.${n}`), officer.name), 'pt', 'remembered for the officer');
    await p.locator('#lang').selectOption('en');
  });

  await step('no Content-Security-Policy violation and no script error in any page', async () => {
    expect(cspViolations.length === 0, cspViolations.join('\n'));
    expect(pageErrors.length === 0, pageErrors.join('\n'));
  });

  if (shotsDir) {
    await step(`screenshots of every page in three languages -> ${shotsDir}`, async () => {
      const n = await screenshots(browser, cp, shotsDir, { admin: OFFICERS.admin, officer: OFFICERS.officer }, PASSWORD, LANES);
      log(`${n} screenshots written`);
    });
  }
  log(`timing: alert_to_screen_ms=${alertMs}`);
}

let code = 0;
try {
  await main();
} catch (e) {
  log(`FAIL setup: ${e.stack || e.message}`);
  results.push({ name: 'setup', ok: false, error: e });
} finally {
  if (browser) await browser.close().catch(() => {});
  await cp.stop();
  const failed = results.filter((r) => !r.ok);
  log(`${results.length - failed.length} passed, ${failed.length} failed`);
  if (failed.length) {
    code = 1;
    for (const id of LANES) { const l = cp.lanes.get(id); if (l && fs.existsSync(l.log)) log(`--- ${id} log (tail)\n${fs.readFileSync(l.log, 'utf8').split('\n').slice(-15).join('\n')}`); }
    if (fs.existsSync(cp.p('server.log'))) log(`--- server log (tail)\n${fs.readFileSync(cp.p('server.log'), 'utf8').split('\n').slice(-30).join('\n')}`);
  }
  if (!keep && !failed.length) fs.rmSync(work, { recursive: true, force: true });
}
process.exit(code);
