// The offline service worker (hand-written). The build (vite.config.js, plugin "precache") writes
// it to dist/sw.js with PRECACHE replaced by the list of every built file but the learner's
// sandbox and editor (ON_DEMAND: cached when first fetched) and VERSION by a hash of both lists,
// so a new build installs a fresh cache and drops the old one.
//
// Its policy: a service worker's Content-Security-Policy comes only from the header of its own
// response; no browser gives it the page's. `make serve` sends the header; a host that cannot
// leaves this script without a policy, so it keeps to the policy's two rules that could matter
// here by itself, first thing: no code from strings (timers) and no requests to other origins.
// This is a guard, not a policy (SECURITY.md, "The policy in the workers").
{
  const own = self.location.origin;
  const noStrings = (timer) => function strict(fn, ...rest) {
    if (typeof fn !== 'function') throw new TypeError('a timer with a string of code is refused (Content-Security-Policy)');
    return timer.call(self, fn, ...rest);
  };
  const fetchOwn = self.fetch;
  Object.defineProperties(self, {
    setTimeout: { value: noStrings(self.setTimeout) },
    setInterval: { value: noStrings(self.setInterval) },
    fetch: {
      value: function fetch(input, init) {
        const url = new URL(input instanceof Request ? input.url : String(input), self.location.href);
        if (url.origin !== own) return Promise.reject(new TypeError(`a request to ${url.origin} is refused (Content-Security-Policy: connect-src 'self')`));
        return fetchOwn.call(self, input, init);
      },
    },
  });
}

const VERSION = '__VERSION__';
const PRECACHE = __PRECACHE__;
// Fetched only when a learner opens the editor: cached on first use, never at install.
const ON_DEMAND = new Set(__ON_DEMAND__.map((f) => new URL(f, self.location.href).pathname));
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
  ev.respondWith(caches.match(req, { ignoreSearch: true, ignoreVary: true }).then((r) => r ?? fetch(req).then((res) => {
    if (res.ok && ON_DEMAND.has(new URL(req.url).pathname)) {
      const copy = res.clone();
      ev.waitUntil(caches.open(CACHE).then((c) => c.put(req, copy)));
    }
    return res;
  })));
});
