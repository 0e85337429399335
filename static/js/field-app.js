// field-app.js — the field officer's app around every page: the service worker, the device
// token, the sync status (last sync, offline, storage), the case list's cards, the "needs
// attention" and "sent" lists, and the guard that refuses to sign out while anything is unsent.

import * as db from "./idb.js";
import * as core from "./sync-core.js";

const username = document.querySelector('meta[name="fc-user"]')?.content;
const retentionDays = Number(document.querySelector('meta[name="fc-retention-days"]')?.content || 14);
const texts = JSON.parse(document.getElementById("fc-texts")?.textContent || "{}");
// The office's time zone and the reader's language, from the page (templates/field/_status.html).
const place = document.getElementById("sync-status")?.dataset || {};
const locale = place.locale || undefined;
const timeZone = place.tz || undefined;

// A moment as the pages write it: "4 Des 2026 21.05 WIB", "Dec 4, 2026, 9:05 PM WIB".
export function formatMoment(value) {
  const at = new Date(value);
  try {
    const date = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeZone }).format(at);
    const time = new Intl.DateTimeFormat(locale, { timeStyle: "short", timeZone }).format(at);
    const joiner = (locale || "").startsWith("en") ? ", " : " ";
    return `${date}${joiner}${time}${place.zone ? ` ${place.zone}` : ""}`;
  } catch (error) {
    return at.toLocaleString(); // an unknown zone or language: the browser's own words
  }
}

// Today's date (YYYY-MM-DD) where the office is: due dates turn "overdue" on the office's day.
function officeToday() {
  try {
    return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit",
                                              day: "2-digit" }).format(new Date());
  } catch (error) {
    return new Date().toISOString().slice(0, 10);
  }
}

export function t(name, params = {}) {
  const template = texts[name] || name;
  return template.replace(/%\((\w+)\)s/g, (_, key) => String(params[key] ?? ""));
}

export function errorText(code, params = {}) {
  const template = (texts.errors || {})[code] || code;
  return template.replace(/%\((\w+)\)s/g, (_, key) => String(params[key] ?? "?"));
}

// "family.1.nik" -> "Family member 2 — NIK", in the officer's language.
export function fieldLabel(path) {
  const fields = texts.fields || {};
  const parts = path.split(".");
  if (parts[0] === "family" && parts.length >= 2 && /^\d+$/.test(parts[1])) {
    const member = (fields.family || "%(n)s").replace("%(n)s", String(Number(parts[1]) + 1));
    const rest = parts.slice(2).join(".");
    return rest ? `${member} — ${fields[`family.${rest}`] || rest}` : member;
  }
  if (parts[0] === "photos" && parts.length >= 2) return fields.photos || path;
  return fields[path] || fields[parts[0]] || path;
}

const $ = (id) => document.getElementById(id);

function show(id, text) {
  const element = $(id);
  if (!element) return;
  element.textContent = text || "";
  element.hidden = !text;
}

async function ensureToken() {
  // The phone's token comes from enrolment only (static/js/enrol.js, a one-time code from the
  // desk): no password is typed on the phone. Without a usable one the outbox waits, and the
  // status says to enrol the phone again.
}

let running = null;

export function syncNow() {
  // One replay at a time in this page (sync-core also locks across pages and the worker).
  if (!running) {
    running = runSync().finally(() => { running = null; });
  }
  return running;
}

async function runSync() {
  const status = $("sync-status");
  status?.setAttribute("data-state", "syncing");
  await ensureToken();
  const progress = $("sync-progress");
  const report = await core.replay(username, {
    onProgress(done, total) {
      if (!progress || total === 0) return;
      progress.max = total;
      progress.value = done;
      progress.hidden = done >= total;
      show("sync-summary", `${t("syncing")} ${done}/${total}`);
    },
  });
  if (progress) progress.hidden = true;
  status?.setAttribute("data-state", report.offline ? "offline" : "idle");
  const { unsynced } = await core.counts(username);
  if (report.revoked) {
    clearCaseList();
    show("sync-message", t("revoked"));
  } else if (report.needsLogin && unsynced) {
    show("sync-message", t("sign_in_again", { user: username, n: unsynced }));
  } else if (report.offline && navigator.onLine) show("sync-message", t("offline"));
  else show("sync-message", "");
  if (report.pulledOk) await refreshCaseList();
  await render();
  // Tests and the page's own scripts can see that a sync round finished, and how.
  document.documentElement.dataset.syncCount = String(Number(document.documentElement.dataset.syncCount || 0) + 1);
  document.documentElement.dataset.syncResult = JSON.stringify(report);
  document.dispatchEvent(new CustomEvent("fc:synced", { detail: report }));
  return report;
}

