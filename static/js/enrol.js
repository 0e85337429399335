// enrol.js — the phone's enrolment page: reads a one-time code from the desk (the camera: the
// browser's BarcodeDetector, else the vendored jsQR, static/vendor/jsqr-1.4.0.js, loaded only
// when the camera starts; or the short code typed in), shows whom it enrols, sets the app lock's
// PIN, exchanges the code for the officer's sync token and stores it as the phone keeps tokens.

import * as core from "./sync-core.js";
import { PIN_PATTERN, setPin, tooEasy } from "./lock.js";

const words = JSON.parse(document.getElementById("enrol-texts").textContent);
const $ = (id) => document.getElementById(id);
let code = null;      // the code as read, sent as it is: the server reads it
let officer = null;   // whom it enrols, as the server said
let stream = null;

function say(id, text) {
  const element = $(id);
  element.textContent = text || "";
  element.hidden = !text;
}

async function post(path, body) {
  const response = await fetch(path, {
    method: "POST", credentials: "omit",
    headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  let answer = {};
  try { answer = await response.json(); } catch (error) { /* not JSON: said below */ }
  return { ok: response.ok, answer };
}

function refusal(answer) {
  return answer?.error?.message || words.failed;
}

async function check(text) {
  say("enrol-error", "");
  say("camera-message", words.checking);
  let result;
  try {
    result = await post("/api/v1/enrolment/check", { code: text });
  } catch (error) {
    say("camera-message", "");
    say("enrol-error", words.offline);
    return;
  }
  say("camera-message", "");
  if (!result.ok) {
    say("enrol-error", refusal(result.answer));
    return;
  }
  code = text;
  officer = result.answer;
  $("enrol-name").textContent = `${officer.name} (${officer.username})`;
  $("enrol-office").textContent = officer.office_name;
  $("enrol-read").hidden = true;
  $("enrol-confirm").hidden = false;
  $("pin").focus();
}

async function enrol(event) {
  event.preventDefault();
  const pin = $("pin").value;
  if (!PIN_PATTERN.test(pin)) return say("pin-error", words.pin_shape);
  if (tooEasy(pin)) return say("pin-error", words.pin_easy);
  if (pin !== $("pin-again").value) return say("pin-error", words.pin_differ);
  say("pin-error", "");
  let result;
  try {
    result = await post("/api/v1/enrolment/token", { code, label: phoneName() });
  } catch (error) {
    return say("pin-error", words.offline);
  }
  if (!result.ok) {
    startAgain();
    return say("enrol-error", refusal(result.answer));
  }
  const { token, expires_at: expiresAt, user } = result.answer;
  await core.storeEnrolment(user.username, token, expiresAt);
  await setPin(user.username, pin);
  $("enrol-confirm").hidden = true;
  $("enrol-done").hidden = false;
  await openCases();
}

function phoneName() {
  const data = navigator.userAgentData;
  const platform = data?.platform || "";
  return platform ? `FieldCheck (${platform})` : "";
}

// The officer's pages are fetched by the service worker with the new token: it must control
// this page before the phone goes to its list.
async function openCases() {
  if ("serviceWorker" in navigator) {
    try {
      await navigator.serviceWorker.register("/sw.js", { type: "module", scope: "/" });
      await navigator.serviceWorker.ready;
      if (!navigator.serviceWorker.controller) {
        await new Promise((resolve) => {
          navigator.serviceWorker.addEventListener("controllerchange", resolve, { once: true });
        });
      }
    } catch (error) { console.warn("service worker not registered", error); }
  }
  location.replace("/field/");
}

function startAgain() {
  code = null;
  officer = null;
  $("pin").value = "";
  $("pin-again").value = "";
  $("enrol-confirm").hidden = true;
  $("enrol-read").hidden = false;
  $("enrol-code").focus();
}

// -- the camera -----------------------------------------------------------------------------

function loadJsQR() {
  // A classic script (UMD), loaded only when a camera scan needs it.
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
    const formats = await window.BarcodeDetector.getSupportedFormats?.().catch(() => []);
    if (!formats || formats.includes("qr_code")) {
      const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      return async () => (await detector.detect(video).catch(() => []))[0]?.rawValue;
    }
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
    return jsQR(frame.data, frame.width, frame.height, { inversionAttempts: "dontInvert" })?.data;
  };
}

function stopCamera() {
  stream?.getTracks().forEach((track) => track.stop());
  stream = null;
  $("camera").hidden = true;
}

async function startCamera() {
  const video = $("camera");
  stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
  video.srcObject = stream;
  video.hidden = false;
  await video.play();
  say("camera-message", words.camera_looking);
  const detect = await detectorFor(video);
  const tick = async () => {
    if (!stream) return;
    const text = await detect();
    if (text) {
      stopCamera();
      document.documentElement.dataset.scanned = "1";
      await check(text);
      return;
    }
    setTimeout(tick, 200);
  };
  tick();
}

function start() {
  if (navigator.mediaDevices?.getUserMedia) {
    const button = $("camera-start");
    button.hidden = false;
    button.addEventListener("click", () => startCamera().catch(() => {
      stopCamera();
      say("camera-message", words.camera_failed);
    }));
  }
  $("code-form").addEventListener("submit", (event) => {
    event.preventDefault();
    check($("enrol-code").value);
  });
  $("pin-form").addEventListener("submit", enrol);
  $("enrol-cancel").addEventListener("click", startAgain);
  // Opened from the QR code by the phone's own camera app: the code is in the fragment, which
  // never reaches the server; it leaves the address bar at once.
  if (location.hash.includes("code=")) {
    const text = location.href;
    history.replaceState(null, "", location.pathname);
    check(text);
  }
  document.documentElement.dataset.enrolReady = "1";
}

start();
