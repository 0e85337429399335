// sw.js — the service worker: keeps the app shell and the pages the last pull named, so the
// field officer's list, cases and forms open with no network; replays the outbox on Background
// Sync. It caches server-rendered pages; it re-implements no route. Served at /sw.js by the app,
// which fills in the version and the shell list.

import { phoneToken, replayAll } from "/static/js/sync-core.js";

const VERSION = "__VERSION__";
const SHELL = __SHELL__;
const SHELL_CACHE = `fc-shell-${VERSION}`;
const PAGES = "fc-pages";

self.addEventListener("install", (event) => {
  // The new shell is cached before this worker takes over: what the phone holds keeps working.
  event.waitUntil(caches.open(SHELL_CACHE).then((cache) => cache.addAll(SHELL))
    .then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith("fc-shell-") && name !== SHELL_CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

function isFieldPage(url) {
  return url.pathname === "/field/" || url.pathname.startsWith("/field/cases/")
    || url.pathname === "/verify";
}

// An enrolled phone has no web session: its officer's pages are fetched with their sync token
// (phone enrolment, issue 15). A token that no longer opens them (revoked, expired) leaves the
// kept page, whose sync then says why, or else the enrolment page.
function isPhonePage(url) {
  return url.pathname === "/field/" || url.pathname.startsWith("/field/cases/");
}

async function fromNetworkWithToken(request, url, token) {
  const signed = new Request(url.href, {
    headers: { Authorization: `Bearer ${token}` }, credentials: "omit", redirect: "manual" });
  const response = await fetch(signed);
  if (response.type !== "opaqueredirect") return response;
  return (await caches.match(url.pathname, { ignoreSearch: true }))
    || Response.redirect("/field/enrol", 303);
}

async function fromNetworkThenPhone(request, url) {
  const phone = isPhonePage(url) ? await phoneToken().catch(() => null) : null;
  if (phone && !phone.token) {
    return (await caches.match(url.pathname, { ignoreSearch: true }))
      || Response.redirect("/field/enrol", 303);
  }
  try {
    const response = phone ? await fromNetworkWithToken(request, url, phone.token)
                           : await fetch(request);
    if (response.ok && !response.redirected && isFieldPage(url)) {
      const pages = await caches.open(PAGES);
      // Refresh only what the phone already holds (a case it was told to keep, or the list).
      if (url.pathname === "/field/" || url.pathname === "/verify"
          || await pages.match(url.pathname)) {
        await pages.put(url.pathname, response.clone());
      }
    }
    return response;
  } catch (error) {
    const kept = await caches.match(url.pathname, { ignoreSearch: true });
    return kept || (await caches.match("/field/offline")) || Response.error();
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/api/")) return; // the API is never cached
  if (url.pathname.startsWith("/static/") || url.pathname === "/manifest.webmanifest") {
    event.respondWith(caches.match(request, { ignoreSearch: true })
      .then((kept) => kept || fetch(request)));
    return;
  }
  if (request.mode === "navigate") {
    event.respondWith(fromNetworkThenPhone(request, url));
  }
});

self.addEventListener("sync", (event) => {
  if (event.tag === "fc-outbox") event.waitUntil(replayAll());
});