// The list as the server wrote it after this pull (sync-core kept the page): swapped in place,
// so sent cases leave "Cases to visit" and returned ones come back at the top, with no reload.
async function refreshCaseList() {
  const here = $("cases-to-visit");
  if (!here || typeof caches === "undefined") return;
  const kept = await (await caches.open("fc-pages")).match("/field/");
  if (!kept) return;
  const page = new DOMParser().parseFromString(await kept.text(), "text/html");
  const fresh = page.getElementById("cases-to-visit");
  if (fresh) here.replaceWith(document.adoptNode(fresh));
}

// The page on screen may have come from the phone's cache: once the case data has left the
// phone, its cards go from the screen too.
function clearCaseList() {
  $("case-list")?.replaceChildren();
  const none = $("no-cases");
  if (none) none.hidden = false;
}

export async function render() {
  const { pending, attention, photos } = await core.counts(username);
  const parts = [];
  if (pending + photos) parts.push(t("pending", { n: pending + photos }));
  if (attention) parts.push(t("attention", { n: attention }));
  show("sync-summary", parts.length ? parts.join(" · ") : t("synced"));
  const last = await core.lastSync(username);
  show("sync-last", last ? t("last_sync", { when: formatMoment(last) }) : t("never_synced"));
  $("sync-last")?.setAttribute("data-at", last || "");
  $("sync-summary")?.removeAttribute("hidden");
  await renderAttention();
  await renderSent();
  await renderCards();
}

async function renderAttention() {
  const list = $("attention-list");
  if (!list) return;
  const items = (await core.outboxOf(username)).filter((i) => i.state === "attention");
  $("attention").hidden = items.length === 0;
  list.replaceChildren(...items.map((item) => {
    const li = document.createElement("li");
    li.className = "attention-item";
    const title = document.createElement("strong");
    title.textContent = item.label || item.type;
    const reason = document.createElement("ul");
    for (const error of item.errors?.length ? item.errors : [{ field: "", code: item.reason }]) {
      const line = document.createElement("li");
      const message = errorText(error.code, error.params || {});
      line.textContent = error.field
        ? t("field_error", { field: fieldLabel(error.field), message }) : message;
      reason.append(line);
    }
    const mend = document.createElement("a");
    mend.className = "button";
    mend.href = `/field/cases/${item.case_id}?mend=${encodeURIComponent(item.op_id)}`;
    mend.textContent = t("mend");
    const resend = document.createElement("button");
    resend.type = "button";
    resend.textContent = t("resend");
    resend.addEventListener("click", async () => { await core.retry(item.op_id); syncNow(); });
    li.append(title, reason, mend, " ", resend);
    return li;
  }));
}

// What this phone sent, newest first: the officer's own record of the server's answers.
async function renderSent() {
  const list = $("sent-list");
  if (!list) return;
  const items = await core.historyOf(username);
  const empty = $("sent-empty");
  if (empty) empty.hidden = items.length > 0;
  list.replaceChildren(...items.map((item) => {
    const li = document.createElement("li");
    li.className = "sent-card";
    li.dataset.state = item.state;
    if (item.case_id !== undefined) li.dataset.caseId = String(item.case_id);
    const name = document.createElement("strong");
    name.className = "case-name";
    name.textContent = item.label || item.type;
    const state = document.createElement("span");
    state.className = "badge";
    state.textContent = t(`state_${item.state}`);
    const when = document.createElement("span");
    when.className = "due";
    when.textContent = t("sent_at", { when: formatMoment(item.stored_at || item.created_at) });
    li.append(name, state, when);
    return li;
  }));
}

