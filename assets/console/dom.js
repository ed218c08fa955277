// Small DOM helpers: elements built in code (no HTML strings, so no injection and no
// inline style under the page's Content-Security-Policy), the modal dialog, messages.
import { t } from './i18n.js';

// h('button', {class: 'x', onclick: f, 'aria-label': '...'}, 'text', child, ...)
export function h(tag, attrs = {}, ...children) {
  const svg = tag.startsWith('svg:');
  const el = svg ? document.createElementNS('http://www.w3.org/2000/svg', tag.slice(4)) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.setAttribute('class', Array.isArray(v) ? v.filter(Boolean).join(' ') : v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function clear(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

// A table: columns [{key, label, cell(row) -> node|string}], rows; an empty message row.
export function table(caption, columns, rows, emptyText) {
  const head = h('tr', {}, columns.map((c) => h('th', { scope: 'col' }, c.label)));
  const body = rows.length
    ? rows.map((r) => h('tr', {}, columns.map((c, i) => (i === 0 ? h('th', { scope: 'row' }, c.cell(r)) : h('td', {}, c.cell(r))))))
    : [h('tr', {}, h('td', { colspan: columns.length, class: 'empty' }, emptyText))];
  return h('div', { class: 'table-wrap' },
    h('table', {}, caption ? h('caption', {}, caption) : null, h('thead', {}, head), h('tbody', {}, body)));
}

// Runs `redraw` (which replaces parts of `container`) and puts the keyboard focus back on
// the equivalent element when it was inside: live updates never throw a keyboard user
// back to the top of the page.
export function keepFocus(container, redraw) {
  const el = document.activeElement;
  let sel = null;
  if (el && el !== document.body && container.contains(el)) {
    if (el.id) sel = `#${CSS.escape(el.id)}`;
    else if (el.dataset.alert) sel = `${el.tagName.toLowerCase()}[data-alert="${CSS.escape(el.dataset.alert)}"]`;
    else if (el.dataset.command) sel = `[data-command="${CSS.escape(el.dataset.command)}"]`;
    else if (el.getAttribute('href')) sel = `a[href="${CSS.escape(el.getAttribute('href'))}"]`;
  }
  redraw();
  if (sel && !container.contains(document.activeElement)) container.querySelector(sel)?.focus();
}

// A labelled field: the input gets an id and its label points to it.
let fieldSeq = 0;
export function field(labelText, input, hint) {
  const id = input.id || `f${++fieldSeq}`;
  input.id = id;
  const hintEl = hint ? h('span', { class: 'hint', id: `${id}-hint` }, hint) : null;
  if (hintEl) input.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: 'field' }, h('label', { for: id }, labelText), input, hintEl);
}

// Messages for screen readers: polite status and assertive alerts (index.html regions).
export function announce(text, { assertive = false } = {}) {
  const region = document.getElementById(assertive ? 'live-alerts' : 'live-status');
  if (!region) return;
  region.textContent = '';
  // A fresh text node after a tick so the same text is announced again.
  setTimeout(() => { region.textContent = text; }, 30);
}

// A visible message in a page (role=status), replaced on each call.
export function notice(container, text, kind = 'info') {
  let box = container.querySelector(':scope > .notice');
  if (!box) {
    box = h('p', { class: 'notice', role: 'status' });
    container.prepend(box);
  }
  box.className = `notice notice-${kind}`;
  box.textContent = text;
  return box;
}

// The modal dialog (native <dialog>: the rest of the page is inert while it is open,
// Escape cancels). Tab is kept inside it explicitly too, and focus returns to the
// element that opened it. Resolves true for the confirm button, false otherwise.
export function confirmDialog({ title, body, confirmText, cancelText, danger = false, extra = null }) {
  return new Promise((resolve) => {
    const opener = document.activeElement;
    const titleId = `dlg-title-${++fieldSeq}`;
    const bodyId = `dlg-body-${fieldSeq}`;
    const cancel = h('button', { type: 'button', class: 'btn', value: 'cancel' }, cancelText ?? t('cmd.cancel'));
    const ok = confirmText
      ? h('button', { type: 'button', class: danger ? 'btn btn-danger' : 'btn btn-primary', value: 'ok' }, confirmText)
      : null;
    const dlg = h('dialog', { class: 'dialog', 'aria-labelledby': titleId, 'aria-describedby': bodyId },
      h('h2', { id: titleId }, title),
      h('div', { id: bodyId }, Array.isArray(body) ? body : h('p', {}, body)),
      extra,
      h('div', { class: 'dialog-buttons' }, cancel, ok));
    let result = false;
    const done = (v) => { result = v; dlg.close(); };
    cancel.addEventListener('click', () => done(false));
    ok?.addEventListener('click', () => done(true));
    dlg.addEventListener('keydown', (e) => {
      if (e.key !== 'Tab') return;
      const f = [...dlg.querySelectorAll('button, input, select, textarea, a[href], [tabindex]:not([tabindex="-1"])')]
        .filter((x) => !x.disabled);
      if (!f.length) return;
      const first = f[0], last = f[f.length - 1];
      if (e.shiftKey && document.activeElement === first) { e.preventDefault(); last.focus(); }
      else if (!e.shiftKey && document.activeElement === last) { e.preventDefault(); first.focus(); }
    });
    dlg.addEventListener('close', () => {
      dlg.remove();
      if (opener && opener.isConnected) opener.focus();
      resolve(result);
    });
    document.body.append(dlg);
    dlg.showModal();
    // The safe choice has focus first: Enter on a stray key press does not send.
    cancel.focus();
  });
}

export function infoDialog(title, body) {
  return confirmDialog({ title, body, confirmText: null, cancelText: t('common.close') });
}
