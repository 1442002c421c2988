// parley's service worker: keeps the app shell (the page, its hashed scripts and
// styles, the icons and the manifest) in a cache, so the installed app opens at once
// and even offline (where it says that chatting needs the network). It never touches
// the chat itself: /ws, /health, /config, /disconnect and every non-GET request go
// straight to the network, and nothing a user says or sends is ever cached.

const CACHE = 'parley-shell-v1';
const SHELL = ['/', '/manifest.webmanifest', '/icons/icon-192.png', '/icons/icon-512.png', '/icons/icon.svg'];

// The server answers `/` with JSON unless the request accepts HTML, so ask for HTML.
const pageRequest = () => new Request('/', { headers: { Accept: 'text/html' }, cache: 'no-cache' });

/** The hashed /assets/ files the page refers to. */
function assetsOf(html) {
  const out = new Set();
  for (const m of html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)) out.add(m[1]);
  return [...out];
}

/** Fetches the page and everything it needs, and stores it all; old assets are dropped. */
async function refreshShell() {
  const cache = await caches.open(CACHE);
  const res = await fetch(pageRequest());
  if (!res.ok) throw new Error(`shell: HTTP ${res.status}`);
  const html = await res.clone().text();
  const assets = assetsOf(html);
  // Hashed assets never change: fetch only the ones not cached yet.
  const missing = [];
  for (const a of assets) if (!(await cache.match(a))) missing.push(a);
  await cache.addAll([...missing, ...SHELL.slice(1)]);
  await cache.put('/', res);
  for (const req of await cache.keys()) {
    const path = new URL(req.url).pathname;
    if (path.startsWith('/assets/') && !assets.includes(path)) await cache.delete(req);
  }
}

self.addEventListener('install', (event) => {
  event.waitUntil(refreshShell().then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) if (key !== CACHE) await caches.delete(key);
      await self.clients.claim();
    })(),
  );
});

const isShellPath = (path) => SHELL.includes(path) || path.startsWith('/assets/');

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;

  // The app is one page at `/`; other addresses (API routes opened in a tab) are the server's.
  if (req.mode === 'navigate' && (url.pathname === '/' || url.pathname === '/index.html')) {
    // The shell from the cache at once; a fresh copy is fetched for the next start.
    event.respondWith(
      (async () => {
        const cache = await caches.open(CACHE);
        const cached = await cache.match('/', { ignoreVary: true });
        const update = refreshShell().catch(() => undefined);
        if (cached) {
          event.waitUntil(update);
          return cached;
        }
        try {
          return await fetch(req);
        } catch {
          return new Response('parley needs the network the first time it opens.', {
            status: 503,
            headers: { 'Content-Type': 'text/plain; charset=utf-8' },
          });
        }
      })(),
    );
    return;
  }

  if (isShellPath(url.pathname)) {
    event.respondWith(
      (async () => {
        const cache = await caches.open(CACHE);
        const cached = await cache.match(req, { ignoreVary: true, ignoreSearch: true });
        if (cached) return cached;
        const res = await fetch(req);
        if (res.ok && url.pathname.startsWith('/assets/')) await cache.put(req, res.clone());
        return res;
      })(),
    );
  }
  // Everything else (the WebSocket, /health, /config, ...) is left to the network.
});
