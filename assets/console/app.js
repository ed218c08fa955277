// The supervision console: session, navigation, the live event stream and the pages
// (pages.js, pages_admin.js). Plain ES modules, no build step, no framework.
import { api, setCsrf, setUnauthorizedHandler, ApiError, STREAM_URL } from './api.js';
import { LANGS, LANG_NAMES, loadLang, t, rememberedLang, rememberLang, lang } from './i18n.js';
import { h, clear, announce, field } from './dom.js';
import { wallPage, alertsPage, lanePage } from './pages.js';
import { enrolmentPage, watchlistPage, officersPage, statsPage, exportsPage } from './pages_admin.js';

const ROLE_RANK = { officer: 1, supervisor: 2, admin: 3 };
// What each role is offered. Only a courtesy: the server checks every call itself.
const PAGES = [
  { id: 'wall', nav: 'nav.wall', role: 'officer', render: wallPage },
  { id: 'alerts', nav: 'nav.alerts', role: 'officer', render: alertsPage },
  { id: 'lane', nav: null, role: 'officer', render: lanePage },
  { id: 'enrolments', nav: 'nav.enrolments', role: 'officer', render: enrolmentPage },
  { id: 'stats', nav: 'nav.stats', role: 'officer', render: statsPage },
  { id: 'watchlist', nav: 'nav.watchlist', role: 'supervisor', render: watchlistPage },
  { id: 'exports', nav: 'nav.exports', role: 'supervisor', render: exportsPage },
  { id: 'officers', nav: 'nav.officers', role: 'admin', render: officersPage },
];

// Shared state: lanes and alerts by id, kept current by the event stream.
export const state = {
  me: null,            // {name, role}
  lanes: new Map(),    // lane id -> lane summary (docs/console.md)
  alerts: new Map(),   // alert id -> alert
  listeners: new Set(),
  live: false,
};

export function can(minRole) {
  return !!state.me && (ROLE_RANK[state.me.role] || 0) >= (ROLE_RANK[minRole] || 99);
}

export function onLive(f) { state.listeners.add(f); return () => state.listeners.delete(f); }
function emit(kind, data) { for (const f of [...state.listeners]) { try { f(kind, data); } catch (e) { console.error(e); } } }

let current = null;  // {page, cleanup}

// ---- session ----

async function start() {
  setUnauthorizedHandler(() => { if (state.me) sessionEnded(); });
  let me = null;
  try { me = await api.me(); } catch (e) { if (!(e instanceof ApiError)) console.error(e); }
  await loadLang(rememberedLang(me?.name));
  buildLangSelect();
  if (me) await signedIn(me); else showLogin();
  window.addEventListener('hashchange', route);
  // The skip link must not change the hash (the hash is the page).
  document.getElementById('skip-link').addEventListener('click', (e) => {
    e.preventDefault();
    document.getElementById('main').focus();
  });
}

function officerOf(answer) { return { name: answer.name, role: answer.role }; }

async function signedIn(answer) {
  state.me = officerOf(answer);
  setCsrf(answer.csrf || '');
  const remembered = rememberedLang(state.me.name);
  if (remembered !== lang()) await loadLang(remembered);
  rememberLang(state.me.name, lang());
  document.getElementById('lang').value = lang();
  await refreshLanesAndAlerts();
  connectStream();
  renderChrome();
  if (!location.hash || location.hash === '#/login') location.hash = '#/wall'; else route();
}

function sessionEnded() {
  stopStream();
  state.me = null;
  setCsrf('');
  showLogin(t('common.session_expired'));
}

function showLogin(message) {
  stopStream();
  current?.cleanup?.();
  current = null;
  renderChrome();
  const main = document.getElementById('main');
  const name = h('input', { type: 'text', name: 'username', autocomplete: 'username', required: true });
  const password = h('input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true });
  const err = h('p', { class: 'notice notice-error', role: 'alert', id: 'login-error', hidden: !message }, message || '');
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, t('login.submit'));
  const form = h('form', { class: 'login card', 'aria-labelledby': 'login-title', novalidate: false },
    h('h2', { id: 'login-title' }, t('login.title')),
    err,
    field(t('login.name'), name),
    field(t('login.password'), password),
    submit);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    submit.disabled = true;
    try {
      const answer = await api.login(name.value.trim(), password.value);
      password.value = '';
      await signedIn(answer);
    } catch (ex) {
      err.hidden = false;
      const wait = ex.retryAfter;
      err.textContent = ex.status === 429 || ex.code === 'auth.locked'
        ? t('login.locked', { seconds: wait ?? '…' })
        : ex.status === 401 || ex.status === 403 ? t('login.failed') : t('common.error', { message: ex.message });
      password.focus();
    } finally {
      submit.disabled = false;
    }
  });
  clear(main, form);
  document.title = `${t('login.title')} · ${t('app.title')}`;
  name.focus();
}

