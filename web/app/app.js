// Entry point of the authenticator app: chooses enrollment or home, keeps the push stream
// open, routes push events to the screens, and installs the service worker.

import { getToken, clearToken, onUnauthorized } from './api.js';
import { connectEvents } from './events.js';
import { t, getLang, setLang, onLangChange } from './i18n.js';
import { currentScreen, toast } from './ui.js';
import { session, hooks, remember, getRequest, clearAll } from './state.js';
import { showEnroll } from './enroll.js';
import { clearDeviceKey } from './devicekey.js';
import { showHome, refresh } from './home.js';
import { openRequest, openRequestById, requestClosed, requestOnScreen, decisionInFlight } from './login.js';
import { onRoute, requestInHash } from './nav.js';
import { showConsents } from './consents.js';

let stream = null;

/** Screens an incoming login may replace at once; elsewhere it is offered in a toast. */
const INTERRUPTIBLE = new Set(['home', 'consents', 'devices', 'complete', 'rejected', 'closed']);

function enterApp() {
  // A reload (or a link) in the middle of a login returns to that login.
  const linked = requestInHash();
  if (linked) openRequestById(linked.id);
  else if (window.location.hash === '#consents') showConsents();
  else showHome();
  startStream();
}

function reenroll() {
  stream?.stop();
  stream = null;
  session.streamUp = false;
  session.listKnown = false;
  clearAll();
  clearDeviceKey();
  showEnroll(enterApp);
}

function updateHome() {
  const screen = currentScreen();
  if (screen?.name === 'home') screen.update?.();
}

function startStream() {
  stream?.stop();
  stream = connectEvents({
    onOpen() {
      session.streamUp = true;
      session.reachFailed = false;
      updateHome();
      // Anything that started while we were disconnected only shows up in the list.
      refresh().catch(() => {});
    },
    onDown() {
      session.streamUp = false;
      session.listKnown = false;
      updateHome();
    },
    onFail() {
      session.reachFailed = true;
      updateHome();
    },
    onUnauthorized() {
      clearToken();
      reenroll();
    },
    onEvent(name, data) {
      if (name === 'login_request' && data && typeof data === 'object') incoming(data);
      else if (name === 'login_request_closed' && data?.id) requestClosed(data.id, data.reason);
      else if (name === 'device_added' && data?.name) toast(t('device_added_toast', { name: data.name }));
    },
  });
}

/**
 * A login for this user just started: show it at once unless the user is busy with another.
 * A newer login of the merchant on screen takes over (the till has started again); the one it
 * replaces is then marked older on the new confirm screen, to be rejected in one tap.
 */
function incoming(view) {
  remember(view);
  const screen = currentScreen();
  const onScreen = requestOnScreen();
  if (onScreen === view.id) return;
  if (!onScreen && screen && INTERRUPTIBLE.has(screen.name)) {
    openRequest(view);
    return;
  }
  const shown = onScreen ? getRequest(onScreen) : null;
  if (shown && shown.client_id === view.client_id && !decisionInFlight()) {
    openRequest(view);
    return;
  }
  if (onScreen) {
    toast(t('new_request', { merchant: view.merchant?.name || view.client_id }), {
      label: t('open'),
      run: () => openRequest(getRequest(view.id) || view),
    });
  }
}

function setUpLanguageSwitch() {
  const button = document.getElementById('lang');
  const label = () => {
    button.textContent = t('switch_to');
    button.setAttribute('lang', getLang() === 'EN' ? 'nb' : 'en');
  };
  button.addEventListener('click', () => setLang(getLang() === 'EN' ? 'NO' : 'EN'));
  onLangChange(label);
  label();
}

function registerServiceWorker() {
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker.register('/app/sw.js', { scope: '/app/' }).catch(() => {});
}

function start() {
  hooks.reenroll = reenroll;
  hooks.connectionLost = () => {
    session.streamUp = false;
    session.reachFailed = true;
    session.listKnown = false;
    updateHome();
    stream?.reconnect();
  };
  onRoute('home', () => showHome());
  onRoute('consents', () => showConsents());
  window.addEventListener('online', updateHome);
  window.addEventListener('offline', updateHome);
  onUnauthorized(() => {
    if (!getToken()) return;
    clearToken();
    reenroll();
  });
  setUpLanguageSwitch();
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState !== 'visible' || !getToken()) return;
    stream?.kick();
    if (currentScreen()?.name === 'home') refresh().then(updateHome).catch(() => {});
  });
  if (getToken()) enterApp();
  else showEnroll(enterApp);
  registerServiceWorker();
}

start();
