// Enrolment look-up, watchlist (supervisor), officer accounts (admin), statistics and the
// health-authority export. The server checks every role; these pages only hide.
import { api, ApiError } from './api.js';
import { t, fmtTime, fmtNumber, locale } from './i18n.js';
import { h, clear, table, field, announce, notice, confirmDialog, infoDialog } from './dom.js';
import { shortHash, errorText } from './pages.js';
import { reasonText, laneId } from './app.js';

function pageSection(main, titleText, ...children) {
  const sec = h('section', { class: 'page', 'aria-labelledby': 'page-title' },
    h('h2', { id: 'page-title' }, titleText), ...children);
  clear(main, sec);
  return sec;
}

function form(titleText, fields, submitText, onSubmit) {
  const id = `form-${Math.random().toString(36).slice(2, 8)}`;
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, submitText);
  const f = h('form', { class: 'card form', 'aria-labelledby': id },
    h('h3', { id }, titleText), fields, h('div', { class: 'form-buttons' }, submit));
  f.addEventListener('submit', async (e) => {
    e.preventDefault();
    submit.disabled = true;
    try { await onSubmit(f); } finally { submit.disabled = false; }
  });
  return f;
}

// ---- enrolment look-up ----

export function enrolmentPage(main, ctx) {
  ctx.setTitle(t('enrol.title'));
  const ref = h('input', { type: 'text', name: 'reference', required: true, pattern: '[A-Za-z0-9_\\-]{1,64}', autocomplete: 'off', spellcheck: 'false' });
  const out = h('div', { id: 'enrolment-result', 'aria-live': 'polite' });
  const sec = pageSection(main, t('enrol.title'),
    form(t('enrol.title'), field(t('enrol.reference'), ref), t('enrol.search'), async () => {
      clear(out, t('common.loading'));
      try {
        const e = await api.enrolment(ref.value.trim());
        const row = (k, v) => [h('dt', {}, t(k)), h('dd', {}, v)];
        clear(out, h('dl', { class: 'card facts' },
          row('enrol.reference', e.reference),
          row('enrol.document', h('span', { class: 'masked' }, e.document_masked)),
          row('enrol.residency', e.residency),
          row('enrol.channel', e.channel),
          row('enrol.enrolled_at', fmtTime(e.enrolled_at)),
          row('enrol.expiry', e.document_expiry || '–'),
          row('enrol.active', e.active ? t('enrol.yes') : t('enrol.no'))));
      } catch (e) {
        clear(out, h('p', { class: 'notice notice-error', role: 'alert' },
          e instanceof ApiError && e.status === 404 ? t('enrol.not_found') : errorText(e)));
      }
    }),
    out);
  void sec;
}

// ---- watchlist ----

export function watchlistPage(main, ctx) {
  ctx.setTitle(t('watch.title'));
  const number = h('input', { type: 'text', name: 'document_number', required: true, maxlength: 64, autocomplete: 'off', spellcheck: 'false' });
  const list = h('div', { id: 'watchlist' }, t('common.loading'));
  const sec = pageSection(main, t('watch.title'),
    form(t('watch.add_title'), field(t('watch.number'), number, t('watch.number_hint')), t('watch.add'), async () => {
      try {
        await api.watchAdd(number.value.trim());
        number.value = '';  // the clear number does not stay on the screen
        notice(sec, t('watch.added'), 'ok');
        announce(t('watch.added'));
        load();
      } catch (e) { notice(sec, errorText(e), 'error'); }
    }),
    list);
  async function load() {
    try {
      const w = await api.watchlist();
      clear(list, table(null, [
        { label: t('watch.col_hash'), cell: (r) => shortHash(r.document_hash) },
        { label: t('watch.col_by'), cell: (r) => r.added_by || '–' },
        { label: t('watch.col_when'), cell: (r) => fmtTime(r.added_at) },
        { label: t('watch.col_action'), cell: (r) => {
          const b = h('button', { type: 'button', class: 'btn btn-small' }, t('watch.remove'), h('span', { class: 'sr-only' }, ` ${r.document_hash.slice(0, 12)}`));
          b.addEventListener('click', async () => {
            const ok = await confirmDialog({ title: t('watch.remove'), body: t('watch.confirm_remove'), confirmText: t('watch.remove'), danger: true });
            if (!ok) return;
            try { await api.watchRemove(r.document_hash); notice(sec, t('watch.removed'), 'ok'); load(); } catch (e) { notice(sec, errorText(e), 'error'); }
          });
          return b;
        } },
      ], w.entries || [], t('watch.empty')));
    } catch (e) { clear(list, h('p', { class: 'notice notice-error', role: 'alert' }, errorText(e))); }
  }
  load();
}