// ---- chrome: navigation, language, who ----

function buildLangSelect() {
  const sel = document.getElementById('lang');
  clear(sel, LANGS.map((l) => h('option', { value: l, lang: l }, LANG_NAMES[l])));
  sel.value = lang();
  sel.addEventListener('change', async () => {
    rememberLang(state.me?.name, sel.value);
    await loadLang(sel.value);
    renderChrome();
    if (state.me) route(); else showLogin();
  });
}

function renderChrome() {
  document.getElementById('brand').textContent = t('app.title');
  document.getElementById('skip-link').textContent = t('app.skip');
  document.getElementById('lang-label').textContent = t('lang.label');
  const nav = document.getElementById('nav');
  const who = document.getElementById('who');
  const logout = document.getElementById('logout');
  nav.setAttribute('aria-label', t('nav.label'));
  logout.textContent = t('session.logout');
  if (!state.me) {
    nav.hidden = true;
    nav.dataset.key = '';
    logout.hidden = true;
    who.textContent = '';
    document.getElementById('live-indicator').hidden = true;
    return;
  }
  const page = currentPageId();
  // The links are built once per officer and language, then only their state changes, so
  // a live update never takes the focus away from a link.
  const navKey = `${state.me.name}|${state.me.role}|${lang()}`;
  if (nav.dataset.key !== navKey) {
    nav.dataset.key = navKey;
    clear(nav, h('ul', {}, PAGES.filter((p) => p.nav && can(p.role)).map((p) =>
      h('li', {}, h('a', { href: `#/${p.id}`, id: `nav-${p.id}` }, t(p.nav), p.id === 'alerts' ? h('span', { class: 'badge', hidden: true }) : null)))));
  }
  for (const a of nav.querySelectorAll('a')) {
    if (a.id === `nav-${page}`) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  const badge = nav.querySelector('#nav-alerts .badge');
  if (badge) {
    const open = [...state.alerts.values()].filter(isOpen).length;
    badge.textContent = String(open);
    badge.hidden = open === 0;
  }
  nav.hidden = false;
  who.textContent = t('session.signed_in', { name: state.me.name, role: t(`role.${state.me.role}`) });
  logout.hidden = false;
  logout.onclick = async () => {
    try { await api.logout(); } catch { /* the session is gone either way */ }
    state.me = null;
    location.hash = '#/login';
    showLogin();
  };
  renderLiveIndicator();
}

function renderLiveIndicator() {
  const el = document.getElementById('live-indicator');
  el.hidden = !state.me;
  el.textContent = state.live ? t('live.connected') : t('live.reconnecting');
  el.className = `live-indicator ${state.live ? 'is-live' : 'is-down'}`;
}

export function isOpen(a) { return !(a.acked || a.acked_at); }

// ---- routing ----

function currentPageId() {
  const m = /^#\/([a-z]+)/.exec(location.hash || '');
  return m ? m[1] : 'wall';
}

let navigated = false;
function route(ev) {
  navigated = !!ev;
  if (!state.me) { showLogin(); return; }
  const parts = (location.hash || '#/wall').slice(2).split('/').map(decodeURIComponent);
  const id = parts[0] || 'wall';
  const page = PAGES.find((p) => p.id === id) || PAGES[0];
  current?.cleanup?.();
  current = null;
  renderChrome();
  const main = document.getElementById('main');
  clear(main);
  if (!can(page.role)) {
    clear(main, h('section', { class: 'page', 'aria-labelledby': 'page-title' },
      h('h2', { id: 'page-title' }, page.nav ? t(page.nav) : id),
      h('p', { class: 'notice notice-error', role: 'alert', id: 'forbidden' }, t('common.forbidden'))));
    document.title = `${t('common.forbidden')} · ${t('app.title')}`;
    return;
  }
  const ctx = { state, can, args: parts.slice(1), onLive, refreshLanesAndAlerts, setTitle };
  const cleanup = page.render(main, ctx);
  current = { page, cleanup };
  // After a page change the focus starts at the new content (not back at the top bar).
  if (navigated) main.focus({ preventScroll: true });
}

function setTitle(text) { document.title = `${text} · ${t('app.title')}`; }

// ---- data and the live stream ----

export async function refreshLanesAndAlerts() {
  try {
    const [wall, alerts] = await Promise.all([api.lanes(), api.alerts(false)]);
    const lanes = [];
    for (const cp of wall.control_points || []) for (const l of cp.lanes || []) lanes.push({ ...l, control_point: cp.id });
    state.lanes = new Map(lanes.map((l) => [laneId(l), l]));
    state.staleAfter = wall.stale_after_s ?? 30;
    state.clockSkew = wall.now ? wall.now - Date.now() / 1000 : 0;
    state.alerts = new Map((alerts.alerts || []).map((a) => [String(a.id), a]));
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 401)) console.error(e);
  }
}

