// Service worker of the door page (served as /door/sw.js, scope /door/). The page puts its shell
// (HTML, CSS, scripts, the QR scanner) into the cache; this worker answers page loads from the
// network when it can and from that cache when it cannot, so the page reloads without network.
// The guest list for offline look-ups (/door/<id>/roster: names, organisations, phone tails; never a
// whole number) is answered the same way, network first, so a look-up without network still finds
// guests. Check-ins themselves (POST: scans and look-up taps) are never cached: the page queues them
// in IndexedDB and sends them as one batch when the network is back.
"use strict";
const CACHE = "roadshow-door-v1";

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

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
