// Texts of the console in three languages (i18n/<lang>.json, flat keys, {name}
// placeholders). The choice is remembered per officer in localStorage.
export const LANGS = ['zh-Hant', 'en', 'pt'];
export const LANG_NAMES = { 'zh-Hant': '繁體中文', en: 'English', pt: 'Português' };

let current = 'en';
let texts = {};
let fallback = {};

export function lang() { return current; }

export async function loadLang(code) {
  if (!LANGS.includes(code)) code = 'en';
  const get = async (c) => {
    const r = await fetch(new URL(`i18n/${c}.json`, import.meta.url), { credentials: 'same-origin' });
    if (!r.ok) throw new Error(`i18n/${c}.json: ${r.status}`);
    return r.json();
  };
  if (Object.keys(fallback).length === 0) fallback = await get('en');
  texts = code === 'en' ? fallback : await get(code);
  current = code;
  document.documentElement.lang = code;
}

// t('cmd.sent', {lane: 'A-01'}); an unknown key shows the English text, then the key.
export function t(key, params = {}) {
  let s = texts[key] ?? fallback[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (m, k) => (k in params ? String(params[k]) : m));
}

export function has(key) { return key in texts || key in fallback; }

// Remembered choice: per officer once signed in, else the last one used on this browser.
export function rememberedLang(officer) {
  try {
    return (officer && localStorage.getItem(`console.lang.${officer}`)) || localStorage.getItem('console.lang') ||
      preferred();
  } catch { return preferred(); }
}

export function rememberLang(officer, code) {
  try {
    localStorage.setItem('console.lang', code);
    if (officer) localStorage.setItem(`console.lang.${officer}`, code);
  } catch { /* private mode: not remembered */ }
}

function preferred() {
  for (const l of navigator.languages || []) {
    if (/^zh/i.test(l)) return 'zh-Hant';
    if (/^pt/i.test(l)) return 'pt';
    if (/^en/i.test(l)) return 'en';
  }
  return 'zh-Hant';
}

// Day-first dates as in Hong Kong and Macau, whatever the language.
const LOCALES = { 'zh-Hant': 'zh-Hant-HK', en: 'en-GB', pt: 'pt-PT' };
export function locale() { return LOCALES[current] || current; }

export function fmtTime(unix) {
  if (!unix) return '–';
  return new Date(unix * 1000).toLocaleString(locale(), { dateStyle: 'short', timeStyle: 'medium', hour12: false });
}

export function fmtClock(unix) {
  if (!unix) return '–';
  return new Date(unix * 1000).toLocaleTimeString(locale(), { hour12: false });
}

export function fmtNumber(n) {
  return new Intl.NumberFormat(locale()).format(n);
}
