// The control point the browser tests run against: a project CA, the real
// clearance-server (console enabled, SQLite in a temp folder), officer accounts made with
// its bootstrap command, and simulated lanes: the real kiosk binary in live mode on
// simulated devices with a sync section, so each lane is a real sync client whose state
// machine carries out the console's commands and whose heartbeats report its state.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';

export const PASSWORD = 'console-test-passphrase-1';

export function log(...a) { console.log('console-browser:', ...a); }

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts });
  if (r.status !== 0) throw new Error(`${path.basename(cmd)} ${args.join(' ')} -> ${r.status}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function waitFor(what, f, timeoutMs = 30000, stepMs = 100) {
  const end = Date.now() + timeoutMs;
  let last;
  while (Date.now() < end) {
    try { last = await f(); if (last) return last; } catch (e) { last = e; }
    await sleep(stepMs);
  }
  throw new Error(`timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
}

export class ControlPoint {
  constructor({ buildDir, sourceDir, work, lanes }) {
    this.buildDir = buildDir;
    this.sourceDir = sourceDir;
    this.work = work;
    this.laneIds = lanes;
    this.kioskctl = path.join(buildDir, 'tools/kioskctl');
    this.serverBin = path.join(buildDir, 'server/clearance-server');
    this.kioskBin = path.join(buildDir, 'kiosk/kiosk');
    this.children = [];
    this.lanes = new Map();  // id -> {proc, db, log}
  }

  p(...x) { return path.join(this.work, ...x); }

  pki() {
    const ca = this.p('ca'), certs = this.p('certs');
    fs.mkdirSync(ca, { recursive: true });
    fs.mkdirSync(certs, { recursive: true });
    run(this.kioskctl, ['ca', 'init', '--dir', ca]);
    run(this.kioskctl, ['ca', 'server', '--dir', ca, '--name', 'localhost', '--name', '127.0.0.1', '--out', path.join(certs, 'server')]);
    run(this.kioskctl, ['ca', 'issue', '--dir', ca, '--id', 'office-1', '--role', 'admin', '--out', path.join(certs, 'office-1')]);
    run(this.kioskctl, ['ca', 'template-key', '--out', path.join(certs, 'template.key')]);
    run(this.kioskctl, ['key', 'create', '--alg', 'ES256', '--kid', 'trust-signer', '--out', path.join(certs, 'trust-signer')]);
    // A live lane without a valid trust list stays out of service (trust.missing): each lane
    // gets a fresh list signed by the trust signer, as an installation would.
    run(this.kioskctl, ['key', 'create', '--alg', 'ES256', '--kid', 'hk-console-test', '--out', path.join(certs, 'issuer')]);
    run(this.kioskctl, ['trust', 'make', '--signer', path.join(certs, 'trust-signer.key.pem'), '--signer-kid', 'trust-signer',
      '--issuer', `kid=hk-console-test,pem=${path.join(certs, 'issuer.pub.pem')},issuer=HK,purpose=crossing`,
      '--out', path.join(certs, 'trust.cose')]);
    for (const id of this.laneIds) run(this.kioskctl, ['ca', 'issue', '--dir', ca, '--id', id, '--role', 'lane', '--out', path.join(certs, id)]);
  }

  writeServerConfig() {
    const cfg = {
      listen: { address: '127.0.0.1', port: 0 },
      tls: { cert_file: 'certs/server.cert.pem', key_file: 'certs/server.key.pem', client_ca_file: 'ca/ca.cert.pem', crl_file: 'ca/crl.pem' },
      db: `sqlite:${this.p('clearance.sqlite')}`,
      console: { enabled: true, listen: { address: '127.0.0.1', port: 0 },
        static_dir: path.join(this.sourceDir, 'assets/console'), feed_interval_ms: 50 },
    };
    fs.writeFileSync(this.p('server.json'), JSON.stringify(cfg, null, 2));
  }

  addOfficer(name, role) {
    const out = run(this.serverBin, ['--config', this.p('server.json'), 'officer', 'add', name, '--role', role], { input: `${PASSWORD}\n` });
    if (!out.includes(`officer ${name} added`)) throw new Error(`officer add ${name}: ${out}`);
  }

  // `samePorts`: a restart on the ports of the first start (browsers and lanes reconnect).
  async startServer({ samePorts = false } = {}) {
    const logFile = this.p('server.log');
    const from = fs.existsSync(logFile) ? fs.statSync(logFile).size : 0;
    const out = fs.openSync(logFile, 'a');
    const args = ['--config', this.p('server.json')];
    if (samePorts) args.push('--port', String(this.devicePort), '--console-port', String(this.consolePort));
    const proc = spawn(this.serverBin, args, { stdio: ['ignore', out, out] });
    this.server = proc;
    this.children.push(proc);
    await waitFor('the server to listen', () => {
      if (proc.exitCode !== null) throw new Error(`clearance-server exited ${proc.exitCode}:\n${fs.readFileSync(logFile, 'utf8')}`);
      const text = fs.readFileSync(logFile, 'utf8').slice(from);
      const dev = /listening on [^\n]*:(\d+)/.exec(text);
      const con = /console on [^\n]*:(\d+)/.exec(text);
      if (!dev || !con) return false;
      this.devicePort = Number(dev[1]);
      this.consolePort = Number(con[1]);
      return true;
    });
    this.deviceUrl = `https://127.0.0.1:${this.devicePort}`;
    this.consoleUrl = `https://127.0.0.1:${this.consolePort}`;
  }

