// Demo point of sale: starts a login for a phone number through the demo merchant's own
// server side (POST /demo/api/logins), then polls its status every second and shows the profile.
// The login in progress is kept in localStorage: a reload, or a server restart, goes on with it.

import { hue } from '/app/hue.js';
import { normalisePhone, formatPhone } from '/app/phone.js';

const $ = (id) => document.getElementById(id);
const form = $('login-form');
const phoneInput = $('phone');
const bindingInput = $('binding');
const loginButton = $('login');
const result = $('result');
const statusEl = $('status');
const statusText = $('status-text');
const errorEl = $('error');
const formError = $('form-error');
const profileEl = $('profile');
const againButton = $('again');

const STATUS = {
  waiting: ['Waiting', 'Waiting for the customer to confirm in the phonelogin app…'],
  approved: ['Approved', 'The customer confirmed. Profile received from the provider:'],
  rejected: ['Rejected', 'The login was refused on the customer\'s phone: they rejected it, or the phone locked '
    + 'after too many wrong PINs (then they set the app up again). Nothing was shared.'],
  expired: ['Expired', 'The login expired before the customer confirmed.'],
  error: ['Error', 'The login failed.'],
};
const FINAL = new Set(['approved', 'rejected', 'expired', 'error']);

let poll = null; // { id, timer, stopped }

function setHidden(el, hidden) { el.hidden = hidden; }

function showError(el, message) {
  el.textContent = message || '';
  setHidden(el, !message);
}


function randomCode() {
  const letters = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
  const pick = (set) => set[crypto.getRandomValues(new Uint32Array(1))[0] % set.length];
  return `${pick(letters)}${pick(letters)}-${pick('0123456789')}${pick('0123456789')}${pick('0123456789')}`;
}

function describeError(body, status) {
  if (body && typeof body.error === 'string') {
    return body.error_description ? `${body.error}: ${body.error_description}` : body.error;
  }
  return `HTTP ${status}`;
}

/** The provider's refusal in plain words; a 429 says how long to wait (its Retry-After). */
function explain(err) {
  if (err.status === 429) {
    const seconds = Number.parseInt(err.retryAfter, 10);
    const wait = Number.isFinite(seconds) && seconds > 0 ? `in ${waitText(seconds)}` : 'in a while';
    return 'This customer already has too many logins waiting for an answer. Ask them to open the '
      + `phonelogin app and reject the ones they no longer need, or try again ${wait}.`;
  }
  if (err.body?.error === 'unknown_user_id') return 'There is no phonelogin account for this number.';
  return `The provider refused the login: ${err.message}`;
}

