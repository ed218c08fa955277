// The pages every officer uses: the wall of lanes, the alert list, a lane's page with its
// commands. Each page renders into `main` and returns its cleanup.
import { api, ApiError } from './api.js';
import { t, fmtTime, fmtClock, fmtNumber } from './i18n.js';
import { h, clear, table, announce, notice, confirmDialog, keepFocus } from './dom.js';
import { isOpen, reasonText, laneId } from './app.js';

export function stateText(s) {
  if (!s) return t('state.unknown');
  const k = `state.${s}`;
  const v = t(k);
  return v === k ? s : v;
}

export function shortHash(hash) {
  if (!hash) return '–';
  return h('code', { class: 'hash', title: hash }, hash.length > 16 ? `${hash.slice(0, 12)}…` : hash);
}

function outcomeText(o) { const k = `outcome.${o}`; const v = t(k); return v === k ? o : v; }

export function errorText(e) {
  if (e instanceof ApiError) {
    if (e.status === 403 && e.code === 'auth.csrf') return t('common.csrf');
    if (e.status === 403 && e.code === 'auth.wrong_role') return t('common.forbidden');
  }
  return t('common.error', { message: e.message });
}

function pageSection(main, titleText, ...children) {
  const sec = h('section', { class: 'page', 'aria-labelledby': 'page-title' },
    h('h2', { id: 'page-title' }, titleText), ...children);
  clear(main, sec);
  return sec;
}

// ---- the wall ----

function laneStatus(l, ctx) {
  const now = Date.now() / 1000 + (ctx.state.clockSkew || 0);
  const stale = l.last_seen ? now - l.last_seen > (ctx.state.staleAfter || 30) : true;
  if (stale) return { cls: 'stale', text: t('tile.offline', { seconds: l.last_seen ? Math.round(now - l.last_seen) : '∞' }) };
  if (l.state === 'Emergency') return { cls: 'emergency', text: stateText('Emergency') };
  if (l.in_service === false || l.state === 'OutOfService') return { cls: 'out', text: t('tile.out_of_service') };
  return { cls: 'ok', text: t('tile.in_service') };
}

function doorText(doors) {
  if (!doors || typeof doors !== 'object') return t('tile.door_unknown');
  const one = (v) => (v === true || v === 'open' ? t('tile.door_open') : v === false || v === 'closed' ? t('tile.door_closed') : t('tile.door_unknown'));
  return `${t('tile.door_entry')} ${one(doors.entry ?? doors.door1)}, ${t('tile.door_exit')} ${one(doors.exit ?? doors.door2)}`;
}

export function laneTile(l, ctx) {
  const id = laneId(l);
  const st = laneStatus(l, ctx);
  const alerts = l.open_alerts || 0;
  const last = l.last_crossing;
  const row = (label, value, cls) => [h('dt', {}, label), h('dd', { class: cls }, value)];
  return h('li', { class: ['tile', `tile-${st.cls}`, alerts ? 'tile-alert' : ''], 'data-lane': id },
    h('article', { 'aria-labelledby': `tile-${id}` },
      h('h4', { id: `tile-${id}`, class: 'tile-title' },
        h('a', { href: `#/lane/${encodeURIComponent(id)}`, 'aria-label': t('tile.open', { lane: id }) }, id)),
      h('p', { class: `tile-status status-${st.cls}` }, st.text),
      h('dl', {},
        row(t('tile.state'), stateText(l.state), 'tile-state'),
        row(t('tile.doors'), doorText(l.doors)),
        row(t('tile.last_crossing'), last
          ? `${outcomeText(last.outcome)} ${fmtClock(last.time)}${last.reasons?.length ? ` (${last.reasons.map(reasonText).join(', ')})` : ''}`
          : '–'),
        row(t('tile.crossings_hour'), fmtNumber(l.crossings_last_hour || 0), 'tile-count'),
        row(t('tile.open_alerts'), alerts ? h('a', { href: '#/alerts', class: 'alert-count' }, String(alerts)) : '0',
          'tile-alerts'))));
}