// ---- officer accounts ----

export function officersPage(main, ctx) {
  ctx.setTitle(t('off.title'));
  const name = h('input', { type: 'text', name: 'name', required: true, pattern: '[A-Za-z0-9._\\-]{1,64}', autocomplete: 'off' });
  const role = h('select', { name: 'role' }, ['officer', 'supervisor', 'admin'].map((r) => h('option', { value: r }, t(`role.${r}`))));
  const password = h('input', { type: 'password', name: 'new-password', required: true, minlength: 12, maxlength: 128, autocomplete: 'new-password' });
  const list = h('div', { id: 'officers' }, t('common.loading'));
  const sec = pageSection(main, t('off.title'),
    form(t('off.add_title'), [field(t('off.name'), name), field(t('off.role'), role), field(t('off.password'), password, t('off.password_hint'))],
      t('off.add'), async () => {
        try {
          await api.officerAdd(name.value.trim(), role.value, password.value);
          notice(sec, t('off.created', { name: name.value.trim() }), 'ok');
          name.value = ''; password.value = '';
          load();
        } catch (e) { notice(sec, errorText(e), 'error'); }
      }),
    list);
  async function load() {
    try {
      const o = await api.officers();
      clear(list, table(null, [
        { label: t('off.col_name'), cell: (r) => r.name },
        { label: t('off.col_role'), cell: (r) => {
          if (r.name === ctx.state.me.name) return t(`role.${r.role}`);
          const sel = h('select', { 'aria-label': t('off.role_label', { name: r.name }) },
            ['officer', 'supervisor', 'admin'].map((x) => h('option', { value: x, selected: x === r.role }, t(`role.${x}`))));
          sel.addEventListener('change', async () => {
            try { await api.officerRole(r.name, sel.value); notice(sec, t('off.changed', { name: r.name }), 'ok'); load(); } catch (e) { notice(sec, errorText(e), 'error'); }
          });
          return sel;
        } },
        { label: t('off.col_status'), cell: (r) => [r.disabled ? t('off.disabled') : t('off.active'),
          r.locked_until && r.locked_until > Date.now() / 1000 ? ` · ${t('off.locked')}` : ''] },
        { label: t('off.col_last'), cell: (r) => fmtTime(r.last_login_at) },
        { label: t('off.col_action'), cell: (r) => {
          if (r.name === ctx.state.me.name) return '–';
          const b = h('button', { type: 'button', class: 'btn btn-small' },
            r.disabled ? t('off.enable') : t('off.disable'), h('span', { class: 'sr-only' }, ` ${r.name}`));
          b.addEventListener('click', async () => {
            try {
              if (r.disabled) await api.officerEnable(r.name); else await api.officerDisable(r.name);
              notice(sec, t('off.changed', { name: r.name }), 'ok');
              load();
            } catch (e) { notice(sec, errorText(e), 'error'); }
          });
          return b;
        } },
      ], o.officers || [], t('lane.no_rows')));
    } catch (e) { clear(list, h('p', { class: 'notice notice-error', role: 'alert' }, errorText(e))); }
  }
  load();
}

// ---- statistics (plain SVG) ----

