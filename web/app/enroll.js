// Enrollment: phone number → one-time code (checked at once) → choose a PIN → a new device
// key (WebCrypto, kept in IndexedDB) registered with the server → device token in localStorage.

import { App, APP_VERSION, ApiError, setToken } from './api.js';
import { t } from './i18n.js';
import { h, show, currentScreen, errorLine, setError, busy, normalisePhone, formatPhone } from './ui.js';
import { newDeviceKey, saveDeviceKey } from './devicekey.js';

const flow = { phone: '', enrollmentId: null, code: '', pin: null, profile: null };
let onEnrolled = () => {};

/** Start (or restart) enrollment; `done()` runs once the device token is stored. */
export function showEnroll(done) {
  if (done) onEnrolled = done;
  flow.enrollmentId = null;
  flow.code = '';
  flow.pin = null;
  flow.profile = null;
  showPhone();
}

function messageFor(err) {
  if (!(err instanceof ApiError)) return t('err_generic', { code: String(err) });
  if (err.status === 0) return t('err_network');
  const key = {
    unknown_user: 'err_unknown_user',
    invalid_phone_number: 'err_invalid_phone_number',
    invalid_code: 'err_invalid_code',
    invalid_pin: 'err_invalid_pin',
    not_found: 'err_enrollment_gone',
    too_many_devices: 'err_too_many_devices',
  }[err.code];
  if (err.code === 'too_many_requests') {
    const seconds = Number(err.retryAfter) || 0;
    return seconds > 0 ? t('err_too_many_tries_wait', { minutes: Math.ceil(seconds / 60) }) : t('err_too_many_tries');
  }
  return key ? t(key) : t('err_generic', { code: err.code });
}

function showPhone(error) {
  show('enroll-phone', () => {
    const input = h('input', {
      id: 'phone', type: 'tel', inputmode: 'tel', autocomplete: 'tel', required: true,
      value: flow.phone, placeholder: '4712345678', testid: 'enroll-phone',
      'aria-describedby': 'phone-hint',
    });
    const err = errorLine('enroll-error');
    setError(err, error);
    const submit = h('button', { class: 'btn btn-primary', type: 'submit', testid: 'enroll-phone-submit' }, t('send_code'));
    const form = h('form', {
      class: 'stack', novalidate: true,
      onsubmit: (e) => {
        e.preventDefault();
        const phone = normalisePhone(input.value);
        if (!phone) { setError(err, t('err_invalid_phone_number')); input.focus(); return; }
        busy(submit, async () => {
          setError(err, '');
          try {
            const res = await App.startEnrollment(phone);
            flow.phone = phone;
            flow.enrollmentId = res.enrollment_id;
            showCode();
          } catch (e2) {
            setError(err, messageFor(e2));
          }
        });
      },
    },
    h('label', { for: 'phone' }, t('phone_label')),
    input,
    h('p', { class: 'hint', id: 'phone-hint' }, t('phone_hint')),
    err,
    submit);
    return h('section', { class: 'screen', testid: 'screen-enroll-phone' },
      h('div', { class: 'hero' }, h('img', { src: '/app/icon.svg', alt: '', class: 'hero-icon' })),
      h('h1', {}, t('enroll_title')),
      h('p', { class: 'lead' }, t('enroll_intro')),
      form);
  });
}

