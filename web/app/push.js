// Web Push (spec §11): after enrollment the app explains notifications and asks for permission;
// with it, the app subscribes with the server's VAPID key and keeps that subscription registered
// (PUT /app-api/v1/push-subscription), so a login reaches the phone while the app is closed.
// The device token is also kept in IndexedDB, where the service worker finds it to re-register
// a subscription the browser replaced (pushsubscriptionchange).

import { api, getToken } from './api.js';
import { getLang } from './i18n.js';
import { h, show, busy } from './ui.js';

const TEXT = {
  EN: {
    title: 'Get logins as notifications',
    body: 'When a shop asks you to log in, your phone can tell you at once, even when this app is closed. '
      + 'The notification shows only the shop’s name.',
    allow: 'Allow notifications',
    later: 'Not now',
    refused_title: 'No notifications',
    refused: 'Logins will show only while this app is open. You can allow notifications later in your '
      + 'browser’s site settings.',
    continue: 'Continue',
  },
  NO: {
    title: 'Få innlogginger som varsler',
    body: 'Når en butikk ber deg logge inn, kan telefonen si fra med en gang, også når appen er lukket. '
      + 'Varselet viser bare navnet på butikken.',
    allow: 'Tillat varsler',
    later: 'Ikke nå',
    refused_title: 'Ingen varsler',
    refused: 'Innlogginger vises bare mens appen er åpen. Du kan tillate varsler senere i nettleserens '
      + 'innstillinger for nettstedet.',
    continue: 'Fortsett',
  },
};
const tr = (key) => (TEXT[getLang()] || TEXT.EN)[key];

export function pushSupported() {
  return 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;
}

/** After enrollment: explain and ask (once the browser has an answer, only sync). */
export function offerPush(done) {
  if (!pushSupported() || Notification.permission === 'granted') {
    syncPush().catch(() => {});
    done();
    return;
  }
  if (Notification.permission === 'denied') {
    showRefused(done);
    return;
  }
  show('push-permission', () => {
    const allow = h('button', {
      class: 'btn btn-primary', type: 'button', testid: 'push-allow',
      onclick: () => busy(allow, async () => {
        const answer = await Notification.requestPermission().catch(() => 'denied');
        if (answer !== 'granted') {
          showRefused(done);
          return;
        }
        await syncPush().catch(() => {}); // no push service reachable: logins still show in the app
        done();
      }),
    }, tr('allow'));
    return h('section', { class: 'screen', testid: 'screen-push-permission' },
      h('h1', {}, tr('title')),
      h('p', {}, tr('body')),
      h('div', { class: 'stack' },
        allow,
        h('button', {
          class: 'btn btn-secondary', type: 'button', testid: 'push-later', onclick: () => showRefused(done),
        }, tr('later'))));
  });
}

function showRefused(done) {
  show('push-refused', () => h('section', { class: 'screen', testid: 'screen-push-refused' },
    h('h1', {}, tr('refused_title')),
    h('p', { testid: 'push-refused-text' }, tr('refused')),
    h('button', { class: 'btn btn-primary', type: 'button', testid: 'push-continue', onclick: () => done() },
      tr('continue'))));
}

const b64url = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes)))
  .replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const fromB64url = (s) => Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));

/**
 * With permission: subscribe (again, when the server's key changed) and register the
 * subscription for this device. Called after enrollment and whenever the app starts.
 */
export async function syncPush() {
  if (!pushSupported() || Notification.permission !== 'granted' || !getToken()) return;
  await keepToken(getToken());
  const registration = await navigator.serviceWorker.ready;
  const { vapid_public_key: key } = await api('GET', '/push/vapid-public-key');
  let sub = await registration.pushManager.getSubscription();
  const current = sub?.options?.applicationServerKey;
  if (sub && (!current || b64url(current) !== key)) {
    await sub.unsubscribe();
    sub = null;
  }
  if (!sub) {
    sub = await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: fromB64url(key) });
  }
  await api('PUT', '/push-subscription', sub.toJSON());
}

/** The device token where the service worker can read it (same origin, like localStorage). */
function keepToken(token) {
  return new Promise((resolve) => {
    const open = indexedDB.open('phonelogin-push', 1);
    open.onupgradeneeded = () => open.result.createObjectStore('kv');
    open.onerror = () => resolve();
    open.onsuccess = () => {
      const tx = open.result.transaction('kv', 'readwrite');
      tx.objectStore('kv').put(token, 'device_token');
      tx.oncomplete = () => resolve();
      tx.onerror = () => resolve();
    };
  });
}