function barChart(titleId, items, { labelOf, valueOf, horizontal = false, unit = '' }) {
  const max = Math.max(1, ...items.map(valueOf));
  if (!horizontal) {
    const W = 720, H = 200, pad = 28, bw = (W - pad) / Math.max(items.length, 1);
    const svg = h('svg:svg', { viewBox: `0 0 ${W} ${H + 24}`, class: 'chart', role: 'img', 'aria-labelledby': titleId, focusable: 'false' },
      h('svg:line', { x1: pad, y1: H, x2: W, y2: H, class: 'axis' }),
      h('svg:text', { x: 0, y: 12, class: 'tick' }, fmtNumber(max)),
      h('svg:text', { x: 0, y: H, class: 'tick' }, '0'),
      items.map((it, i) => {
        const v = valueOf(it), bh = Math.round((v / max) * (H - 16));
        return h('svg:g', {},
          h('svg:rect', { x: pad + i * bw + 1, y: H - bh, width: Math.max(bw - 2, 1), height: bh, class: 'bar' },
            h('svg:title', {}, `${labelOf(it)}: ${fmtNumber(v)}${unit}`)),
          i % 3 === 0 ? h('svg:text', { x: pad + i * bw, y: H + 16, class: 'tick' }, labelOf(it)) : null);
      }));
    return svg;
  }
  return h('ul', { class: 'hbars', 'aria-labelledby': titleId }, items.map((it) => {
    const v = valueOf(it);
    const meter = h('svg:svg', { viewBox: '0 0 100 10', preserveAspectRatio: 'none', class: 'hbar', 'aria-hidden': 'true', focusable: 'false' },
      h('svg:rect', { x: 0, y: 0, width: Math.max((v / max) * 100, 0.5), height: 10, class: 'bar' }));
    return h('li', {}, h('span', { class: 'hbar-label' }, labelOf(it)), meter, h('span', { class: 'hbar-value' }, fmtNumber(v)));
  }));
}

export function statsPage(main, ctx) {
  ctx.setTitle(t('stats.title'));
  const body = h('div', { id: 'stats' }, t('common.loading'));
  pageSection(main, t('stats.title'), body);
  (async () => {
    try {
      const s = await api.stats(24);
      const hours = s.per_hour || [];
      const reasons = Object.entries(s.refusals_by_reason || {}).sort((a, b) => b[1] - a[1]);
      const hourLabel = (x) => new Date(x.hour * 1000).toLocaleTimeString(locale(), { hour: '2-digit', minute: '2-digit', hour12: false });
      clear(body,
        h('section', { class: 'card', 'aria-labelledby': 'st-hour' },
          h('h3', { id: 'st-hour' }, t('stats.per_hour'), ' ', h('span', { class: 'muted' }, t('stats.total', { n: fmtNumber(s.crossings || 0) }))),
          hours.length ? barChart('st-hour', hours, { labelOf: hourLabel, valueOf: (x) => x.crossings || 0 }) : h('p', {}, t('stats.no_data')),
          // The same numbers as a table for screen readers and keyboard users.
          h('details', {}, h('summary', {}, t('stats.as_table')),
            table(null, [
              { label: t('stats.hour'), cell: hourLabel },
              { label: t('stats.crossings'), cell: (x) => fmtNumber(x.crossings || 0) },
              { label: t('outcome.passed'), cell: (x) => fmtNumber(x.passed || 0) },
              { label: t('outcome.refused'), cell: (x) => fmtNumber(x.refused || 0) },
            ], hours, t('stats.no_data')))),
        h('section', { class: 'card', 'aria-labelledby': 'st-reason' },
          h('h3', { id: 'st-reason' }, t('stats.by_reason')),
          reasons.length ? barChart('st-reason', reasons, { horizontal: true, labelOf: ([r]) => (reasonText(r) === r ? r : `${reasonText(r)} (${r})`), valueOf: ([, n]) => n })
            : h('p', {}, t('stats.no_data'))),
        h('section', { class: 'card', 'aria-labelledby': 'st-time' },
          h('h3', { id: 'st-time' }, t('stats.lane_time')),
          h('p', { class: 'big-number', id: 'p50' }, s.p50_lane_ms != null ? t('stats.p50', { seconds: (s.p50_lane_ms / 1000).toFixed(1) }) : t('stats.no_data'))));
    } catch (e) { clear(body, h('p', { class: 'notice notice-error', role: 'alert' }, errorText(e))); }
  })();
}

// ---- health-authority export ----

