// Small DOM helpers and the screen switcher shared by every screen module.

import { t, onLangChange, formatSeconds } from './i18n.js';
import { record } from './nav.js';
import { hue } from './hue.js';

/** Create an element: h('button', {class: 'btn', testid: 'x', onclick}, 'text', child, ...). */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value == null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'testid') el.dataset.testid = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (['value', 'checked', 'disabled'].includes(key)) el[key] = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child == null || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

// ---- screens -------------------------------------------------------------------------------

let current = null;
const main = () => document.getElementById('main');

/**
 * Show a screen. `render(screen)` builds and returns its DOM; it is called again when the
 * language changes. `screen.onCleanup(fn)` registers timers etc. to stop when leaving.
 * `meta.requestId` marks screens that belong to one login request; `meta.route` makes the
 * screen a browser-history entry (nav.js).
 */
export function show(name, render, meta = {}) {
  leave();
  current = { name, render, ...meta, cleanups: [], onCleanup(fn) { this.cleanups.push(fn); } };
  const screen = current;
  paint();
  if (screen === current) record(meta.route);
  window.scrollTo(0, 0);
  return current;
}

function leave() {
  if (!current) return;
  for (const fn of current.cleanups.splice(0)) {
    try { fn(); } catch { /* ignore */ }
  }
}

function paint() {
  const screen = current;
  const root = main();
  const node = screen.render(screen);
  if (screen !== current) return; // render navigated elsewhere
  root.dataset.screen = screen.name;
  root.replaceChildren(node);
  const heading = root.querySelector('h1');
  if (heading) {
    heading.tabIndex = -1;
    heading.focus({ preventScroll: true });
  }
}

export function currentScreen() { return current; }

onLangChange(() => {
  if (!current) return;
  leave();
  paint();
});

// ---- shared pieces -------------------------------------------------------------------------

/** The merchant's logo, or its initial on a coloured tile when there is none / it fails. */
export function merchantLogo(merchant, size = 'lg') {
  const name = merchant?.name || '?';
  const initial = h('span', { class: `logo logo-${size}`, 'aria-hidden': 'true', style: `--hue:${hue(name)}` },
    name.trim().charAt(0).toUpperCase() || '?');
  if (!merchant?.logo_url) return initial;
  const img = h('img', { class: `logo logo-${size}`, src: merchant.logo_url, alt: '', testid: 'merchant-logo' });
  img.addEventListener('error', () => img.replaceWith(initial), { once: true });
  return img;
}

/**
 * A live "time left" line counting down to `deadline` (ms since epoch). Calls onExpire once.
 */
export function countdown(screen, deadline, onExpire) {
  const el = h('p', { class: 'countdown', testid: 'countdown', role: 'timer' });
  let fired = false;
  const tick = () => {
    const left = (deadline - Date.now()) / 1000;
    el.textContent = left > 0 ? t('time_left', { time: formatSeconds(left) }) : t('expired');
    el.classList.toggle('countdown-low', left <= 30);
    if (left <= 0 && !fired) {
      fired = true;
      clearInterval(timer);
      onExpire?.();
    }
  };
  const timer = setInterval(tick, 1000);
  screen.onCleanup(() => clearInterval(timer));
  tick();
  return el;
}

const ICONS = {
  check: '<path d="M5 12.5l4.5 4.5L19 7.5"/>',
  cross: '<path d="M6.5 6.5l11 11M17.5 6.5l-11 11"/>',
  clock: '<circle cx="12" cy="12" r="8.5"/><path d="M12 7.5V12l3 2"/>',
  lock: '<rect x="5" y="10.5" width="14" height="10" rx="2"/><path d="M8 10.5V8a4 4 0 0 1 8 0v2.5"/>',
  external: '<path d="M14 5h5v5M19 5l-8 8M17 14v4a1 1 0 0 1-1 1H6a1 1 0 0 1-1-1V8a1 1 0 0 1 1-1h4"/>',
};

/** A stroke icon from the fixed set above (static markup only). */
export function icon(name) {
  const span = h('span', { class: 'icon', 'aria-hidden': 'true' });
  span.innerHTML = `<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2.2" stroke-linecap="round" stroke-linejoin="round">${ICONS[name] || ''}</svg>`;
  return span;
}

/** A paragraph for error messages (hidden while empty, announced when set). */
export function errorLine(testid = 'error') {
  return h('p', { class: 'error', testid, role: 'alert', hidden: true });
}

export function setError(el, message) {
  el.textContent = message || '';
  el.hidden = !message;
}

/** Run `fn` with the button disabled and marked busy; re-enables unless the screen changed. */
export async function busy(button, fn) {
  if (button.disabled) return;
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try {
    return await fn();
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
}

let toastTimer = null;
/**
 * A short message at the top (under the bar, clear of every screen's buttons), optionally with
 * one action button; it can be closed at once.
 */
export function toast(message, action) {
  const host = document.getElementById('toast');
  const close = () => { host.hidden = true; clearTimeout(toastTimer); };
  const parts = [h('span', { class: 'toast-text', testid: 'toast-text' }, message)];
  if (action) {
    parts.push(h('button', {
      class: 'toast-action', type: 'button', testid: 'toast-action',
      onclick: () => { close(); action.run(); },
    }, action.label));
  }
  parts.push(h('button', {
    class: 'toast-close', type: 'button', testid: 'toast-close', 'aria-label': t('close'), onclick: close,
  }, '×'));
  host.replaceChildren(...parts);
  host.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(close, action ? 8000 : 4000);
}

export { normalisePhone, formatPhone } from './phone.js';