export function wallPage(main, ctx) {
  ctx.setTitle(t('wall.title'));
  const body = h('div', { id: 'wall' });
  pageSection(main, t('wall.title'), body);
  const draw = () => {
    const groups = new Map();
    for (const l of ctx.state.lanes.values()) {
      const cp = l.control_point || laneId(l).replace(/-\d+$/, '');
      if (!groups.has(cp)) groups.set(cp, []);
      groups.get(cp).push(l);
    }
    if (!groups.size) { clear(body, h('p', { class: 'empty' }, t('wall.empty'))); return; }
    clear(body, [...groups.keys()].sort().map((cp) => {
      const lanes = groups.get(cp).sort((a, b) => laneId(a).localeCompare(laneId(b)));
      return h('section', { class: 'cp', 'aria-labelledby': `cp-${cp}` },
        h('h3', { id: `cp-${cp}` }, t('wall.control_point', { cp }), ' ',
          h('span', { class: 'muted' }, t('wall.lanes_count', { n: lanes.length }))),
        h('ul', { class: 'tiles' }, lanes.map((l) => laneTile(l, ctx))));
    }));
  };
  // One tile at a time, and only when what it shows changed (heartbeats come every few
  // seconds and mostly change nothing); focus stays where it was.
  const redrawLane = (id) => {
    const old = body.querySelector(`li[data-lane="${CSS.escape(id)}"]`);
    const l = ctx.state.lanes.get(id);
    if (!old || !l) { keepFocus(body, draw); return; }
    const fresh = laneTile(l, ctx);
    if (fresh.outerHTML !== old.outerHTML) keepFocus(body, () => old.replaceWith(fresh));
  };
  draw();
  const off = ctx.onLive((kind, data) => {
    const id = data?.lane;
    if (kind === 'resync' || !id) keepFocus(body, draw); else redrawLane(id);
  });
  // Stale marks age without events: look at each tile every 5 s.
  const timer = setInterval(() => { for (const id of ctx.state.lanes.keys()) redrawLane(id); }, 5000);
  return () => { off(); clearInterval(timer); };
}

// ---- alerts ----

export function alertsPage(main, ctx) {
  ctx.setTitle(t('alerts.title'));
  let openOnly = true;
  const list = h('div', { id: 'alert-list' });
  const bOpen = h('button', { type: 'button', class: 'btn btn-small', 'aria-pressed': 'true' }, t('alerts.show_open'));
  const bAll = h('button', { type: 'button', class: 'btn btn-small', 'aria-pressed': 'false' }, t('alerts.show_all'));
  const filter = h('div', { class: 'toolbar', role: 'group', 'aria-label': t('alerts.title') }, bOpen, bAll);
  const sec = pageSection(main, t('alerts.title'), filter, list);
  const setFilter = (v) => {
    openOnly = v;
    bOpen.setAttribute('aria-pressed', String(v));
    bAll.setAttribute('aria-pressed', String(!v));
    draw();
  };
  bOpen.addEventListener('click', () => setFilter(true));
  bAll.addEventListener('click', () => setFilter(false));

  const ack = async (a, button) => {
    button.disabled = true;
    try {
      const answer = await api.ack(a.id);
      ctx.state.alerts.set(String(a.id), { ...a, ...answer });
      const lane = ctx.state.lanes.get(a.lane);
      if (lane && isOpen(a)) lane.open_alerts = Math.max(0, (lane.open_alerts || 1) - 1);
      announce(t('alerts.acked_done', { id: a.id }));
      draw();
      // Keep keyboard users in the list: focus the next acknowledge button or the list.
      (list.querySelector('button.ack') || list.querySelector('table') || list).focus?.();
    } catch (e) {
      button.disabled = false;
      notice(sec, errorText(e), 'error');
    }
  };

  function draw() {
    const rows = [...ctx.state.alerts.values()].filter((a) => !openOnly || isOpen(a))
      .sort((x, y) => (y.received_at || 0) - (x.received_at || 0) || Number(y.id) - Number(x.id));
    const cols = [
      { label: t('alerts.col_time'), cell: (a) => fmtTime(a.received_at || a.time) },
      { label: t('alerts.col_lane'), cell: (a) => h('a', { href: `#/lane/${encodeURIComponent(a.lane)}` }, a.lane) },
      { label: t('alerts.col_reason'), cell: (a) => reasonText(a.reason) },
      { label: t('alerts.col_status'), cell: (a) => (isOpen(a) ? h('span', { class: 'pill pill-open' }, t('alerts.open'))
        : h('span', { class: 'acked' }, t('alerts.acked_by', { who: a.acked_by, when: fmtTime(a.acked_at) }))) },
      { label: t('alerts.col_action'), cell: (a) => {
        if (!isOpen(a)) return '–';
        // The visible word first, then (for screen readers) which alert: the accessible
        // name contains the visible text (WCAG 2.5.3).
        const b = h('button', { type: 'button', class: 'btn btn-small btn-primary ack', 'data-alert': a.id },
          t('alerts.ack'), h('span', { class: 'sr-only' }, ` ${a.lane} #${a.id}`));
        b.addEventListener('click', () => ack(a, b));
        return b;
      } },
    ];
    keepFocus(list, () => {
      clear(list, table(null, cols, rows, t('alerts.empty')));
      list.querySelectorAll('tbody tr').forEach((tr, i) => { if (rows[i]) tr.dataset.alert = rows[i].id; });
    });
  }
  draw();
  const off = ctx.onLive((kind) => { if (kind.startsWith('alert') || kind === 'resync') draw(); });
  return off;
}