function toLocalInput(unix) {
  const d = new Date(unix * 1000);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

export function exportsPage(main, ctx) {
  ctx.setTitle(t('exp.title'));
  const now = Math.floor(Date.now() / 1000);
  const lanes = [...ctx.state.lanes.values()].map(laneId).sort();
  const boxes = lanes.map((id) => h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'lanes', value: id }), ` ${id}`));
  const from = h('input', { type: 'datetime-local', name: 'from', required: true, value: toLocalInput(now - 24 * 3600) });
  // The inputs have minute precision: `to` rounds up so what came in this minute is inside.
  const to = h('input', { type: 'datetime-local', name: 'to', required: true, value: toLocalInput(now + 60) });
  const purpose = h('input', { type: 'text', name: 'purpose', required: true, maxlength: 200 });
  const list = h('div', { id: 'exports' }, t('common.loading'));
  const isAdmin = ctx.can('admin');
  const dlId = h('input', { type: 'text', name: 'export-id', inputmode: 'numeric', required: true, pattern: '[0-9]+' });
  const dlCode = h('input', { type: 'text', name: 'code', required: true, autocomplete: 'one-time-code', spellcheck: 'false' });
  const dlFormat = h('select', { name: 'format' }, h('option', { value: 'csv' }, 'CSV'), h('option', { value: 'json' }, 'JSON'));
  const sec = pageSection(main, t('exp.title'),
    h('p', { class: 'intro' }, t('exp.intro')),
    h('div', { class: 'columns' },
      form(t('exp.request_title'), [
        h('fieldset', {}, h('legend', {}, t('exp.lanes')), boxes.length ? boxes : h('p', {}, t('wall.empty'))),
        field(t('exp.from'), from), field(t('exp.until'), to), field(t('exp.reason'), purpose)],
      t('exp.request'), async (f) => {
        const chosen = [...f.querySelectorAll('input[name=lanes]:checked')].map((x) => x.value);
        try {
          const x = await api.exportRequest(chosen, Math.floor(new Date(from.value).getTime() / 1000),
            Math.floor(new Date(to.value).getTime() / 1000), purpose.value.trim());
          notice(sec, t('exp.requested', { id: x.id }), 'ok');
          dlId.value = String(x.id);
          load();
        } catch (e) { notice(sec, errorText(e), 'error'); }
      }),
      form(t('exp.download_title'), [field(t('exp.request_id'), dlId), field(t('exp.code'), dlCode), field(t('exp.format'), dlFormat)],
        t('exp.download'), async () => {
          try {
            const r = await api.exportDownload(dlId.value.trim(), dlCode.value.trim(), dlFormat.value);
            const blob = await r.blob();
            const a = h('a', { href: URL.createObjectURL(blob), download: `export-${dlId.value.trim()}.${dlFormat.value}`, class: 'sr-only' }, 'download');
            document.body.append(a);
            a.click();
            setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
            dlCode.value = '';
            notice(sec, t('exp.downloaded', { id: dlId.value.trim() }), 'ok');
            load();
          } catch (e) {
            const known = e instanceof ApiError && e.code.startsWith('export.') ? t(`exp.err.${e.code.slice(7)}`) : null;
            notice(sec, known && !known.startsWith('exp.err.') ? known : errorText(e), 'error');
          }
        })),
    h('h3', {}, t('exp.list_title')), list);

  async function load() {
    try {
      const x = await api.exports();
      clear(list, table(null, [
        { label: t('exp.col_id'), cell: (r) => String(r.id) },
        { label: t('exp.col_by'), cell: (r) => `${r.requested_by} · ${fmtTime(r.requested_at)}` },
        { label: t('exp.col_window'), cell: (r) => `${fmtTime(r.from)} – ${fmtTime(r.to)}` },
        { label: t('exp.col_lanes'), cell: (r) => (r.lanes || []).join(', ') },
        { label: t('exp.col_purpose'), cell: (r) => r.purpose },
        { label: t('exp.col_status'), cell: (r) => t(`exp.status.${r.state}`) },
        { label: t('exp.col_action'), cell: (r) => {
          if (!isAdmin || r.requested_by === ctx.state.me.name || !['pending', 'code_issued'].includes(r.state)) return '–';
          const b = h('button', { type: 'button', class: 'btn btn-small' }, t('exp.issue_code'), h('span', { class: 'sr-only' }, ` #${r.id}`));
          b.addEventListener('click', async () => {
            try {
              const c = await api.exportCode(r.id);
              await infoDialog(t('exp.code_title', { id: r.id }), [h('p', {}, t('exp.code_body')),
                h('p', { class: 'code', id: 'one-time-code' }, c.code), h('p', { class: 'muted' }, t('exp.code_expires', { when: fmtTime(c.expires_at) }))]);
              load();
            } catch (e) { notice(sec, errorText(e), 'error'); }
          });
          return b;
        } },
      ], x.exports || [], t('lane.no_rows')));
    } catch (e) { clear(list, h('p', { class: 'notice notice-error', role: 'alert' }, errorText(e))); }
  }
  load();
}
