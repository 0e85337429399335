// sync-core.js — the outbox and the sync runner, shared by the pages and the service worker.
// An operation is written to the phone's database before any network attempt, and leaves the
// outbox only when the server's answer says it is stored. It is only ever sent with the device
// token of the officer who wrote it. One replay at a time per officer (Web Locks).

import * as db from "./idb.js";

export const BATCH = 10;
const PAGES = "fc-pages";

export const now = () => new Date().toISOString();
const key = (username, id) => `${username}:${id}`;

export async function tokenFor(username) {
  return db.get("tokens", username);
}

export async function saveToken(username, token, expiresAt) {
  return db.put("tokens", { username, token, expires_at: expiresAt, problem: null });
}

async function markToken(username, problem) {
  const record = await tokenFor(username);
  if (record) await db.put("tokens", { ...record, problem });
}

export function usable(record) {
  return Boolean(record && record.token && !record.problem &&
    (!record.expires_at || new Date(record.expires_at) > new Date()));
}

export async function outboxOf(username) {
  const items = await db.all("outbox");
  return items.filter((i) => i.author === username)
    .sort((a, b) => a.created_at.localeCompare(b.created_at));
}

export async function historyOf(username) {
  const items = await db.all("history");
  return items.filter((i) => i.author === username)
    .sort((a, b) => b.created_at.localeCompare(a.created_at));
}

export async function counts(username) {
  const items = await outboxOf(username);
  const history = await historyOf(username);
  const photos = history.reduce((n, i) => n + (i.photos || []).filter(
    (sha) => !(i.uploaded || []).includes(sha)).length, 0);
  const pending = items.filter((i) => i.state !== "attention").length;
  const attention = items.length - pending;
  return { pending, attention, photos, unsynced: items.length + photos };
}

export async function enqueue(item) {
  // The item is complete (op_id, record_id, payload, author) before it is written.
  return db.put("outbox", { ...item, state: "pending", updated_at: now() });
}

export async function retry(opId) {
  const item = await db.get("outbox", opId);
  if (item) await db.put("outbox", { ...item, state: "pending", reason: null, errors: null });
}

function stateOf(result) {
  if (result.status === "conflict") return (result.result && result.result.flag) || "conflict";
  if (result.status === "duplicate" && result.first === "conflict") {
    return (result.result && result.result.flag) || "conflict";
  }
  return result.result && result.result.status === "incomplete" ? "incomplete" : "stored";
}

function operation(item) {
  return { op_id: item.op_id, type: item.type, record_id: item.record_id,
           base_version: item.base_version ?? undefined, payload: item.payload,
           created_at: item.created_at };
}

function withLock(name, work) {
  if (typeof navigator !== "undefined" && navigator.locks) {
    return navigator.locks.request(name, work);
  }
  return work();
}

// Send this officer's outbox, then the photos, then pull. Never throws on network trouble.
export function replay(username, { onProgress = () => {}, pull = true } = {}) {
  return withLock(`fc-sync-${username}`, () => replayNow(username, onProgress, pull));
}

async function replayNow(username, onProgress, doPull) {
  const report = { sent: 0, attention: 0, needsLogin: false, offline: false, revoked: false };
  const record = await tokenFor(username);
  if (!usable(record)) {
    report.needsLogin = (await outboxOf(username)).length > 0 || !record;
    return report;
  }
  const auth = { Authorization: `Bearer ${record.token}` };
  const items = (await outboxOf(username)).filter((i) => i.state === "pending");
  onProgress(0, items.length);
  for (let start = 0; start < items.length; start += BATCH) {
    const batch = items.slice(start, start + BATCH);
    let response;
    try {
      response = await fetch("/api/v1/sync/push", {
        method: "POST", credentials: "omit",
        headers: { ...auth, "Content-Type": "application/json" },
        body: JSON.stringify({ version: 1, device: "web", operations: batch.map(operation) }),
      });
    } catch (error) {
      report.offline = true;
      return report;
    }
    if (response.status === 401) return tokenTrouble(username, response, report);
    if (!response.ok) {
      report.offline = true; // a server error: everything stays in the outbox for later
      return report;
    }
    const { results } = await response.json();
    for (const result of results) {
      if (result.status === "rejected") {
        const item = await db.get("outbox", result.op_id);
        await db.put("outbox", { ...item, state: "attention", reason: result.code,
                                 message: result.message, errors: result.errors || [] });
        report.attention += 1;
      } else {
        await db.move("outbox", "history", result.op_id, (item) => ({
          ...item, state: stateOf(result), result: result.result || {}, stored_at: now(),
          uploaded: [] }));
        report.sent += 1;
      }
    }
    onProgress(Math.min(start + BATCH, items.length), items.length);
  }
  if (!(await uploadPhotos(username, auth, report))) return report;
  if (!doPull) return report;
  await pullCases(username, auth, report);
  // "Last sync" says when the phone last heard the whole of its cases from the server: only a
  // pull that came back in full moves it (and keeps the cases from the 14-day purge).
  if (report.pulledOk) await db.put("meta", { key: key(username, "last_sync"), value: now() });
  return report;
}

export async function lastSync(username) {
  return (await db.get("meta", key(username, "last_sync")))?.value || null;
}

async function tokenTrouble(username, response, report) {
  let code = "unauthenticated";
  try { code = (await response.json()).error.code; } catch (error) { /* keep the default */ }
  await markToken(username, code);
  report.needsLogin = true;
  if (code === "token_revoked" || code === "account_inactive") {
    report.revoked = true;
    await wipeCaseData(username);
  }
  return report;
}