function showCode(error) {
  const screen = show('enroll-code', (scr) => {
    const input = h('input', {
      id: 'code', type: 'text', inputmode: 'numeric', autocomplete: 'one-time-code', required: true,
      maxlength: '6', pattern: '[0-9]{6}', value: flow.code, class: 'input-code', testid: 'enroll-code',
    });
    const err = errorLine('enroll-error');
    setError(err, error);
    const hint = h('p', { class: 'dev-hint', testid: 'dev-code', hidden: true });
    const submit = h('button', { class: 'btn btn-primary', type: 'submit', testid: 'enroll-code-submit' }, t('continue'));
    scr.devHint = hint;
    if (scr.devCode) { hint.textContent = t('dev_code', { code: scr.devCode }); hint.hidden = false; }
    const form = h('form', {
      class: 'stack', novalidate: true,
      onsubmit: (e) => {
        e.preventDefault();
        const code = input.value.replace(/\s/g, '');
        if (!/^\d{4,8}$/.test(code)) { setError(err, t('err_invalid_code')); input.focus(); return; }
        // The code is checked before a PIN is chosen (a wrong one counts toward the limits).
        busy(submit, async () => {
          setError(err, '');
          let checked;
          try {
            checked = await App.checkCode(flow.enrollmentId, code);
          } catch (e2) {
            setError(err, messageFor(e2));
            input.select();
            return;
          }
          flow.code = code;
          // A number without an account (serve --self-registration): ask for the name first.
          if (checked?.registration) showProfile(); else showPin();
        });
      },
    },
    h('label', { for: 'code' }, t('code_label')),
    input,
    hint,
    err,
    submit,
    h('button', {
      class: 'btn btn-link', type: 'button', testid: 'enroll-change-number',
      onclick: () => showEnroll(),
    }, t('change_number')));
    return h('section', { class: 'screen', testid: 'screen-enroll-code' },
      h('h1', {}, t('code_title')),
      h('p', { class: 'lead' }, t('code_intro', { phone: formatPhone(flow.phone) })),
      form);
  });
  pollDevOutbox(screen);
}

/** With `serve --dev` the server exposes the SMS outbox; show the code as a hint. */
async function pollDevOutbox(screen) {
  for (let i = 0; i < 6; i++) {
    if (currentScreen() !== screen) return;
    try {
      const res = await App.devOutbox();
      const msg = (res?.messages || []).find((m) => samePhone(m.phone_number, flow.phone));
      const code = msg && (msg.code || (String(msg.message || '').match(/\b\d{6}\b/) || [])[0]);
      if (code) {
        screen.devCode = code;
        if (screen.devHint) {
          screen.devHint.textContent = t('dev_code', { code });
          screen.devHint.hidden = false;
        }
        return;
      }
    } catch {
      return; // not a dev server: no hint
    }
    await new Promise((r) => setTimeout(r, 800));
  }
}

function samePhone(a, b) {
  const da = String(a || '').replace(/\D/g, '');
  const db = String(b || '').replace(/\D/g, '');
  return !!da && !!db && (da === db || da.slice(-8) === db.slice(-8));
}

/** Self-registration: the new user's name, and optionally email and birth date. */
function showProfile(error) {
  show('enroll-profile', () => {
    const p = flow.profile || {};
    const field = (id, label, attrs) => [
      h('label', { for: id }, label),
      h('input', { id, value: p[attrs.key] || '', testid: `enroll-${id}`, ...attrs.input }),
    ];
    const [givenLabel, given] = field('given-name', t('profile_given_name'), { key: 'given_name', input: { type: 'text', autocomplete: 'given-name', required: true, maxlength: '100' } });
    const [familyLabel, family] = field('family-name', t('profile_family_name'), { key: 'family_name', input: { type: 'text', autocomplete: 'family-name', maxlength: '100' } });
    const [emailLabel, email] = field('email', t('profile_email'), { key: 'email', input: { type: 'email', autocomplete: 'email' } });
    const [birthLabel, birth] = field('birthdate', t('profile_birthdate'), { key: 'birthdate', input: { type: 'date', autocomplete: 'bday' } });
    const err = errorLine('enroll-error');
    setError(err, error);
    const submit = h('button', { class: 'btn btn-primary', type: 'submit', testid: 'enroll-profile-submit' }, t('continue'));
    const form = h('form', {
      class: 'stack', novalidate: true,
      onsubmit: (e) => {
        e.preventDefault();
        if (!given.value.trim()) { setError(err, t('profile_name_required')); given.focus(); return; }
        if (email.value.trim() && !/^[^\s@]+@[^\s@]+$/.test(email.value.trim())) {
          setError(err, t('profile_email_invalid')); email.focus(); return;
        }
        flow.profile = {
          given_name: given.value.trim(),
          family_name: family.value.trim(),
          email: email.value.trim() || null,
          birthdate: birth.value || null,
        };
        showPin();
      },
    },
    givenLabel, given, familyLabel, family, emailLabel, email, birthLabel, birth,
    h('p', { class: 'hint' }, t('profile_hint')),
    err,
    submit);
    return h('section', { class: 'screen', testid: 'screen-enroll-profile' },
      h('h1', {}, t('profile_title')),
      h('p', { class: 'lead' }, t('profile_intro')),
      form);
  });
}

