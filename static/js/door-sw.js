// Service worker of the door page (served as /door/sw.js, scope /door/). On install it precaches the
// door's shell: the CSS, scripts and QR scanner, at their versioned URLs (SHELL, filled in by the server
// from roadshow/web/checkin.py; a new version of any file changes this script, so the browser installs it
// again and the old files are dropped). Those versioned files are then answered from the cache without
// asking the network (they never change under their URL). Page loads are answered from the network when
// it can and from the cache when it cannot (the page puts its own copy there), so the page reloads
// without network.
// The guest list for offline look-ups (/door/<id>/roster: names, organisations, phone tails; never a
// whole number) is answered the same way, network first, so a look-up without network still finds
// guests. Check-ins themselves (POST: scans and look-up taps) are never cached: the page queues them
// in IndexedDB and sends them as one batch when the network is back.
"use strict";
const CACHE = "roadshow-door-v1";
const SHELL = [];

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    await cache.addAll(SHELL);
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => event.waitUntil((async () => {
  const cache = await caches.open(CACHE);
  const keep = new Set(SHELL.map((path) => new URL(path, self.location.origin).href));
  for (const request of await cache.keys()) { // older versions of the shell's files
    const url = new URL(request.url);
    if (url.pathname.startsWith("/static/") && url.searchParams.has("v") && !keep.has(url.href)) {
      await cache.delete(request);
    }
  }
  await self.clients.claim();
})()));

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  const isPage = request.mode === "navigate" && url.pathname.startsWith("/door/");
  const isAsset = url.pathname.startsWith("/static/");
  const isRoster = /^\/door\/\d+\/roster$/.test(url.pathname);
  if (!isPage && !isAsset && !isRoster) return;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    if (isAsset && url.searchParams.has("v")) { // versioned: the cached copy is the file
      const cached = await cache.match(request);
      if (cached) return cached;
    }
    try {
      const response = await fetch(request);
      if (response.ok && !response.redirected) cache.put(isPage || isRoster ? url.pathname : request, response.clone());
      return response;
    } catch (error) {
      const cached = await cache.match(isPage || isRoster ? url.pathname : request, { ignoreSearch: true });
      if (cached) return cached;
      throw error;
    }
  })());
});
