// lock.js — the app lock of an enrolled phone: a 6-digit PIN asked when the app starts and
// after a few minutes in the background. The PIN never leaves the phone: only a salted
// PBKDF2-SHA-256 hash of it is kept (localStorage, read before anything else on the page). Five
// wrong PINs, or "forgot PIN", wipe the phone's case data and its token; the unsent outbox stays
// for its author, who must enrol the phone again to send it.

import * as db from "./idb.js";
import * as core from "./sync-core.js";

const RECORD = "fc-lock";            // localStorage: { user, salt, hash, iterations, failures }
const OPEN = "fc-lock-open";         // sessionStorage: unlocked in this tab (survives navigation)
const HIDDEN_AT = "fc-lock-hidden-at"; // sessionStorage: when this tab last went to the background
export const TRIES = 5;
export const PIN_PATTERN = /^[0-9]{6}$/;
const ITERATIONS = 200000;

const toBase64 = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes)));
const fromBase64 = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

async function derive(pin, salt, iterations) {
  const key = await crypto.subtle.importKey(
    "raw", new TextEncoder().encode(pin), "PBKDF2", false, ["deriveBits"]);
  return crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, 256);
}

function readRecord() {
  try { return JSON.parse(localStorage.getItem(RECORD) || "null"); } catch (error) { return null; }
}

function writeRecord(record) {
  localStorage.setItem(RECORD, JSON.stringify(record));
}

// A PIN anyone would try first: one digit six times, or a run up or down (123456, 987654).
export function tooEasy(pin) {
  const digits = [...pin].map(Number);
  const steps = new Set(digits.slice(1).map((d, i) => d - digits[i]));
  return steps.size === 1 && [0, 1, -1].includes([...steps][0]);
}

// Set at enrolment: the phone is open in this tab until it goes to the background.
export async function setPin(username, pin) {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const hash = await derive(pin, salt, ITERATIONS);
  writeRecord({ user: username, salt: toBase64(salt), hash: toBase64(hash),
                iterations: ITERATIONS, failures: 0 });
  sessionStorage.setItem(OPEN, "1");
  sessionStorage.removeItem(HIDDEN_AT);
}

// true: the PIN is right. A wrong one is counted before it is checked (a page closed during the
// check does not give a free try).
async function checkPin(record, pin) {
  record.failures = (record.failures || 0) + 1;
  writeRecord(record);
  const hash = await derive(pin, fromBase64(record.salt), record.iterations);
  if (toBase64(hash) !== record.hash) return false;
  record.failures = 0;
  writeRecord(record);
  return true;
}

// Case data and the token leave the phone; what the officer has not sent yet stays for them.
export async function wipePhone(username) {
  await core.wipeCaseData(username);
  await db.remove("tokens", username);
  const mine = (key) => String(key).startsWith(`${username}:`);
  for (const draft of await db.all("drafts")) if (mine(draft.key)) await db.remove("drafts", draft.key);
  for (const item of await core.historyOf(username)) {
    const unsentPhotos = (item.photos || []).some((sha) => !(item.uploaded || []).includes(sha));
    if (!unsentPhotos) await db.remove("history", item.op_id);
  }
  await db.remove("meta", `${username}:last_sync`);
  localStorage.removeItem(RECORD);
  sessionStorage.removeItem(OPEN);
  sessionStorage.removeItem(HIDDEN_AT);
}

// -- the lock screen (only on pages that include templates/field/_lock.html) ------------------

const screen = document.getElementById("app-lock");
const username = document.querySelector('meta[name="fc-user"]')?.content;

function words(name, params = {}) {
  const template = screen.dataset[name] || name;
  return template.replace(/%\((\w+)\)s/g, (_, key) => String(params[key] ?? ""));
}

function lock() {
  sessionStorage.removeItem(OPEN);
  const dialog = screen.querySelector("dialog");
  screen.hidden = false;
  document.documentElement.dataset.locked = "1";
  screen.querySelector("#lock-message").textContent = "";
  screen.querySelector("#lock-forgot-confirm").hidden = true;
  if (!dialog.open) dialog.showModal();
  screen.querySelector("#lock-pin").value = "";
  screen.querySelector("#lock-pin").focus();
}

function unlock() {
  sessionStorage.setItem(OPEN, "1");
  sessionStorage.removeItem(HIDDEN_AT);
  screen.querySelector("dialog").close();
  screen.hidden = true;
  delete document.documentElement.dataset.locked;
}

async function wipeAndSay(reason) {
  await wipePhone(username);
  const kept = (await core.outboxOf(username)).length;
  // Nothing of the cases stays on screen either.
  for (const element of [...document.querySelector("main").children]) {
    if (element !== screen) element.remove();
  }
  screen.querySelector("#lock-form").hidden = true;
  screen.querySelector("#lock-forgot").hidden = true;
  screen.querySelector("#lock-forgot-confirm").hidden = true;
  const said = screen.querySelector("#lock-wiped");
  said.querySelector("p").textContent = `${words(reason)} ${words("kept", { n: kept, user: username })}`;
  said.hidden = false;
  document.documentElement.dataset.locked = "wiped";
}

function start() {
  const record = readRecord();
  // No PIN set, or another officer's phone: nothing to lock here.
  if (!screen || !username || !record || record.user !== username) return;
  const hiddenAt = Number(sessionStorage.getItem(HIDDEN_AT) || 0);
  const after = Number(screen.dataset.afterSeconds || 180) * 1000;
  const open = sessionStorage.getItem(OPEN) === "1" && (!hiddenAt || Date.now() - hiddenAt <= after);
  if (open) sessionStorage.removeItem(HIDDEN_AT);
  else lock();
  const dialog = screen.querySelector("dialog");
  dialog.addEventListener("cancel", (event) => event.preventDefault()); // Escape does not open it
  dialog.addEventListener("close", () => {
    if (document.documentElement.dataset.locked) dialog.showModal();
  });
  screen.querySelector("#lock-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = screen.querySelector("#lock-pin");
    const message = screen.querySelector("#lock-message");
    if (!PIN_PATTERN.test(input.value)) {
      message.textContent = words("pinShape");
      return;
    }
    const current = readRecord();
    if (!current) return;
    if (await checkPin(current, input.value)) {
      unlock();
      return;
    }
    input.value = "";
    const left = TRIES - current.failures;
    if (left <= 0) await wipeAndSay("wipedTries");
    else message.textContent = words("wrong", { n: left });
  });
  screen.querySelector("#lock-forgot").addEventListener("click", () => {
    screen.querySelector("#lock-forgot-confirm").hidden = false;
  });
  screen.querySelector("#lock-forgot-yes").addEventListener("click", () => wipeAndSay("wipedForgot"));
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") {
      if (!document.documentElement.dataset.locked) sessionStorage.setItem(HIDDEN_AT, String(Date.now()));
      return;
    }
    const since = Number(sessionStorage.getItem(HIDDEN_AT) || 0);
    if (readRecord() && since && Date.now() - since > after && !document.documentElement.dataset.locked) lock();
    else if (!document.documentElement.dataset.locked) sessionStorage.removeItem(HIDDEN_AT);
  });
  document.documentElement.dataset.lockReady = "1";
}

start();
