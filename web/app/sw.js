// Service worker of the authenticator app: keeps the app shell available offline.
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
