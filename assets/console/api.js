// The console's calls to /v1/console/* (docs/console.md). Every state-changing request
// carries the session's CSRF token (X-CSRF-Token) from the login answer or GET me; the
// session itself is the HttpOnly cookie, which this page never sees.
const BASE = '/v1/console';
let csrf = '';
let onUnauthorized = () => {};

export class ApiError extends Error {
  constructor(status, code, message, body) {
    super(message || code || `HTTP ${status}`);
    this.status = status;
    this.code = code || '';
    this.body = body;
  }
}

export function setCsrf(token) { csrf = token || ''; }
export function setUnauthorizedHandler(f) { onUnauthorized = f; }

export async function call(method, path, body, { raw = false, quiet401 = false } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD') headers['X-CSRF-Token'] = csrf;
  const r = await fetch(BASE + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
    cache: 'no-store',
  });
  if (raw && r.ok) return r;
  const text = await r.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = null; }
  if (!r.ok) {
    const err = json && json.error ? json.error : {};
    if (r.status === 401 && !quiet401) onUnauthorized();
    const e = new ApiError(r.status, err.code, err.message, json);
    e.retryAfter = r.headers.get('Retry-After');
    throw e;
  }
  return json ?? {};
}

const enc = encodeURIComponent;
const qs = (o) => {
  const p = Object.entries(o).filter(([, v]) => v !== undefined && v !== null && v !== '');
  return p.length ? '?' + p.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&') : '';
};

export const api = {
  login: (name, password) => call('POST', '/login', { name, password }, { quiet401: true }),
  logout: () => call('POST', '/logout', {}),
  me: () => call('GET', '/me', undefined, { quiet401: true }),
  lanes: () => call('GET', '/lanes'),
  lane: (id, before) => call('GET', `/lanes/${enc(id)}` + qs({ before })),
  command: (lane, kind) => call('POST', `/lanes/${enc(lane)}/commands`, { kind, args: {}, confirm: true }),
  commandState: (id) => call('GET', `/commands/${enc(id)}`),
  alerts: (openOnly, before) => call('GET', '/alerts' + qs({ open: openOnly ? 1 : undefined, before, limit: 200 })),
  ack: (id) => call('POST', `/alerts/${enc(id)}/ack`, {}),
  enrolment: (ref) => call('GET', `/enrolments/${enc(ref)}`),
  watchlist: () => call('GET', '/watchlist'),
  watchAdd: (documentNumber) => call('POST', '/watchlist', { document_number: documentNumber }),
  watchRemove: (documentHash) => call('DELETE', `/watchlist/${enc(documentHash)}`),
  officers: () => call('GET', '/officers'),
  officerAdd: (name, role, password) => call('POST', '/officers', { name, role, password }),
  officerDisable: (name) => call('POST', `/officers/${enc(name)}/disable`, {}),
  officerEnable: (name) => call('POST', `/officers/${enc(name)}/enable`, {}),
  officerPassword: (name, password) => call('POST', `/officers/${enc(name)}/password`, { password }),
  officerRole: (name, role) => call('POST', `/officers/${enc(name)}/role`, { role }),
  stats: (hours) => call('GET', '/stats' + qs({ hours })),
  exports: () => call('GET', '/exports'),
  exportRequest: (lanes, from, to, purpose) => call('POST', '/exports', { lanes, from, to, purpose }),
  exportCode: (id) => call('POST', `/exports/${enc(id)}/code`, {}),
  // The answer is the file itself (JSON or CSV): returned as a Response.
  exportDownload: (id, code, format) => call('POST', `/exports/${enc(id)}/download`, { code, format }, { raw: true }),
  audit: (after) => call('GET', '/audit' + qs({ after, limit: 200 })),
  auditVerify: () => call('GET', '/audit/verify'),
};

export const STREAM_URL = BASE + '/stream';
