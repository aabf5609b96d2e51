// The service worker's logic (loaded by /sw.js with the server's configuration). Plain code, not Workbox:
// Workbox's ES modules import each other by bare names, which a worker cannot resolve without a bundler (no
// import maps in workers), and its classic builds need importScripts(), which a module worker cannot call; the
// worker must be a module to share the drafts store and outbox with the pages.
//
// What is kept, and how:
//   app shell (CSS, JS modules, fonts, Leaflet, icons, the offline page): stored at install, served from the
//     store, refreshed by the next version of the worker; other static files: stale-while-revalidate;
//   the report page and the list of one's reports: network first (a few seconds at most on a weak signal),
//     the last copy otherwise; any other page offline: the offline page;
//   municipality search answers, boundaries and the registry's own tiles: network first, the last copies
//     otherwise (a bounded number of each);
//   everything else (the API, photos, the base map's tiles, other sites): not touched, the browser's own rules.
import { sendQueued, workerSession } from './outbox.js';

const PAGE_TIMEOUT_MS = 4000;
const LIMITS = { search: 60, boundaries: 8, tiles: 400, static: 200 };

export function startWorker(config) {
  const names = {
    shell: `shell-${config.version}`, pages: 'pages', search: 'search', boundaries: 'boundaries', tiles: 'tiles',
    static: 'static',
  };
  const runtime = [names.pages, names.search, names.boundaries, names.tiles, names.static];

  self.addEventListener('install', (event) => {
    event.waitUntil(caches.open(names.shell).then((cache) => cache.addAll(config.shell)).then(() => self.skipWaiting()));
  });

  self.addEventListener('activate', (event) => {
    event.waitUntil((async () => {
      for (const name of await caches.keys()) {
        if (name !== names.shell && !runtime.includes(name)) await caches.delete(name);
      }
      await self.clients.claim();
    })());
  });

  self.addEventListener('fetch', (event) => {
    const handler = route(event.request, config, names);
    if (handler) event.respondWith(handler);
  });

  self.addEventListener('message', (event) => {
    if (event.data?.type === 'keep-page') event.waitUntil(keepPage(event.data.url, config, names));
    if (event.data?.type === 'forget-pages') event.waitUntil(caches.delete(names.pages));
  });

  // Background Sync (Chromium): the drafts go out when the connection returns, even with no page open.
  self.addEventListener('sync', (event) => {
    if (event.tag === 'beco-drafts') event.waitUntil(sendFromWorker());
  });
}

async function sendFromWorker() {
  const { user, csrf } = await workerSession();
  if (user !== null) await sendQueued({ user, csrf });
}

function route(request, config, names) {
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin) return null;
  if (request.mode === 'navigate') return page(request, url, config, names);
  if (url.pathname.startsWith(config.staticPrefix)) return staticFile(request, names);
  if (url.pathname.startsWith(config.searchPrefix)) return networkFirst(request, names.search, LIMITS.search);
  if (url.pathname.startsWith(config.boundariesPrefix)) return networkFirst(request, names.boundaries, LIMITS.boundaries);
  if (url.pathname.startsWith(config.tilesPrefix)) return networkFirst(request, names.tiles, LIMITS.tiles);
  return null;
}

function isKept(url, config) {
  return config.keptPages.includes(url.pathname);
}

// Only a real copy of the page: not a redirect to the login page, not an error.
function keepable(response) {
  return response.ok && !response.redirected && response.type === 'basic';
}

async function keepPage(href, config, names) {
  const url = new URL(href, self.location.origin);
  if (!isKept(url, config)) return;
  const response = await fetch(url.pathname, { credentials: 'same-origin' }).catch(() => null);
  if (response && keepable(response)) await (await caches.open(names.pages)).put(url.pathname, response);
}

async function page(request, url, config, names) {
  const kept = isKept(url, config);
  const network = fetch(request).then(async (response) => {
    if (kept && keepable(response)) await (await caches.open(names.pages)).put(url.pathname, response.clone());
    return response;
  });
  const copy = kept ? await caches.match(url.pathname, { cacheName: names.pages }) : null;
  try {
    // With a copy at hand, a weak signal is not waited for long.
    return await (copy ? Promise.race([network, timeout(PAGE_TIMEOUT_MS)]) : network);
  } catch (error) {
    network.catch(() => {});
    return copy || (await caches.match(config.offlinePage, { cacheName: names.shell })) || Response.error();
  }
}

function timeout(ms) {
  return new Promise((resolve, reject) => { setTimeout(() => reject(new Error('timeout')), ms); });
}

async function staticFile(request, names) {
  const stored = await caches.match(request, { cacheName: names.shell });
  if (stored) return stored;
  const cache = await caches.open(names.static);
  const copy = await cache.match(request);
  const network = fetch(request).then(async (response) => {
    if (response.ok) { await cache.put(request, response.clone()); await trim(cache, LIMITS.static); }
    return response;
  });
  if (copy) { network.catch(() => {}); return copy; }
  return network;
}

async function networkFirst(request, name, limit) {
  const cache = await caches.open(name);
  try {
    const response = await fetch(request);
    if (response.ok) { await cache.put(request, response.clone()); await trim(cache, limit); }
    return response;
  } catch (error) {
    const copy = await cache.match(request);
    if (copy) return copy;
    throw error;
  }
}

// The oldest entries go first (a cache lists its keys in the order they were stored).
async function trim(cache, limit) {
  const keys = await cache.keys();
  for (const key of keys.slice(0, Math.max(0, keys.length - limit))) await cache.delete(key);
}