function showPin(error) {
  show('enroll-pin', () => {
    const pin = h('input', {
      id: 'pin', type: 'password', inputmode: 'numeric', autocomplete: 'new-password',
      maxlength: '6', pattern: '[0-9]{4,6}', class: 'input-pin', testid: 'enroll-pin',
    });
    const pin2 = h('input', {
      id: 'pin2', type: 'password', inputmode: 'numeric', autocomplete: 'new-password',
      maxlength: '6', pattern: '[0-9]{4,6}', class: 'input-pin', testid: 'enroll-pin-repeat',
    });
    const err = errorLine('enroll-error');
    setError(err, error);
    const submit = h('button', { class: 'btn btn-primary', type: 'submit', testid: 'enroll-pin-submit' }, t('finish_setup'));
    const form = h('form', {
      class: 'stack', novalidate: true,
      onsubmit: (e) => {
        e.preventDefault();
        if (!/^\d{4,6}$/.test(pin.value)) { setError(err, t('pin_invalid')); pin.focus(); return; }
        if (pin.value !== pin2.value) { setError(err, t('pin_mismatch')); pin2.value = ''; pin2.focus(); return; }
        flow.pin = pin.value;
        busy(submit, () => verify(err));
      },
    },
    h('label', { for: 'pin' }, t('pin_label')),
    pin,
    h('label', { for: 'pin2' }, t('pin_repeat_label')),
    pin2,
    err,
    submit);
    return h('section', { class: 'screen', testid: 'screen-enroll-pin' },
      h('h1', {}, t('pin_choose_title')),
      h('p', { class: 'lead' }, t('pin_choose_intro')),
      form);
  });
}

let verifying = false;

async function verify(errEl) {
  if (verifying) return;
  verifying = true;
  try {
    const key = await newDeviceKey();
    const res = await App.verifyEnrollment(flow.enrollmentId, {
      code: flow.code,
      pin: flow.pin,
      device_name: deviceName(),
      app_version: APP_VERSION,
      device_public_key: key.jwk,
      ...(flow.profile ? { profile: flow.profile } : {}),
    });
    await saveDeviceKey(key.pair);
    setToken(res.device_token);
    flow.pin = null;
    flow.code = '';
    flow.profile = null;
    onEnrolled();
  } catch (e) {
    if (e instanceof ApiError && e.code === 'invalid_code') {
      flow.code = '';
      showCode(messageFor(e));
    } else if (e instanceof ApiError && e.code === 'invalid_request' && flow.profile) {
      showProfile(e.message || messageFor(e));
    } else if (e instanceof ApiError && e.code === 'invalid_pin') {
      flow.pin = null;
      showPin(messageFor(e));
    } else if (e instanceof ApiError && e.code === 'not_found') {
      flow.pin = null;
      showPhone(messageFor(e));
    } else if (errEl) {
      setError(errEl, messageFor(e));
    } else {
      showCode(messageFor(e));
    }
  } finally {
    verifying = false;
  }
}

function deviceName() {
  const ua = navigator.userAgent || '';
  if (/iPhone/.test(ua)) return 'iPhone';
  if (/iPad/.test(ua)) return 'iPad';
  if (/Android/.test(ua)) return 'Android phone';
  return 'Web browser';
}
