// The offline service worker (hand-written). The build (vite.config.js, plugin "precache") writes
// it to dist/sw.js with PRECACHE replaced by the list of every built file and VERSION by a hash of
// that list, so a new build installs a fresh cache and drops the old one.
const VERSION = '__VERSION__';
const PRECACHE = __PRECACHE__;
const CACHE = `mlops-loop-${VERSION}`;

self.addEventListener('install', (ev) => {
  ev.waitUntil(caches.open(CACHE).then((c) => c.addAll(PRECACHE)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (ev) => {
  ev.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k.startsWith('mlops-loop-') && k !== CACHE).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

self.addEventListener('fetch', (ev) => {
  const req = ev.request;
  if (req.method !== 'GET' || new URL(req.url).origin !== self.location.origin) return;
  if (req.mode === 'navigate') {
    // Pages: the network first (so a new build shows up), the cached copy when offline.
    ev.respondWith(fetch(req).catch(() => caches.match(req, { ignoreSearch: true, ignoreVary: true })
      .then((r) => r ?? caches.match('./index.html', { ignoreVary: true }))));
    return;
  }
  // Built assets have content hashes in their names: the cache first.
  ev.respondWith(caches.match(req, { ignoreSearch: true, ignoreVary: true }).then((r) => r ?? fetch(req)));
});
