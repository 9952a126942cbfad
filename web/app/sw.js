// Service worker of the authenticator app: keeps the app shell available offline, and shows
// Web Push notifications of logins (spec §11).
// Network first (so a new server version is picked up at once), the cache only as fallback.
// App API responses (/app-api/) are never cached or even touched.

const CACHE = 'phonelogin-shell-v4';
const SHELL = [
  '/app/',
  '/app/index.html',
  '/app/styles.css',
  '/app/app.js',
  '/app/api.js',
  '/app/events.js',
  '/app/i18n.js',
  '/app/ui.js',
  '/app/state.js',
  '/app/enroll.js',
  '/app/home.js',
  '/app/login.js',
  '/app/consents.js',
  '/app/nav.js',
  '/app/older.js',
  '/app/hue.js',
  '/app/phone.js',
  '/app/devices.js',
  '/app/devicekey.js',
  '/app/usercode.js',
  '/app/push.js',
  '/app/arrival.js',
  '/app/manifest.webmanifest',
  '/app/icon.svg',
  '/app/icon-192.png',
  '/app/icon-512.png',
];

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches.open(CACHE)
      .then((cache) => Promise.all(SHELL.map((url) => cache.add(url).catch(() => undefined))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/app-api/') || !url.pathname.startsWith('/app/')) return;
  event.respondWith(networkFirst(req));
});

async function networkFirst(req) {
  const cache = await caches.open(CACHE);
  try {
    // Revalidate instead of trusting the HTTP cache, so a new server version shows at once.
    const res = await (req.mode === 'navigate' ? fetch(req) : fetch(req, { cache: 'no-cache' }));
    if (res.ok && res.type === 'basic') cache.put(req, res.clone()).catch(() => {});
    return res;
  } catch (e) {
    const hit = await cache.match(req, { ignoreSearch: true })
      || (req.mode === 'navigate' ? await cache.match('/app/') || await cache.match('/app/index.html') : undefined);
    if (hit) return hit;
    throw e;
  }
}

// ---- Web Push ------------------------------------------------------------------------------

/** What a push says: `login_request` {request_id, merchant, expires_at} or `device_added`. */
function notificationOf(data) {
  const no = (self.navigator?.language || '').toLowerCase().startsWith('n');
  if (data?.type === 'login_request' && typeof data.request_id === 'string') {
    return {
      title: String(data.merchant || 'phonelogin'),
      options: {
        body: no ? 'Vil at du logger inn. Trykk for å se hva de ber om.' : 'Wants you to log in. Tap to see what they ask for.',
        tag: `login-${data.request_id}`,
        renotify: true,
        requireInteraction: true,
        icon: '/app/icon-192.png',
        badge: '/app/icon-192.png',
        timestamp: Date.now(),
        data: { url: `/app/#request=${encodeURIComponent(data.request_id)}`, request_id: data.request_id },
      },
    };
  }
  if (data?.type === 'device_added') {
    return {
      title: no ? 'Ny enhet lagt til' : 'A device was added',
      options: {
        body: String(data.device_name || ''),
        tag: 'device-added',
        icon: '/app/icon-192.png',
        data: { url: '/app/' },
      },
    };
  }
  return null;
}

self.addEventListener('push', (event) => {
  let data = null;
  try { data = event.data?.json(); } catch { data = null; }
  const n = notificationOf(data);
  if (n) event.waitUntil(self.registration.showNotification(n.title, n.options));
});

// A tap opens the app at that request: an open app window is told (and focused), else a new one opens.
self.addEventListener('notificationclick', (event) => {
  const data = event.notification.data || {};
  event.notification.close();
  event.waitUntil((async () => {
    const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
    const app = windows.find((c) => new URL(c.url).pathname.startsWith('/app/'));
    if (app) {
      if (data.request_id) app.postMessage({ type: 'open_request', request_id: data.request_id });
      try { await app.focus(); } catch { /* focusing needs a real tap */ }
      return;
    }
    await self.clients.openWindow(data.url || '/app/');
  })());
});

// The browser replaced the subscription: register the new one with the device token the app keeps.
self.addEventListener('pushsubscriptionchange', (event) => {
  event.waitUntil((async () => {
    const token = await storedToken();
    if (!token) return;
    const options = event.oldSubscription?.options || (await self.registration.pushManager.getSubscription())?.options;
    const sub = event.newSubscription
      || (options ? await self.registration.pushManager.subscribe(options) : null);
    if (!sub) return;
    await fetch('/app-api/v1/push-subscription', {
      method: 'PUT',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(sub.toJSON()),
    });
  })());
});

function storedToken() {
  return new Promise((resolve) => {
    const open = indexedDB.open('phonelogin-push', 1);
    open.onupgradeneeded = () => open.result.createObjectStore('kv');
    open.onerror = () => resolve(null);
    open.onsuccess = () => {
      const get = open.result.transaction('kv').objectStore('kv').get('device_token');
      get.onsuccess = () => resolve(get.result || null);
      get.onerror = () => resolve(null);
    };
  });
}
