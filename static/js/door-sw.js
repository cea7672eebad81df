// Service worker of the door page (served as /door/sw.js, scope /door/). The page puts its shell
// (HTML, CSS, scripts, the QR scanner) into the cache; this worker answers page loads from the
// network when it can and from that cache when it cannot, so the page reloads without network.
// Check-ins themselves (POST) are never cached: the page queues them in IndexedDB.
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
  if (!isPage && !isAsset) return;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    try {
      const response = await fetch(request);
      if (response.ok && !response.redirected) cache.put(isPage ? url.pathname : request, response.clone());
      return response;
    } catch (error) {
      const cached = await cache.match(isPage ? url.pathname : request, { ignoreSearch: true });
      if (cached) return cached;
      throw error;
    }
  })());
});
