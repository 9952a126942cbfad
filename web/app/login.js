// One login request, in the seed's order: confirm → consent (only when needed) → delegated
// consents (only when asked) → PIN → "login complete" or the merchant's page.

import { App, ApiError, clearToken } from './api.js';
import { t, getLang, pick, scopeLabel, joinList } from './i18n.js';
import { h, icon, show, currentScreen, merchantLogo, countdown, errorLine, setError, busy } from './ui.js';
import { remember, markClosed, closedReason, deadline, hooks } from './state.js';
import { showHome } from './home.js';
import { onRoute, goBack } from './nav.js';
import { olderNotice } from './older.js';
import { signDecision } from './devicekey.js';

/** The request being worked on: { view, consent, delegated, inFlight }. */
let flow = null;

const FLOW_SCREENS = new Set(['confirm', 'consent', 'delegated', 'pin']);

/** Id of the request shown right now, if a confirm/consent/PIN screen is on screen. */
export function requestOnScreen() {
  const screen = currentScreen();
  return screen && FLOW_SCREENS.has(screen.name) ? screen.requestId : null;
}

/** Whether an approve or reject of the login on screen is on its way to the server. */
export function decisionInFlight() {
  return !!flow?.inFlight;
}

/** Each step is a browser-history entry; the hash lets a reload return to the login. */
const stepRoute = (id, step) => ({ name: 'login', params: { id, step }, hash: `#request=${id}&step=${step}` });
const ENDED = { name: 'home', base: true };

/** Back/Forward onto a step of a login: that step when it is the login in hand, else its start. */
onRoute('login', ({ id, step }) => {
  if (flow?.view.id !== id || closedReason(id)) {
    openRequestById(id);
    return;
  }
  if (step === 'consent' && flow.view.needs_consent) showConsent();
  else if (step === 'delegated' && flow.view.delegated_consents) showDelegated();
  else if (step === 'pin') showPin();
  else showConfirm();
});

export function openRequest(view) {
  remember(view);
  flow = { view, consent: false, delegated: null, inFlight: false };
  showConfirm(true);
}

/** Open a request by id (deep link); falls back to home when it is gone. */
export async function openRequestById(id) {
  try {
    openRequest(await App.loginRequest(id));
  } catch {
    showHome();
  }
}

/** A `login_request_closed` event: if that request is on screen, say it has ended. */
export function requestClosed(id, reason) {
  markClosed(id, reason);
  if (flow?.view.id === id && !flow.inFlight && requestOnScreen() === id) showClosed(reason);
}

const merchantName = () => flow.view.merchant?.name || flow.view.client_id;

function errorText(e) {
  if (e instanceof ApiError && e.status === 0) return t('err_network');
  return t('err_generic', { code: e?.code || String(e) });
}

/** Logo and name of the merchant, with the live countdown under the name. */
function merchantHeader(timer) {
  return h('div', { class: 'merchant-head' },
    merchantLogo(flow.view.merchant, 'lg'),
    h('div', { class: 'merchant-text' },
      h('p', { class: 'merchant-name', testid: 'merchant-name' }, merchantName()),
      timer));
}

function backButton(onclick) {
  return h('button', { class: 'btn-back', type: 'button', testid: 'back', onclick },
    h('span', { 'aria-hidden': 'true' }, '‹ '), t('back'));
}

/** What comes after the confirm screen, skipping the steps this request does not need. */
function next() {
  const v = flow.view;
  if (v.needs_consent && !flow.consent) return showConsent();
  if (v.delegated_consents && !flow.delegated) return showDelegated();
  return showPin();
}

// ---- confirm --------------------------------------------------------------------------------