async function storedAnswer(response, sha) {
  try {
    const body = await response.json();
    return body.sha256 === sha && body.stored === true;
  } catch (error) {
    return false;
  }
}

async function uploadPhotos(username, auth, report) {
  for (const item of await historyOf(username)) {
    const missing = (item.photos || []).filter((sha) => !(item.uploaded || []).includes(sha));
    for (const sha of missing) {
      const photo = await db.get("photos", sha);
      if (photo) {
        let response;
        try {
          response = await fetch(`/api/v1/media/${sha}`, {
            method: "PUT", credentials: "omit",
            headers: { ...auth, "Content-Type": photo.mime }, body: photo.data });
        } catch (error) {
          report.offline = true;
          return false;
        }
        if (response.status === 401) {
          await tokenTrouble(username, response, report);
          return false;
        }
        // Kept, to try again at the next sync, unless the answer is the server's own about
        // this photo (a captive portal answers 200 to anything).
        if (!response.ok || !(await storedAnswer(response, sha))) continue;
        await db.remove("photos", sha);
      }
      item.uploaded = [...(item.uploaded || []), sha];
      if (item.state === "incomplete" && item.uploaded.length >= item.photos.length) {
        item.state = "stored";
      }
      await db.put("history", item);
    }
  }
  return true;
}

export async function pullCases(username, auth, report = {}) {
  const cursorKey = key(username, "cursor");
  const cursor = (await db.get("meta", cursorKey))?.value ?? "";
  let response;
  try {
    response = await fetch(`/api/v1/sync/pull?since=${encodeURIComponent(cursor)}`,
                           { headers: auth, credentials: "omit" });
  } catch (error) {
    report.offline = true;
    return report;
  }
  if (response.status === 401) return tokenTrouble(username, response, report);
  if (!response.ok) return report;
  const body = await response.json();
  const pulledAt = now();
  for (const item of body.cases) {
    await db.put("cases", { key: key(username, item.id), username, id: item.id, case: item,
                            pulled_at: pulledAt });
  }
  for (const gone of body.tombstones) await forgetCase(username, gone.id);
  await cachePages(["/field/", ...body.cache_urls], auth);
  await db.put("meta", { key: cursorKey, value: body.cursor });
  report.pulled = (report.pulled || 0) + body.cases.length;
  if (body.more) return pullCases(username, auth, report);
  report.pulledOk = true;
  return report;
}

async function cachePages(urls, auth) {
  // Pages are fetched with the officer's sync token, not the session cookie, so they are kept
  // after the web session has ended; a page that is refused or redirects is not kept.
  if (typeof caches === "undefined") return;
  const cache = await caches.open(PAGES);
  for (const url of urls) {
    try {
      const response = await fetch(url, { headers: auth, credentials: "omit", redirect: "manual" });
      if (response.ok && response.type === "basic" && !response.redirected) {
        await cache.put(url, response);
      }
    } catch (error) { /* offline: the phone keeps what it had */ }
  }
}

export async function forgetCase(username, caseId) {
  await db.remove("cases", key(username, caseId));
  if (typeof caches !== "undefined") {
    const cache = await caches.open(PAGES);
    await cache.delete(`/field/cases/${caseId}`);
  }
}

// Case data leaves the phone; what the officer wrote and did not send yet stays for them.
export async function wipeCaseData(username) {
  for (const item of await db.all("cases")) {
    if (item.username === username) await db.remove("cases", item.key);
  }
  await db.remove("meta", key(username, "cursor"));
  if (typeof caches !== "undefined") await caches.delete(PAGES);
}

// Case data leaves the phone `days` after its last successful sync: a pull returns only what
// changed, so a case still held and unchanged is as fresh as the last sync, however long ago it
// was pulled. Returns whether the phone's case data was removed.
export async function purgeOld(username, days) {
  const held = await casesOnPhone(username);
  let last = await lastSync(username);
  if (!last) { // a phone that kept cases before "last sync" was written: its newest pull
    last = held.map((c) => c.pulled_at).filter(Boolean).sort().pop() || null;
  }
  if (!held.length || !last) return false;
  if (new Date(last).getTime() >= Date.now() - days * 24 * 3600 * 1000) return false;
  await wipeCaseData(username); // the cursor goes too: the next pull brings every case again
  return true;
}

export async function casesOnPhone(username) {
  return (await db.all("cases")).filter((c) => c.username === username);
}

// The service worker's Background Sync: every officer with a usable token, each with their own.
export async function replayAll() {
  const authors = new Set((await db.all("outbox")).map((i) => i.author));
  let left = 0;
  for (const username of authors) {
    if (!usable(await tokenFor(username))) continue; // waits for that officer to sign in
    await replay(username, { pull: false });
    left += (await outboxOf(username)).filter((i) => i.state === "pending").length;
  }
  if (left > 0) throw new Error(`${left} operations still waiting`); // Chromium retries later
}

// -- phone enrolment (issue 15; static/js/enrol.js) ---------------------------------------------
// An enrolled phone belongs to one officer: their token, stored as every token is, and their
// name kept so the service worker can fetch their pages with it (no web session on the phone).

const PHONE_OFFICER = "phone:officer";

export async function storeEnrolment(username, token, expiresAt) {
  await saveToken(username, token, expiresAt);
  await db.put("meta", { key: PHONE_OFFICER, value: username });
}

// The enrolled officer and their token (null when it no longer counts); null: not enrolled.
export async function phoneToken() {
  const username = (await db.get("meta", PHONE_OFFICER))?.value;
  if (!username) return null;
  const record = await tokenFor(username);
  return { username, token: usable(record) ? record.token : null };
}