  async stopServer() {
    const proc = this.server;
    if (proc.exitCode !== null) return;
    const done = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    await done;
  }

  // The enrolment office imports the centre's residents (as scripts/control-point does),
  // so a look-up by reference finds them and the lanes pull them.
  importEnrolments() {
    const file = this.p('enrolments.json');
    run(this.kioskctl, ['enrolment', 'export', '--scenario', path.join(this.sourceDir, 'assets/scenarios/control-point.json'),
      '--template-key', this.p('certs', 'template.key'), '--out', file], { env: { ...process.env, KIOSK_BUILD_DIR: this.buildDir } });
    const certs = this.p('certs');
    return run(this.kioskctl, ['enrolment', 'import', '--file', file, '--server', this.deviceUrl, '--cert', path.join(certs, 'office-1.cert.pem'),
      '--key', path.join(certs, 'office-1.key.pem'), '--ca', this.p('ca', 'ca.cert.pem')]);
  }

  // A lane: kiosk --live --headless on simulated devices, syncing every 100 ms (the push
  // interval) with a long poll for commands.
  startLane(id) {
    const dir = this.p('lanes', id);
    fs.mkdirSync(dir, { recursive: true });
    const certs = this.p('certs');
    const cfg = {
      mode: 'live',
      lane_id: id,
      store: { path: path.join(dir, 'kiosk.sqlite'), key_file: path.join(dir, 'biometrics.key') },
      trust: { file: path.join(certs, 'trust.cose'), signer_public_key: path.join(certs, 'trust-signer.pub.pem') },
      fingerprint: { backend: 'virtual_image' },
      devices: { qr: { backend: 'sim' }, document: { backend: 'sim' }, camera: { backend: 'sim' }, gate: { backend: 'sim' } },
      sync: { server: this.deviceUrl, cert_file: path.join(certs, `${id}.cert.pem`), key_file: path.join(certs, `${id}.key.pem`),
        ca_file: this.p('ca', 'ca.cert.pem'), template_key_file: path.join(certs, 'template.key'),
        push_interval_ms: 100, pull_interval_ms: 2000, heartbeat_interval_ms: 1000, command_wait_ms: 20000 },
    };
    fs.writeFileSync(path.join(dir, 'lane.json'), JSON.stringify(cfg, null, 2));
    const logFile = path.join(dir, 'lane.log');
    const out = fs.openSync(logFile, 'a');
    const proc = spawn(this.kioskBin, ['--headless', '--config', path.join(dir, 'lane.json')], { stdio: ['ignore', out, out] });
    this.children.push(proc);
    this.lanes.set(id, { proc, db: cfg.store.path, log: logFile });
  }

  // Queues an event in a lane's own outbox, as the lane's services do (LaneServices::
  // alertOfficer: kind "alert", {lane, reason}); the lane's sync agent pushes it.
  queueLaneEvent(id, kind, payload) {
    const lane = this.lanes.get(id);
    const sql = `INSERT INTO outbox(created_at, kind, payload) VALUES(strftime('%s','now'), '${kind}', '${JSON.stringify(payload).replace(/'/g, "''")}');`;
    run('sqlite3', ['-cmd', '.timeout 10000', lane.db, sql]);
  }

  laneOutboxDepth(id) {
    return Number(run('sqlite3', ['-cmd', '.timeout 10000', this.lanes.get(id).db, 'SELECT COUNT(*) FROM outbox;']).trim());
  }

  // The admin API with the office certificate (docs/api.md), independent of the console.
  admin(pathAndQuery) {
    const certs = this.p('certs');
    return new Promise((resolve, reject) => {
      const req = https.request(this.deviceUrl + pathAndQuery, {
        ca: fs.readFileSync(this.p('ca', 'ca.cert.pem')),
        cert: fs.readFileSync(path.join(certs, 'office-1.cert.pem')),
        key: fs.readFileSync(path.join(certs, 'office-1.key.pem')),
      }, (res) => {
        let body = '';
        res.on('data', (c) => { body += c; });
        res.on('end', () => { try { resolve({ status: res.statusCode, body: JSON.parse(body) }); } catch (e) { reject(e); } });
      });
      req.on('error', reject);
      req.end();
    });
  }

  async heartbeat(id) {
    const r = await this.admin('/v1/admin/devices');
    return (r.body.devices || []).find((d) => d.device === id)?.heartbeat ?? null;
  }

  // SIGTERM, then SIGKILL for whatever is still running after `graceMs` (a lane seen
  // once not stopping on SIGTERM after its server had died): no child outlives the run.
  async stop(graceMs = 5000) {
    const alive = this.children.filter((c) => c.exitCode === null && c.signalCode === null);
    const exits = alive.map((c) => new Promise((r) => c.once('exit', r)));
    for (const c of alive) c.kill('SIGTERM');
    const timer = setTimeout(() => { for (const c of alive) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL'); }, graceMs);
    await Promise.all(exits);
    clearTimeout(timer);
  }
}
