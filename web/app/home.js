// Home: greeting, the logins waiting for this user (push + pull to refresh), links onward.

import { App, ApiError, clearToken } from './api.js';
import { t, formatSeconds } from './i18n.js';
import { h, show, currentScreen, merchantLogo, errorLine, setError, busy, formatPhone } from './ui.js';
import { session, hooks, replaceAll, openRequests, onRequestsChange, deadline } from './state.js';
import { openRequest } from './login.js';
import { isOlder } from './older.js';
import { showConsents } from './consents.js';
import { showDevices } from './devices.js';
import { showUserCode, userCodeLinkLabel } from './usercode.js';

/** Re-read the user and the pending list from the server. */
export async function refresh() {
  const [me, list] = await Promise.all([
    session.me ? Promise.resolve(session.me) : App.me(),
    App.loginRequests(),
  ]);
  session.me = me;
  session.listKnown = true;
  replaceAll(list?.login_requests || []);
}

export function showHome() {
  const screen = show('home', renderHome, { route: { name: 'home', base: true } });
  refresh().then(() => {
    if (currentScreen() === screen) screen.update?.();
  }).catch((e) => {
    if (currentScreen() === screen) screen.fail?.(e);
  });
}

function renderHome(screen) {
  const greeting = h('h1', { testid: 'home-greeting' });
  const phone = h('p', { class: 'muted', testid: 'home-phone' });
  const status = h('p', { class: 'stream-status', testid: 'stream-status' });
  const list = h('ul', { class: 'request-list', testid: 'request-list', 'aria-live': 'polite' });
  const empty = h('p', { class: 'empty', testid: 'empty-state', hidden: true }, t('home_empty'));
  const unknown = h('p', { class: 'empty', testid: 'unknown-state', hidden: true }, t('home_unknown'));
  const err = errorLine('home-error');
  const pull = h('div', { class: 'pull', 'aria-hidden': 'true' }, t('pull_release'));
  const refreshButton = h('button', {
    class: 'btn btn-secondary btn-small', type: 'button', testid: 'refresh',
    onclick: () => busy(refreshButton, doRefresh),
  }, h('span', { 'aria-hidden': 'true', class: 'icon-refresh' }, '↻'), ' ', t('refresh'));

  async function doRefresh() {
    setError(err, '');
    try {
      await refresh();
      screen.update();
    } catch (e) {
      screen.fail(e);
    }
  }

  screen.fail = (e) => {
    if (e instanceof ApiError && e.status === 401) return; // app.js handles it
    if (e instanceof ApiError && e.status === 0) {
      // Not a second message beside the status line: the status line says it, and reconnects.
      hooks.connectionLost();
      return;
    }
    setError(err, e instanceof ApiError && e.status === 0 ? t('err_network') : t('err_generic', { code: e.code || e }));
  };

  const timeEls = new Map();
  screen.update = () => {
    const me = session.me;
    greeting.textContent = me?.given_name ? t('greeting', { name: me.given_name }) : t('greeting_anon');
    phone.textContent = me?.phone_number ? formatPhone(me.phone_number) : '';
    const state = connectionState();
    status.textContent = t(`conn_${state}`);
    status.classList.toggle('up', state === 'up');
    status.dataset.up = String(state === 'up');
    status.dataset.state = state;
    if (state === 'up') setError(err, '');
    const views = openRequests();
    timeEls.clear();
    list.replaceChildren(...views.map((v) => {
      const time = h('span', { class: 'card-time' });
      timeEls.set(v.id, time);
      return h('li', {},
        h('button', {
          class: 'card card-request', type: 'button', testid: 'request-item', dataset: { id: v.id },
          onclick: () => openRequest(v),
        },
        merchantLogo(v.merchant, 'sm'),
        h('span', { class: 'card-body' },
          h('strong', {}, t('wants_login', { merchant: v.merchant?.name || v.client_id })),
          isOlder(v) ? h('span', { class: 'tag tag-older', testid: 'older-tag' }, t('older_tag')) : null,
          v.binding_message ? h('span', { class: 'card-code' }, v.binding_message) : null,
          time),
        h('span', { class: 'chevron', 'aria-hidden': 'true' }, '›')));
    }));
    empty.hidden = views.length > 0 || !session.listKnown;
    unknown.hidden = views.length > 0 || session.listKnown || state === 'starting';
    tick();
  };

  const tick = () => {
    for (const [id, el] of timeEls) {
      el.textContent = t('time_left', { time: formatSeconds((deadline(id) - Date.now()) / 1000) });
    }
    if ([...timeEls.keys()].some((id) => deadline(id) <= Date.now())) screen.update();
  };
  const timer = setInterval(tick, 1000);
  screen.onCleanup(() => clearInterval(timer));
  screen.onCleanup(onRequestsChange(() => screen.update()));

  const forgetBox = h('div', { class: 'confirm-box', hidden: true },
    h('p', {}, t('forget_question')),
    h('div', { class: 'row' },
      h('button', {
        class: 'btn btn-danger', type: 'button', testid: 'forget-yes',
        onclick: () => { clearToken(); hooks.reenroll(); },
      }, t('forget_yes')),
      h('button', {
        class: 'btn btn-secondary', type: 'button',
        onclick: () => { forgetBox.hidden = true; },
      }, t('cancel'))));

  const root = h('section', { class: 'screen screen-home', testid: 'screen-home' },
    pull,
    h('header', { class: 'home-head' },
      h('div', {}, greeting, phone),
      refreshButton),
    status,
    h('h2', {}, t('home_pending')),
    list,
    empty,
    unknown,
    err,
    h('nav', { class: 'stack home-nav' },
      h('button', {
        class: 'btn btn-secondary', type: 'button', testid: 'consents-link',
        onclick: () => showConsents(),
      }, t('consents_link')),
      h('button', {
        class: 'btn btn-secondary', type: 'button', testid: 'devices-link',
        onclick: () => showDevices(),
      }, t('devices_link')),
      h('button', {
        class: 'btn btn-secondary', type: 'button', testid: 'user-code-link',
        onclick: () => showUserCode(),
      }, userCodeLinkLabel())),
    h('footer', { class: 'home-foot' },
      h('button', {
        class: 'btn btn-link', type: 'button', testid: 'forget',
        onclick: () => { forgetBox.hidden = false; },
      }, t('forget')),
      forgetBox));

  pullToRefresh(screen, root, pull, doRefresh);
  screen.update();
  return root;
}

