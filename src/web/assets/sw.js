// The service worker: the teacher's pages keep working without a network.
// Pages are fetched from the network first and kept; without a network the kept
// copy is shown. Records are sent by the pages (queue.js) when the network
// returns, when a page opens and every half minute: not from here, so that a
// record never leaves while the page that holds it says the phone is offline.
"use strict";
var PAGES = "songjiao-pages", ASSETS = "songjiao-assets-v1";
var SHELL = ["/assets/app.css", "/assets/app.js", "/assets/queue.js", "/assets/record.js"];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(ASSETS).then(function (c) { return c.addAll(SHELL); }).then(function () {
    return self.skipWaiting();
  }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n !== PAGES && n !== ASSETS; })
      .map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

function keepable(request) {
  var url = new URL(request.url);
  return url.origin === location.origin && request.method === "GET" &&
    (url.pathname === "/" || /^\/visits\/\d+\/record$/.test(url.pathname) || url.pathname === "/leave");
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== location.origin) return;
  if (SHELL.indexOf(url.pathname) >= 0) {
    // Assets: the network when it answers (a new version), else the kept copy.
    event.respondWith(fetch(request).then(function (response) {
      var copy = response.clone();
      caches.open(ASSETS).then(function (c) { c.put(request, copy); });
      return response;
    }, function () { return caches.match(request); }));
    return;
  }
  if (!keepable(request)) return;
  event.respondWith(fetch(request).then(function (response) {
    // Only a page really shown: not a redirect to the login page.
    if (response.ok && !response.redirected) {
      var copy = response.clone();
      caches.open(PAGES).then(function (c) { c.put(request, copy); });
    }
    return response;
  }, function () {
    return caches.open(PAGES).then(function (c) {
      return c.match(request).then(function (kept) {
        return kept || c.match(request, { ignoreSearch: true });
      });
    }).then(function (kept) {
      return kept || new Response("offline", { status: 503, headers: { "Content-Type": "text/plain" } });
    });
  }));
});