/** `fresh`: the login was just opened (a new history entry on top of home). */
function showConfirm(fresh = false) {
  const v = flow.view;
  show('confirm', (screen) => {
    const err = errorLine('confirm-error');
    const confirm = h('button', {
      class: 'btn btn-primary', type: 'button', testid: 'confirm-button', onclick: () => next(),
    }, t('confirm'));
    const reject = h('button', {
      class: 'btn btn-secondary', type: 'button', testid: 'reject-button',
      onclick: () => busy(reject, () => doReject(err)),
    }, t('reject'));
    const home = h('button', {
      class: 'btn btn-secondary', type: 'button', testid: 'expired-back', hidden: true, onclick: () => showHome(),
    }, t('back'));
    const timer = countdown(screen, deadline(v.id), () => {
      confirm.disabled = true;
      reject.disabled = true;
      confirm.hidden = true;
      reject.hidden = true;
      home.hidden = false;
    });
    const scopes = v.scopes || [];
    return h('section', { class: 'screen screen-flow', testid: 'screen-confirm', dataset: { id: v.id } },
      backButton(() => goBack(showHome)),
      merchantHeader(timer),
      h('h1', {}, t('confirm_title', { merchant: merchantName() })),
      olderNotice(v, openRequest, (e) => setError(err, errorText(e))),
      v.binding_message ? h('div', { class: 'binding' },
        h('p', { class: 'binding-label' }, t('binding_label')),
        h('p', { class: 'binding-code', testid: 'binding-message' }, v.binding_message),
        h('p', { class: 'binding-help' }, t('binding_help', { merchant: merchantName() }))) : null,
      h('div', { class: 'card' },
        scopes.length
          ? [h('p', { class: 'card-title' }, t('confirm_asks', { merchant: merchantName() })),
            h('ul', { class: 'scope-list', testid: 'scope-list' },
              scopes.map((s) => h('li', { dataset: { scope: s.scope || s } }, scopeLabel(s))))]
          : h('p', { testid: 'scope-list' }, t('confirm_identity_only'))),
      err,
      h('div', { class: 'actions' }, confirm, reject, home));
  }, { requestId: v.id, route: { ...stepRoute(v.id, 'confirm'), fresh } });
}

// ---- consent ---------------------------------------------------------------------------------

function showConsent() {
  const v = flow.view;
  show('consent', (screen) => {
    const err = errorLine('consent-error');
    const labels = (v.scopes || []).map(scopeLabel);
    const lowered = labels.map((l) => l.charAt(0).toLowerCase() + l.slice(1));
    const decline = h('button', {
      class: 'btn btn-secondary', type: 'button', testid: 'consent-decline',
      onclick: () => busy(decline, () => doReject(err)),
    }, t('decline'));
    return h('section', { class: 'screen screen-flow', testid: 'screen-consent', dataset: { id: v.id } },
      backButton(() => goBack(showConfirm)),
      merchantHeader(countdown(screen, deadline(v.id))),
      h('h1', { class: 'question', testid: 'consent-question' },
        t('consent_question', { list: joinList(lowered), merchant: merchantName() })),
      h('div', { class: 'card' },
        h('ul', { class: 'scope-list scope-list-check' }, labels.map((l) => h('li', {}, l)))),
      h('p', { class: 'muted' }, t('consent_body', { merchant: merchantName() })),
      err,
      h('div', { class: 'actions' },
        h('button', {
          class: 'btn btn-primary', type: 'button', testid: 'consent-accept',
          onclick: () => { flow.consent = true; next(); },
        }, t('accept_share')),
        decline));
  }, { requestId: v.id, route: stepRoute(v.id, 'consent') });
}

// ---- delegated consents --------------------------------------------------------------------