// Each card says whether its case is on the phone, waiting to be sent, or overdue today.
async function renderCards() {
  const held = new Set((await core.casesOnPhone(username)).map((c) => String(c.id)));
  const waiting = new Set((await core.outboxOf(username))
    .filter((i) => i.state !== "attention").map((i) => String(i.case_id)));
  const section = $("cases-to-visit");
  const today = officeToday();
  const recount = section && section.dataset.today !== today;
  for (const item of document.querySelectorAll("#case-list [data-case-id]")) {
    const on = held.has(item.dataset.caseId);
    const toggle = (selector, visible) => {
      const badge = item.querySelector(selector);
      if (badge) badge.hidden = !visible;
    };
    toggle("[data-on-phone]", on);
    toggle("[data-not-on-phone]", !on);
    toggle("[data-waiting]", waiting.has(item.dataset.caseId));
    if (recount && item.dataset.due) { // the page was written on another day than today
      const late = item.dataset.due < today;
      toggle("[data-overdue]", late);
      toggle("[data-due-on]", !late);
    }
  }
}

function showConnection() {
  const notice = $("offline-notice");
  if (notice) notice.hidden = navigator.onLine;
}

// Storage in plain words, with the one thing to do about it.
async function showStorage() {
  const box = $("storage");
  if (!box || !navigator.storage?.estimate) return;
  const kept = navigator.storage.persisted ? await navigator.storage.persisted() : false;
  const { usage = 0 } = await navigator.storage.estimate();
  const used = `${new Intl.NumberFormat(locale, { maximumFractionDigits: 1 }).format(usage / 1048576)} MB`;
  $("storage-info").textContent = `${t("storage_used", { used })} ${
    kept ? t("storage_kept") : t("storage_at_risk")}`;
  $("storage-keep").hidden = kept || !navigator.storage.persist;
  box.hidden = false;
}

async function keepData() {
  const granted = await navigator.storage.persist();
  show("storage-message", granted ? "" : t("storage_refused"));
  await showStorage();
}

function guardSignOut() {
  for (const form of document.querySelectorAll('form[action="/logout"]')) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const { unsynced } = await core.counts(username);
      if (unsynced > 0) {
        show("sync-message", t("sign_out_refused", { n: unsynced }));
        window.alert(t("sign_out_refused", { n: unsynced }));
        return;
      }
      // An enrolled phone has no web session to end: it revokes its own token (if it can
      // reach the server), forgets its case data and goes back to enrolment.
      const phone = await core.phoneToken();
      let revoked = !phone?.token;
      if (phone?.token) {
        try {
          const response = await fetch("/api/v1/auth/token", {
            method: "DELETE", headers: { Authorization: `Bearer ${phone.token}` },
          });
          revoked = response.ok || response.status === 401;
        } catch (error) { revoked = false; }
      }
      await core.wipeCaseData(username);
      await db.remove("tokens", username);
      if (!phone) { form.submit(); return; }
      if (!revoked) window.alert(t("signed_out_offline"));
      window.location.assign("/field/enrol");
    });
  }
}

async function start() {
  if (!username) return;
  guardSignOut();
  if ("serviceWorker" in navigator) {
    try {
      await navigator.serviceWorker.register("/sw.js", { type: "module", scope: "/" });
    } catch (error) { console.warn("service worker not registered", error); }
  }
  // Another officer's case data leaves the phone when someone else signs in here.
  for (const item of await db.all("cases")) {
    if (item.username !== username) await core.forgetCase(item.username, item.id);
  }
  if (await core.purgeOld(username, retentionDays)) {
    clearCaseList();
    show("sync-message", t("purged", { days: retentionDays }));
  }
  showConnection();
  $("sync-now")?.addEventListener("click", () => syncNow());
  $("storage-keep")?.addEventListener("click", keepData);
  window.addEventListener("offline", showConnection);
  window.addEventListener("online", () => { showConnection(); syncNow(); });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") syncNow();
  });
  document.addEventListener("fc:enqueued", async () => {
    await render();
    const registration = await navigator.serviceWorker?.ready;
    try { await registration?.sync?.register("fc-outbox"); } catch (error) { /* no Background Sync */ }
    syncNow();
  });
  showStorage();
  await render();
  if (navigator.onLine) syncNow();
}

export const ready = start();