// ---- a lane ----

const COMMANDS = [
  { kind: 'out_of_service', role: 'supervisor' },
  { kind: 'in_service', role: 'supervisor' },
  { kind: 'release', role: 'officer' },
  { kind: 'emergency_open', role: 'officer', danger: true },
];

export function lanePage(main, ctx) {
  const id = ctx.args[0] || '';
  ctx.setTitle(t('lane.title', { lane: id }));
  const summary = h('ul', { class: 'tiles tiles-single', id: 'lane-summary' });
  const cmdResult = h('p', { id: 'command-result', class: 'command-result', role: 'status', 'aria-live': 'polite' });
  const cmdButtons = COMMANDS.filter((c) => ctx.can(c.role)).map((c) => {
    const b = h('button', { type: 'button', class: c.danger ? 'btn btn-danger' : 'btn', 'data-command': c.kind }, t(`cmd.${c.kind}`));
    b.addEventListener('click', () => sendCommand(c, b));
    return b;
  });
  const scans = h('div', { id: 'scans' }, t('common.loading'));
  const crossings = h('div', { id: 'crossings' });
  const audit = h('div', { id: 'lane-audit' });
  const more = h('button', { type: 'button', class: 'btn btn-small', hidden: true }, '…');
  const sec = pageSection(main, t('lane.title', { lane: id }),
    h('p', {}, h('a', { href: '#/wall' }, t('lane.back'))),
    summary,
    h('section', { 'aria-labelledby': 'cmd-title', class: 'commands' },
      h('h3', { id: 'cmd-title' }, t('lane.commands')),
      h('div', { class: 'toolbar' }, cmdButtons), cmdResult),
    h('section', { 'aria-labelledby': 'scans-title' }, h('h3', { id: 'scans-title' }, t('lane.scans')), scans),
    h('section', { 'aria-labelledby': 'cross-title' }, h('h3', { id: 'cross-title' }, t('lane.crossings')), crossings, more),
    h('section', { 'aria-labelledby': 'audit-title' }, h('h3', { id: 'audit-title' }, t('lane.audit')), audit));

  let crossingRows = [];
  let alive = true;
  const drawSummary = () => {
    const l = ctx.state.lanes.get(id);
    const fresh = l ? laneTile(l, ctx) : null;
    if (fresh && summary.firstChild && summary.firstChild.outerHTML === fresh.outerHTML) return;
    keepFocus(summary, () => clear(summary, fresh));
  };
  const load = async (before) => {
    try {
      const page = await api.lane(id, before);
      if (!alive) return;
      if (page.lane) ctx.state.lanes.set(id, { ...(ctx.state.lanes.get(id) || {}), ...page.lane });
      drawSummary();
      clear(scans, table(null, [
        { label: t('lane.col_time'), cell: (r) => fmtTime(r.time) },
        { label: t('lane.col_hash'), cell: (r) => shortHash(r.qr_hash) },
        { label: t('lane.col_outcome'), cell: (r) => (r.verdict === 'accepted' || r.verdict === 'verified' ? r.verdict : reasonText(r.verdict)) },
      ], page.scans || [], t('lane.no_rows')));
      crossingRows = before ? crossingRows.concat(page.crossings || []) : (page.crossings || []);
      clear(crossings, table(null, [
        { label: t('lane.col_time'), cell: (r) => fmtTime(r.received_at || r.time) },
        { label: t('lane.col_outcome'), cell: (r) => outcomeText(r.outcome) },
        { label: t('lane.col_reasons'), cell: (r) => (r.reasons?.length ? r.reasons.map((x) => h('code', { class: 'reason', title: reasonText(x) }, x)) : '–') },
        { label: t('lane.col_reference'), cell: (r) => r.reference || '–' },
        { label: t('lane.col_hash'), cell: (r) => shortHash(r.qr_hash) },
        { label: t('lane.col_lane_time'), cell: (r) => (r.lane_ms != null ? `${(r.lane_ms / 1000).toFixed(1)} s` : '–') },
      ], crossingRows, t('lane.no_rows')));
      more.hidden = !page.more;
      more.onclick = () => load(crossingRows[crossingRows.length - 1]?.id);
      clear(audit, table(null, [
        { label: t('lane.col_time'), cell: (r) => fmtTime(r.time) },
        { label: t('lane.col_actor'), cell: (r) => r.actor },
        { label: t('lane.col_action'), cell: (r) => r.action },
        { label: t('lane.col_detail'), cell: (r) => r.detail },
      ], page.audit || [], t('lane.no_rows')));
    } catch (e) {
      if (alive) clear(scans, h('p', { class: 'notice notice-error', role: 'alert' }, errorText(e)));
    }
  };

  async function sendCommand(c, button) {
    const name = t(`cmd.${c.kind}`);
    const ok = await confirmDialog({
      title: t('cmd.confirm_title'),
      body: [h('p', {}, t('cmd.confirm_body', { command: name, lane: id })),
        c.kind === 'emergency_open' ? h('p', { class: 'warning' }, t('cmd.confirm_emergency', { lane: id })) : null],
      confirmText: t('cmd.confirm'), danger: !!c.danger,
    });
    if (!ok) return;
    button.disabled = true;
    cmdResult.className = 'command-result';
    cmdResult.textContent = t('cmd.sent', { lane: id });
    try {
      const issued = await api.command(id, c.kind);
      const answer = await waitForAnswer(issued.id);
      if (!alive) return;
      const state = answer?.state && answer.state !== 'pending' && answer.state !== 'delivered' ? answer.state : 'pending';
      cmdResult.className = `command-result result-${state}`;
      cmdResult.dataset.state = state;
      cmdResult.textContent = t(`cmd.result.${state}`, { lane: id, command: name }) +
        (answer?.detail ? ` ${t('cmd.detail', { detail: answer.detail })}` : '');
      load();
    } catch (e) {
      cmdResult.className = 'command-result result-failed';
      cmdResult.textContent = errorText(e);
    } finally {
      button.disabled = false;
    }
  }

  // The lane answers on its next poll (a long poll: usually well under a second).
  async function waitForAnswer(commandId) {
    let last = null;
    for (let i = 0; i < 90 && alive; ++i) {
      last = await api.commandState(commandId);
      if (['applied', 'refused', 'failed'].includes(last.state)) return last;
      await new Promise((r) => setTimeout(r, i < 20 ? 250 : 1000));
    }
    return last;
  }

  drawSummary();
  load();
  const off = ctx.onLive((kind, data) => {
    const lane = data?.lane ?? data?.device;
    if (lane === id || kind === 'resync') drawSummary();
    if (lane === id && (kind === 'crossing' || kind === 'command')) load();
  });
  return () => { alive = false; off(); };
}