export function laneId(l) { return l.lane ?? l.device ?? l.id; }

let source = null;
let retryTimer = null;
let retryDelay = 1000;

function connectStream() {
  stopStream();
  // EventSource reconnects by itself and sends Last-Event-ID; when the server refuses a
  // reconnection (restart, session check) the source closes and we start a new one.
  source = new EventSource(STREAM_URL, { withCredentials: true });
  source.onopen = async () => {
    const wasDown = !state.live;
    state.live = true;
    retryDelay = 1000;
    renderLiveIndicator();
    if (wasDown) { await refreshLanesAndAlerts(); emit('resync', null); }
  };
  source.onerror = () => {
    state.live = false;
    renderLiveIndicator();
    if (source && source.readyState === EventSource.CLOSED) {
      clearTimeout(retryTimer);
      retryTimer = setTimeout(() => { if (state.me) connectStream(); }, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 15000);
    }
  };
  const handler = (kind) => (ev) => {
    let data = null;
    try { data = JSON.parse(ev.data); } catch { return; }
    onEvent(kind, data, ev.lastEventId);
  };
  for (const kind of ['lane', 'lane_state', 'alert', 'alert_ack', 'crossing', 'command', 'reset']) {
    source.addEventListener(kind, handler(kind));
  }
}

function stopStream() {
  clearTimeout(retryTimer);
  if (source) { source.close(); source = null; }
  state.live = false;
}

function mergeLane(id, fields) {
  const old = state.lanes.get(id) || { lane: id };
  state.lanes.set(id, { ...old, ...fields });
}

// Live events (docs/console.md "Live events"): device events as
// {id, device, kind, time, received_at, payload} named lane (a heartbeat), lane_state,
// alert, crossing; "command" (a command and its state), "alert_ack" (who acknowledged an
// alert, when), and "reset" (too far behind: reload everything).
async function onEvent(kind, data, eventId) {
  const payload = data.payload ?? {};
  const id = payload.lane ?? data.device;
  if (kind === 'reset') {
    await refreshLanesAndAlerts();
    renderChrome();
    emit('resync', null, eventId);
    return;
  }
  if (kind === 'lane') {
    mergeLane(id, { state: payload.state ?? state.lanes.get(id)?.state, in_service: payload.in_service,
      doors: payload.doors ?? state.lanes.get(id)?.doors ?? null, last_seen: data.received_at, stale: false });
  } else if (kind === 'lane_state') {
    mergeLane(id, { state: payload.to, last_seen: data.received_at });
  } else if (kind === 'alert') {
    const key = String(data.id);
    if (!state.alerts.has(key)) {
      const a = { id: data.id, lane: id, reason: payload.reason, time: data.time, received_at: data.received_at,
        acked: false, acked_by: null, acked_at: null };
      state.alerts.set(key, a);
      const lane = state.lanes.get(id);
      mergeLane(id, { open_alerts: (lane?.open_alerts || 0) + 1, last_seen: data.received_at });
      announce(t('live.new_alert', { lane: id, reason: reasonText(a.reason) }), { assertive: true });
      renderChrome();
    }
  } else if (kind === 'crossing') {
    const lane = state.lanes.get(id);
    mergeLane(id, { last_crossing: { time: data.received_at, outcome: payload.outcome, reasons: payload.reasons || [] },
      crossings_last_hour: (lane?.crossings_last_hour || 0) + 1, last_seen: data.received_at });
  } else if (kind === 'alert_ack') {
    // {id, lane, acked, acked_by, acked_at, command}: who and when, on every console.
    const key = String(data.id);
    const old = state.alerts.get(key);
    if (old && isOpen(old)) {
      const lane = state.lanes.get(data.lane);
      if (lane) mergeLane(data.lane, { open_alerts: Math.max(0, (lane.open_alerts || 1) - 1) });
    }
    state.alerts.set(key, { ...(old || { id: data.id, lane: data.lane }), ...data });
    renderChrome();
  }
  emit(kind, { ...data, lane: id }, eventId);
}

export function reasonText(code) {
  const key = `reason.${code}`;
  const s = t(key);
  return s === key ? code : s;
}

// Module scripts run once the document is parsed.
start();