function showDelegated(error) {
  const v = flow.view;
  const form = v.delegated_consents;
  const answers = flow.answers || Object.fromEntries(
    (form.consents || []).map((c) => [c.id, c.previous_answer === true]));
  flow.answers = answers;
  show('delegated', (screen) => {
    const err = errorLine('delegated-error');
    setError(err, error);
    const confirm = h('button', {
      class: 'btn btn-primary', type: 'button', testid: 'delegated-confirm',
      onclick: () => {
        if (!allRequiredTicked()) { setError(err, t('delegated_missing')); return; }
        flow.delegated = { ...answers };
        showPin();
      },
    }, t('confirm'));
    const allRequiredTicked = () => (form.consents || []).every((c) => !c.required || answers[c.id]);
    const refreshButton = () => { confirm.disabled = !allRequiredTicked(); };
    const cancel = h('button', {
      class: 'btn btn-secondary', type: 'button', testid: 'delegated-cancel',
      onclick: () => busy(cancel, () => doReject(err)),
    }, t('cancel_login'));
    const items = (form.consents || []).map((c) => {
      const box = h('input', {
        type: 'checkbox', id: `dc-${c.id}`, checked: !!answers[c.id], testid: 'delegated-checkbox',
        dataset: { id: c.id }, required: c.required ? true : null,
        onchange: () => { answers[c.id] = box.checked; refreshButton(); setError(err, ''); },
      });
      return h('li', { class: 'check', testid: 'delegated-consent', dataset: { id: c.id } },
        box,
        h('label', { for: `dc-${c.id}` },
          h('span', {}, pick(c.text) || c.id),
          h('span', { class: c.required ? 'tag tag-required' : 'tag' }, c.required ? t('required') : t('optional'))));
    });
    const link = (href, text, testid) => (href
      ? h('a', { href, target: '_blank', rel: 'noopener noreferrer', testid }, text)
      : h('span', { testid }, text));
    const bottom = fill(t('delegated_bottom', { merchant: merchantName() }), {
      terms: link(form.terms_url, t('terms'), 'terms-link'),
      privacy: link(form.privacy_url, t('privacy'), 'privacy-link'),
    });
    refreshButton();
    return h('section', { class: 'screen screen-flow', testid: 'screen-delegated', dataset: { id: v.id } },
      backButton(() => goBack(() => (v.needs_consent ? showConsent() : showConfirm()))),
      merchantHeader(countdown(screen, deadline(v.id))),
      h('h1', { testid: 'delegated-heading' }, pick(form.heading)),
      form.text ? h('p', { class: 'lead', testid: 'delegated-text' }, pick(form.text)) : null,
      h('ul', { class: 'card checks' }, items),
      h('p', { class: 'muted small', testid: 'delegated-bottom' }, bottom),
      err,
      h('div', { class: 'actions' }, confirm, cancel));
  }, { requestId: v.id, route: stepRoute(v.id, 'delegated') });
}

/** Replace {terms}/{privacy} placeholders in a translated sentence with DOM nodes. */
function fill(text, nodes) {
  return text.split(/(\{\w+\})/).map((part) => {
    const m = part.match(/^\{(\w+)\}$/);
    return m && nodes[m[1]] ? nodes[m[1]] : part;
  });
}

// ---- PIN ---------------------------------------------------------------------------------------

function showPin() {
  const v = flow.view;
  show('pin', (screen) => {
    const input = h('input', {
      id: 'pin', type: 'password', inputmode: 'numeric', autocomplete: 'off', maxlength: '6',
      pattern: '[0-9]{4,6}', class: 'input-pin', testid: 'pin-input', 'aria-label': t('pin_label'),
    });
    const err = errorLine('pin-error');
    const submit = h('button', { class: 'btn btn-primary', type: 'submit', testid: 'pin-submit' }, t('confirm'));
    const timer = countdown(screen, deadline(v.id), () => { submit.disabled = true; });
    const formEl = h('form', {
      class: 'stack', novalidate: true,
      onsubmit: (e) => {
        e.preventDefault();
        if (!/^\d{4,6}$/.test(input.value)) { setError(err, t('pin_invalid')); input.focus(); return; }
        busy(submit, () => approve(input, err));
      },
    }, input, err, submit);
    setTimeout(() => { if (currentScreen() === screen) input.focus(); }, 50);
    return h('section', { class: 'screen screen-flow', testid: 'screen-pin', dataset: { id: v.id } },
      backButton(() => goBack(showConfirm)),
      merchantHeader(timer),
      h('h1', {}, t('pin_title')),
      h('p', { class: 'lead' }, t('pin_intro', { merchant: merchantName() })),
      formEl);
  }, { requestId: v.id, route: stepRoute(v.id, 'pin') });
}