/**
 * up: push connected; offline: the phone has no network; connecting: the server is not reached
 * (a try failed); starting: the first try is on its way.
 */
function connectionState() {
  if (session.streamUp) return 'up';
  if (navigator.onLine === false) return 'offline';
  return session.reachFailed ? 'connecting' : 'starting';
}

/** Pull down at the top of the page to refresh (touch screens). */
function pullToRefresh(screen, root, indicator, run) {
  let startY = null;
  let dy = 0;
  const onStart = (e) => {
    startY = window.scrollY <= 0 && e.touches.length === 1 ? e.touches[0].clientY : null;
    dy = 0;
  };
  const onMove = (e) => {
    if (startY == null) return;
    dy = Math.max(0, e.touches[0].clientY - startY);
    indicator.style.height = `${Math.min(dy, 90) * 0.6}px`;
    indicator.classList.toggle('ready', dy > 70);
  };
  const onEnd = () => {
    if (startY != null && dy > 70) run();
    startY = null;
    indicator.style.height = '0px';
    indicator.classList.remove('ready');
  };
  root.addEventListener('touchstart', onStart, { passive: true });
  root.addEventListener('touchmove', onMove, { passive: true });
  root.addEventListener('touchend', onEnd);
  root.addEventListener('touchcancel', onEnd);
  screen.onCleanup(() => { startY = null; });
}