function waitText(seconds) {
  if (seconds < 90) return `${seconds} seconds`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minutes`;
}

async function call(method, url, body) {
  const res = await fetch(url, {
    method,
    headers: body ? { 'Content-Type': 'application/json', Accept: 'application/json' } : { Accept: 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
    cache: 'no-store',
  });
  let data = null;
  try { data = await res.json(); } catch { data = null; }
  if (!res.ok) {
    const err = new Error(describeError(data, res.status));
    err.body = data;
    err.status = res.status;
    err.retryAfter = res.headers.get('Retry-After');
    throw err;
  }
  return data;
}

function setStatus(status, detail) {
  const [label, text] = STATUS[status] || [status, ''];
  statusEl.dataset.status = status;
  statusEl.textContent = label;
  statusText.textContent = detail || text;
}

function row(label, value, testid) {
  if (value == null || value === '') return [];
  const dt = document.createElement('dt');
  dt.textContent = label;
  const dd = document.createElement('dd');
  dd.textContent = value;
  dd.dataset.testid = testid;
  return [dt, dd];
}

function formatAddress(a) {
  if (!a || typeof a !== 'object') return '';
  if (a.formatted) return a.formatted.replace(/\n/g, ', ');
  return [a.street_address, [a.postal_code, a.region].filter(Boolean).join(' '), a.country]
    .filter(Boolean).join(', ');
}

/** The delegatedConsents claim as "email ✓, sms ✗". */
function clubConsents(dc) {
  if (!dc || !Array.isArray(dc.consents)) return '';
  return dc.consents.map((c) => `${c.textDisplayedToUser || c.id} ${c.accepted ? '✓' : '✗'}`).join(', ');
}

function showProfile(p) {
  if (!p) { setHidden(profileEl, true); return; }
  const name = p.name || [p.given_name, p.family_name].filter(Boolean).join(' ');
  profileEl.replaceChildren(
    ...row('Name', name, 'pos-profile-name'),
    ...row('Email', p.email, 'pos-profile-email'),
    ...row('Phone', p.phone_number ? formatPhone(p.phone_number) : '', 'pos-profile-phone'),
    ...row('Address', formatAddress(p.address), 'pos-profile-address'),
    ...row('Birthdate', p.birthdate, 'pos-profile-birthdate'),
    ...row('Club consents', clubConsents(p.delegatedConsents), 'pos-profile-consents'),
  );
  setHidden(profileEl, profileEl.childElementCount === 0);
}

const SAVED = 'demo-pos.login';

/** The login in progress, for a reload: { id, binding, webpage }. */
function save(login) {
  try {
    if (login) localStorage.setItem(SAVED, JSON.stringify(login));
    else localStorage.removeItem(SAVED);
  } catch { /* storage may be unavailable */ }
}

function saved() {
  try { return JSON.parse(localStorage.getItem(SAVED) || 'null'); } catch { return null; }
}

function stopPolling() {
  if (!poll) return;
  poll.stopped = true;
  clearTimeout(poll.timer);
  poll = null;
}

function startPolling(id) {
  stopPolling();
  const me = { id, timer: null, stopped: false, failures: 0 };
  poll = me;
  const tick = async () => {
    if (me.stopped) return;
    try {
      const s = await call('GET', `/demo/api/logins/${encodeURIComponent(id)}`);
      if (me.stopped) return;
      me.failures = 0;
      const status = s?.status || 'error';
      setStatus(status, status === 'error' && s?.error ? `The login failed: ${s.error}` : undefined);
      showError(errorEl, status === 'error' ? (s?.error || 'unknown error') : '');
      if (status === 'approved') showProfile(s.profile);
      if (FINAL.has(status)) {
        setHidden($('code-box'), true);
        save(null);
        finish();
        return;
      }
    } catch (e) {
      if (me.stopped) return;
      me.failures += 1;
      if (e.status === 404) {
        showError(errorEl, 'The shop\'s system no longer knows this login. Start a new one.');
        save(null);
        finish();
        return;
      }
      if (me.failures >= 3) showError(errorEl, 'Cannot reach the shop\'s system right now; still trying…');
    }
    me.timer = setTimeout(tick, 1000);
  };
  me.timer = setTimeout(tick, 1000);
}

function finish() {
  stopPolling();
  loginButton.disabled = false;
  setHidden(againButton, false);
}

function reset() {
  stopPolling();
  save(null);
  setHidden(result, true);
  showError(errorEl, '');
  showError(formError, '');
  showProfile(null);
  loginButton.disabled = false;
  phoneInput.focus();
}

form.addEventListener('submit', async (e) => {
  e.preventDefault();
  showError(formError, '');
  const phone = normalisePhone(phoneInput.value);
  const binding = bindingInput.value.trim().toUpperCase();
  bindingInput.value = binding;
  if (!/^\d{8,15}$/.test(phone)) {
    showError(formError, 'Enter a mobile number: 8 digits, or with country code.');
    return;
  }
  if (binding && !/^[A-Z0-9-]{5,8}$/.test(binding)) {
    showError(formError, 'The confirmation code must be 5 to 8 characters of A–Z, 0–9 and -.');
    return;
  }
  const flow = form.elements.flow.value === 'webpage' ? 'webpage' : 'app';
  stopPolling();
  loginButton.disabled = true;
  loginButton.setAttribute('aria-busy', 'true');
  try {
    const body = { phone_number: phone, flow };
    if ($('club').checked) body.delegated_consents = true;
    if (binding) body.binding_message = binding;
    const res = await call('POST', '/demo/api/logins', body);
    const login = { id: res.id, binding, webpage: flow === 'webpage' };
    save(login);
    showWaiting(login);
  } catch (err) {
    showError(formError, explain(err));
    loginButton.disabled = false;
  } finally {
    loginButton.removeAttribute('aria-busy');
  }
});

function showWaiting({ id, binding, webpage }) {
  showProfile(null);
  showError(errorEl, '');
  setHidden(againButton, false);
  $('code').textContent = binding || '';
  setHidden($('code-box'), !binding);
  setStatus('waiting', webpage
    ? 'Waiting for the customer to confirm; they will continue on our web page.'
    : undefined);
  setHidden(result, false);
  loginButton.disabled = true;
  startPolling(id);
}

// The shop's tile has the colour the app gives it.
document.querySelector('.topbar .logo')?.style.setProperty('--hue', String(hue('Demo Store')));
const resumed = saved();
if (resumed?.id) showWaiting(resumed);

$('generate').addEventListener('click', () => { bindingInput.value = randomCode(); });
bindingInput.addEventListener('input', () => {
  const pos = bindingInput.selectionStart;
  bindingInput.value = bindingInput.value.toUpperCase();
  bindingInput.setSelectionRange(pos, pos);
});
againButton.addEventListener('click', reset);