async function approve(input, err) {
  const v = flow.view;
  const current = flow;
  setError(err, '');
  current.inFlight = true;
  let res;
  try {
    res = await App.approve(v.id, {
      signature: await signDecision(v.id, true),
      pin: input.value,
      consent: !!current.consent,
      delegated_consents: current.delegated || {},
      language: getLang(), // the language the delegated consents were shown in
    });
  } catch (e) {
    current.inFlight = false;
    input.value = '';
    if (!(e instanceof ApiError)) { setError(err, errorText(e)); return; }
    switch (e.code) {
      case 'wrong_pin': {
        const n = e.body?.attempts_left;
        setError(err, Number.isInteger(n) ? (n === 1 ? t('wrong_pin_one') : t('wrong_pin', { n })) : t('wrong_pin_plain'));
        input.focus();
        return;
      }
      case 'device_locked': return showLocked();
      case 'request_closed':
      case 'not_found':
        markClosed(v.id, closedReason(v.id));
        return showClosed(closedReason(v.id));
      case 'consent_required':
        current.consent = false;
        return showConsent();
      case 'required_consent_missing':
        current.delegated = null;
        return showDelegated(t('delegated_missing'));
      default:
        if (e.status === 401) return undefined; // app.js sends us to enrollment
        setError(err, errorText(e));
        return;
    }
  }
  markClosed(v.id, 'approved');
  if (res?.result === 'redirect' && res.redirect_url) return goTo(res.redirect_url);
  return showComplete();
}

async function doReject(err) {
  const v = flow.view;
  const current = flow;
  setError(err, '');
  current.inFlight = true;
  let res;
  try {
    res = await App.reject(v.id, { signature: await signDecision(v.id, false) });
  } catch (e) {
    current.inFlight = false;
    if (e instanceof ApiError && (e.code === 'request_closed' || e.code === 'not_found')) {
      markClosed(v.id, closedReason(v.id));
      return showClosed(closedReason(v.id));
    }
    if (e instanceof ApiError && e.code === 'device_locked') return showLocked();
    setError(err, errorText(e));
    return;
  }
  markClosed(v.id, 'rejected');
  if (res?.result === 'redirect' && res.redirect_url) return goTo(res.redirect_url);
  return showRejected();
}

// ---- endings -------------------------------------------------------------------------------

function ending(name, { symbol, tone, title, body, button, route = ENDED }) {
  show(name, () => h('section', { class: `screen screen-end end-${tone}`, testid: `screen-${name}` },
    h('div', { class: `end-icon end-icon-${tone}`, 'aria-hidden': 'true' }, icon(symbol)),
    h('h1', {}, title()),
    body ? h('p', { class: 'lead' }, body()) : null,
    h('div', { class: 'actions' }, button ? button() : h('button', {
      class: 'btn btn-primary', type: 'button', testid: 'done-button', onclick: () => showHome(),
    }, t('done')))), { route });
}

function showComplete() {
  const merchant = merchantName();
  ending('complete', {
    symbol: 'check', tone: 'ok',
    title: () => t('complete_title'),
    body: () => t('complete_body', { merchant }),
  });
}

function showRejected() {
  const merchant = merchantName();
  ending('rejected', {
    symbol: 'cross', tone: 'neutral',
    title: () => t('rejected_title'),
    body: () => t('rejected_body', { merchant }),
  });
}

function showClosed(reason) {
  const key = { approved: 'closed_approved', rejected: 'closed_rejected', expired: 'closed_expired' }[reason] || 'closed_generic';
  ending('closed', {
    symbol: 'clock', tone: 'neutral',
    title: () => t('closed_title'),
    body: () => t(key),
  });
}

function showLocked() {
  ending('locked', {
    symbol: 'lock', tone: 'bad',
    title: () => t('locked_title'),
    body: () => t('locked_body'),
    button: () => h('button', {
      class: 'btn btn-primary', type: 'button', testid: 'set-up-again',
      onclick: () => { clearToken(); hooks.reenroll(); },
    }, t('set_up_again')),
  });
}

/** Follow the merchant's redirect: the browser opens the merchant's page. */
function goTo(url) {
  const merchant = merchantName();
  ending('redirect', {
    symbol: 'external', tone: 'ok',
    title: () => t('redirecting', { merchant }),
    button: () => h('a', { class: 'btn btn-primary', href: url, testid: 'redirect-link' }, t('continue')),
    route: null, // the browser leaves for the merchant's page at once
  });
  window.location.href = url;
}
