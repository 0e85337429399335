// verify-page.js — the passport officer's /verify page: a scanner types into the focused input
// and presses Enter (a plain form post, checked and logged by the server); with no network the
// same check runs on this device with the cached public keys and revocation list, and says how
// old that list is; a camera scan uses the browser's BarcodeDetector where there is one, and the
// vendored jsQR decoder (static/vendor/jsqr-1.4.0.js, Apache-2.0) where there is none.

import * as db from "./idb.js";
import { verifyReport } from "./qr-verify.js";

const form = document.getElementById("verify-form");
const input = document.getElementById("qr");
const out = document.getElementById("verify-result");
const state = document.getElementById("offline-state");
const words = JSON.parse(document.getElementById("result-texts").content.textContent);

async function refreshTrustList() {
  try {
    const [keys, revoked] = await Promise.all([
      fetch(form.dataset.keysUrl, { credentials: "omit" }).then((r) => r.json()),
      fetch(form.dataset.revokedUrl, { credentials: "omit" }).then((r) => r.json()),
    ]);
    await db.put("meta", { key: "verify:trust", keys: keys.keys, revoked,
                           fetched_at: revoked.generated_at });
  } catch (error) { /* offline: keep the list we have */ }
}

function dd(term, value) {
  const dt = document.createElement("dt");
  dt.textContent = term;
  const d = document.createElement("dd");
  d.textContent = value;
  return [dt, d];
}

async function checkHere(text) {
  const trust = await db.get("meta", "verify:trust");
  const section = document.createElement("section");
  if (!trust) {
    section.className = "card result result-invalid";
    section.textContent = words.no_list;
    out.replaceChildren(section);
    return;
  }
  const result = await verifyReport(text, {
    keys: trust.keys, revokedKeys: trust.revoked.keys, revokedReports: trust.revoked.reports,
    today: new Date() });
  section.className = `card result result-${result.status.toLowerCase()}`;
  section.setAttribute("role", "status");
  const title = document.createElement("h2");
  title.className = "status";
  title.textContent = words[result.status] || result.status;
  const where = document.createElement("p");
  where.textContent = `${words.checked_offline} ${words.list_age.replace(
    "%(when)s", new Date(trust.fetched_at).toLocaleString())}`;
  section.append(title, where);
  if (result.summary) {
    const list = document.createElement("dl");
    list.className = "facts";
    list.append(...dd(words.application, result.summary.application_number),
                ...dd(words.office, result.summary.office),
                ...dd(words.issued, result.summary.issued),
                ...dd(words.expires, result.summary.expires),
                ...dd(words.report, result.summary.report_id));
    section.append(list);
  }
  out.replaceChildren(section);
}

form.addEventListener("submit", (event) => {
  if (navigator.onLine) return; // the server checks it, and keeps the scan log
  event.preventDefault();
  checkHere(input.value);
  input.select();
});

function loadJsQR() {
  // A classic script (UMD): loaded only when a camera scan needs it.
  if (window.jsQR) return Promise.resolve(window.jsQR);
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = "/static/vendor/jsqr-1.4.0.js";
    script.onload = () => resolve(window.jsQR);
    script.onerror = reject;
    document.head.append(script);
  });
}

async function detectorFor(video) {
  if ("BarcodeDetector" in window) {
    const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    return async () => (await detector.detect(video).catch(() => []))[0]?.rawValue;
  }
  const jsQR = await loadJsQR();
  const canvas = document.createElement("canvas");
  const context = canvas.getContext("2d", { willReadFrequently: true });
  return async () => {
    if (!video.videoWidth) return undefined;
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    context.drawImage(video, 0, 0);
    const frame = context.getImageData(0, 0, canvas.width, canvas.height);
    return jsQR(frame.data, frame.width, frame.height)?.data;
  };
}

async function startCamera() {
  const video = document.getElementById("camera");
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
  video.srcObject = stream;
  video.hidden = false;
  await video.play();
  const detect = await detectorFor(video);
  const tick = async () => {
    const text = await detect();
    if (text) {
      stream.getTracks().forEach((track) => track.stop());
      video.hidden = true;
      input.value = text;
      form.requestSubmit();
      return;
    }
    setTimeout(tick, 250);
  };
  tick();
}

async function start() {
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js", { type: "module", scope: "/" }).catch(() => {});
  }
  if (navigator.mediaDevices?.getUserMedia) {
    const button = document.getElementById("camera-button");
    button.hidden = false;
    button.addEventListener("click", () => startCamera().catch(() => { button.hidden = true; }));
  }
  if (navigator.onLine) await refreshTrustList();
  const trust = await db.get("meta", "verify:trust");
  state.textContent = trust ? words.list_age.replace(
    "%(when)s", new Date(trust.fetched_at).toLocaleString()) : words.no_list;
  document.documentElement.dataset.verifyReady = "1";
}

start();
