// field-app.js — the field officer's app around every page: the service worker, the device
// token, the sync status, the "needs attention" list, the officer's history, and the guard that
// refuses to sign out while anything is unsent.

import * as db from "./idb.js";
import * as core from "./sync-core.js";

const username = document.querySelector('meta[name="fc-user"]')?.content;
const retentionDays = Number(document.querySelector('meta[name="fc-retention-days"]')?.content || 14);
const texts = JSON.parse(document.getElementById("fc-texts")?.textContent || "{}");

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
  if (report.revoked) show("sync-message", t("revoked"));
  else if (report.needsLogin && unsynced) {
    show("sync-message", t("sign_in_again", { user: username, n: unsynced }));
  } else if (report.offline) show("sync-message", t("offline"));
  else show("sync-message", "");
  await render();
  // Tests and the page's own scripts can see that a sync round finished, and how.
  document.documentElement.dataset.syncCount = String(Number(document.documentElement.dataset.syncCount || 0) + 1);
  document.documentElement.dataset.syncResult = JSON.stringify(report);
  document.dispatchEvent(new CustomEvent("fc:synced", { detail: report }));
  return report;
}

export async function render() {
  const { pending, attention, photos } = await core.counts(username);
  const parts = [];
  if (pending + photos) parts.push(t("pending", { n: pending + photos }));
  if (attention) parts.push(t("attention", { n: attention }));
  show("sync-summary", parts.length ? parts.join(" · ") : t("synced"));
  const last = (await db.get("meta", `${username}:last_sync`))?.value;
  show("sync-last", last ? t("last_sync", { when: new Date(last).toLocaleString() })
                         : t("never_synced"));
  $("sync-summary")?.removeAttribute("hidden");
  await renderAttention();
  await renderHistory();
  await renderOnPhone();
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

async function renderHistory() {
  const list = $("history-list");
  if (!list) return;
  const waiting = (await core.outboxOf(username)).map((i) => ({ ...i, state: i.state === "attention" ? "attention" : "pending" }));
  const items = [...waiting, ...(await core.historyOf(username))];
  if (!items.length) return;
  list.replaceChildren(...items.map((item) => {
    const li = document.createElement("li");
    li.dataset.state = item.state;
    const when = new Date(item.created_at).toLocaleString();
    li.textContent = `${item.label || item.type} — ${t(`state_${item.state}`)} (${when})`;
    return li;
  }));
}

async function renderOnPhone() {
  const held = new Set((await core.casesOnPhone(username)).map((c) => String(c.id)));
  for (const item of document.querySelectorAll("[data-case-id]")) {
    const badge = item.querySelector("[data-on-phone]");
    if (badge) badge.hidden = !held.has(item.dataset.caseId);
  }
}

async function showStorage() {
  const info = $("storage-info");
  if (!info || !navigator.storage) return;
  const persisted = navigator.storage.persist ? await navigator.storage.persist() : false;
  const { usage = 0, quota = 0 } = navigator.storage.estimate ? await navigator.storage.estimate() : {};
  const mb = (n) => `${(n / 1048576).toFixed(1)} MB`;
  info.textContent = `${t("storage", { used: mb(usage), quota: mb(quota) })} — ${
    persisted ? t("storage_persistent") : t("storage_not_persistent")}`;
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
      await core.wipeCaseData(username);
      await db.remove("tokens", username);
      form.submit();
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
  await core.purgeOld(username, retentionDays);
  $("sync-now")?.addEventListener("click", () => syncNow());
  window.addEventListener("online", () => syncNow());
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
