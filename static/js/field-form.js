// field-form.js — the field verification form: its steps (one shown at a time, each kept in
// the draft as it is left, the browser's back button moving between them, a last screen saying
// what is missing), the family tree by <template> cloning and drawn into the server's bands
// (templates/_family_tree.html), GPS, photos resized on the phone, drafts saved as typed, and
// "Save and send" into the outbox (never a post to the server: DESIGN.md, "The one write path
// from the phone").

import * as db from "./idb.js";
import * as core from "./sync-core.js";
import { ready, t } from "./field-app.js";

const form = document.getElementById("visit-form");
const username = document.querySelector('meta[name="fc-user"]')?.content;
const caseId = Number(form?.dataset.caseId);
const draftKey = `${username}:${caseId}`;
const MAX_SIDE = 1600;

let counter = 0;
let photos = []; // [{sha256, caption, url}]

function localInputValue(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(
    date.getHours())}:${pad(date.getMinutes())}`;
}

// -- family tree ------------------------------------------------------------------------------

function addMember(values = {}) {
  const template = document.getElementById("family-template");
  const n = ++counter;
  const html = template.innerHTML.replaceAll("__N__", String(n));
  const holder = document.createElement("template");
  holder.innerHTML = html.trim();
  const item = holder.content.firstElementChild;
  item.dataset.uuid = values.uuid || crypto.randomUUID();
  for (const input of item.querySelectorAll("[data-key]")) {
    const value = values[input.dataset.key];
    if (input.type === "checkbox") {
      if (value !== undefined && value !== null) input.checked = Boolean(value);
    } else if (value !== undefined && value !== null) {
      input.value = value;
    }
  }
  item.querySelector(".member-remove").addEventListener("click", () => {
    item.remove();
    numberMembers();
    drawTree();
    saveDraft();
  });
  document.getElementById("family-list").append(item);
  numberMembers();
  drawTree();
  return item;
}

function numberMembers() {
  document.querySelectorAll("#family-list .member-number").forEach((span, i) => {
    span.textContent = String(i + 1);
  });
}

function members() {
  return [...document.querySelectorAll("#family-list .family-member")].map((item) => {
    const member = { uuid: item.dataset.uuid };
    for (const input of item.querySelectorAll("[data-key]")) {
      member[input.dataset.key] = input.type === "checkbox" ? input.checked : input.value.trim();
    }
    return member;
  });
}

function relationLabel(code) {
  const option = document.getElementById("family-template")?.content
    .querySelector(`select[data-key=relation] option[value="${code}"]`);
  return option ? option.textContent : code;
}

function drawTree() {
  // A picture for the eye, in the bands the server's tree uses; the list is what screen
  // readers use. The applicant's box is the server's and stays.
  const tree = document.getElementById("family-tree");
  if (!tree) return;
  const people = members();
  for (const band of tree.querySelectorAll("[data-band]")) {
    const list = band.querySelector("ul[data-relations]");
    const relations = list.dataset.relations.split(" ");
    list.querySelectorAll(".ftree-person:not(.is-applicant)").forEach((node) => node.remove());
    for (const person of people.filter((p) => relations.includes(p.relation))) {
      const node = document.createElement("li");
      node.className = "ftree-person" + (person.alive ? "" : " is-deceased");
      const name = document.createElement("span");
      name.className = "ftree-name";
      name.textContent = (person.name || "?") + (person.alive ? "" : " †");
      const relation = document.createElement("span");
      relation.className = "ftree-relation";
      relation.textContent = relationLabel(person.relation);
      node.append(name, relation);
      list.append(node);
    }
    band.hidden = list.children.length === 0;
  }
}

// -- GPS --------------------------------------------------------------------------------------

function setGps(status, lat = "", lon = "", accuracy = "") {
  form.elements["gps.status"].value = status;
  form.elements["gps.lat"].value = lat;
  form.elements["gps.lon"].value = lon;
  form.elements["gps.accuracy_m"].value = accuracy;
}

function recordLocation() {
  const state = document.getElementById("gps-state");
  if (!navigator.geolocation) {
    setGps("unavailable");
    state.textContent = t("gps_unavailable");
    return;
  }
  state.textContent = t("gps_getting");
  navigator.geolocation.getCurrentPosition((position) => {
    const { latitude, longitude, accuracy } = position.coords;
    setGps("fixed", latitude, longitude, Math.round(accuracy * 10) / 10);
    state.textContent = t("gps_fixed", { m: Math.round(accuracy) });
    saveDraft();
  }, (error) => {
    const denied = error.code === error.PERMISSION_DENIED;
    setGps(denied ? "denied" : "unavailable");
    state.textContent = denied ? t("gps_denied") : t("gps_unavailable");
    saveDraft();
  }, { enableHighAccuracy: true, timeout: 30000, maximumAge: 60000 });
}

// -- photos -----------------------------------------------------------------------------------

async function resize(file) {
  const bitmap = await createImageBitmap(file);
  const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close?.();
  return new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.82));
}

async function sha256Hex(buffer) {
  const digest = await crypto.subtle.digest("SHA-256", buffer);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function addPhotos(files) {
  const state = document.getElementById("form-message");
  for (const file of files) {
    try {
      const blob = await resize(file);
      const data = await blob.arrayBuffer(); // ArrayBuffer, not Blob: Safari's IDB is safer so
      const sha256 = await sha256Hex(data);
      await db.put("photos", { sha256, mime: "image/jpeg", data, author: username,
                               created_at: core.now() });
      if (!photos.some((p) => p.sha256 === sha256)) {
        photos.push({ sha256, caption: "", url: URL.createObjectURL(blob) });
      }
    } catch (error) {
      state.hidden = false;
      state.textContent = t("photo_failed");
    }
  }
  drawPhotos();
  saveDraft();
}

async function photoUrl(sha256) {
  const stored = await db.get("photos", sha256);
  return stored ? URL.createObjectURL(new Blob([stored.data], { type: stored.mime })) : "";
}

function drawPhotos() {
  // A grid of thumbnails, each with its caption and its own remove button.
  const list = document.getElementById("photo-list");
  const says = (name, n) => (list.dataset[name] || "").replace("{n}", String(n));
  list.replaceChildren(...photos.map((photo, i) => {
    const li = document.createElement("li");
    li.className = "photo-item";
    const img = document.createElement("img");
    img.className = "photo-thumb";
    img.alt = says("thumbAlt", i + 1);
    if (photo.url) img.src = photo.url;
    const label = document.createElement("label");
    label.htmlFor = `photo-caption-${i}`;
    label.textContent = says("captionLabel", i + 1);
    const caption = document.createElement("input");
    caption.type = "text";
    caption.id = `photo-caption-${i}`;
    caption.maxLength = 200;
    caption.value = photo.caption || "";
    caption.addEventListener("input", () => { photo.caption = caption.value; saveDraft(); });
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "danger photo-remove";
    remove.textContent = t("remove");
    remove.setAttribute("aria-label", says("removeLabel", i + 1));
    remove.addEventListener("click", () => { photos.splice(i, 1); drawPhotos(); saveDraft(); });
    li.append(img, label, caption, remove);
    return li;
  }));
}

// -- the payload ------------------------------------------------------------------------------

function value(name) {
  const field = form.elements[name];
  if (!field) return null;
  const raw = field instanceof RadioNodeList ? field.value : field.value;
  return raw === undefined || raw === "" ? null : raw;
}

const bool = (v) => (v === "true" ? true : v === "false" ? false : null);
const num = (v) => (v === null || v === "" ? null : Number(v));

function payload() {
  const visited = value("visited_at");
  return {
    case_id: caseId,
    visited_at: visited ? new Date(visited).toISOString() : null,
    household: {
      address_found: bool(value("household.address_found")),
      met_name: value("household.met_name"),
      met_relation: value("household.met_relation"),
      applicant_lives_there: bool(value("household.applicant_lives_there")),
      aware_of_trip: bool(value("household.aware_of_trip")),
      purpose_matches: bool(value("household.purpose_matches")),
      account: value("household.account"),
      living_conditions: value("household.living_conditions"),
    },
    gps: value("gps.status") === "fixed"
      ? { status: "fixed", lat: num(value("gps.lat")), lon: num(value("gps.lon")),
          accuracy_m: num(value("gps.accuracy_m")) }
      : { status: value("gps.status") || "unavailable" },
    family: members().map((m) => ({
      uuid: m.uuid, relation: m.relation || null, kk_relation: m.kk_relation || null,
      name: m.name || null, nik: m.nik || null, birth_date: m.birth_date || null,
      alive: m.alive, present: m.present })),
    interview: {
      purpose: value("interview.purpose"),
      job_offer_channel: value("interview.job_offer_channel"),
      recruiter_name: value("interview.recruiter_name"),
      recruiter_phone: value("interview.recruiter_phone"),
      recruiter_agency: value("interview.recruiter_agency"),
      recruiter_handle: value("interview.recruiter_handle"),
      recruiter_account: value("interview.recruiter_account"),
      promised_salary_idr: value("interview.promised_salary_idr") === null ? null
        : Math.trunc(num(value("interview.promised_salary_idr"))),
      costs_paid_by: value("interview.costs_paid_by"),
      contract_seen: bool(value("interview.contract_seen")),
      visa_type: value("interview.visa_type"),
      knowledge: value("interview.knowledge"),
    },
    photos: photos.map((p) => ({ sha256: p.sha256, caption: p.caption || null })),
    assessment: value("assessment"),
    recommendation: value("recommendation"),
    ...(form.dataset.amends ? { amends: form.dataset.amends } : {}),
  };
}

// -- drafts -----------------------------------------------------------------------------------

let draftTimer = null;
let restored = false; // until the stored draft is back in the form, an empty one must not replace it

function saveDraft() {
  clearTimeout(draftTimer);
  draftTimer = setTimeout(keepDraft, 300);
}

function keepDraft() {
  clearTimeout(draftTimer);
  if (!restored) return Promise.resolve();
  return db.put("drafts", { key: draftKey, payload: payload(), saved_at: core.now() });
}

function fill(data) {
  const set = (name, v) => {
    const field = form.elements[name];
    if (!field || v === undefined) return;
    const text = v === null ? "" : String(v);
    if (field instanceof RadioNodeList) {
      for (const radio of field) radio.checked = radio.value === text;
    } else {
      field.value = text;
    }
  };
  if (data.visited_at) set("visited_at", localInputValue(new Date(data.visited_at)));
  for (const [part, values] of Object.entries({ household: data.household,
                                                interview: data.interview })) {
    for (const [name, v] of Object.entries(values || {})) set(`${part}.${name}`, v);
  }
  if (data.gps) {
    setGps(data.gps.status || "unavailable", data.gps.lat ?? "", data.gps.lon ?? "",
           data.gps.accuracy_m ?? "");
  }
  set("assessment", data.assessment);
  set("recommendation", data.recommendation);
  document.getElementById("family-list").replaceChildren();
  for (const member of data.family || []) addMember(member);
  photos = (data.photos || []).map((p) => ({ ...p }));
}

// -- steps ------------------------------------------------------------------------------------
// One step shows at a time. Each move is a history entry (#step-<name>), so the browser's back
// button goes to the step before; the step being left is written to the draft first.

const steps = [...document.querySelectorAll("#visit-form .form-step")];
const LAST = steps.at(-1)?.dataset.step;
let current = null;

const $ = (id) => document.getElementById(id);
const stepOf = (element) => element.closest(".form-step")?.dataset.step;

function stepFromHash() {
  const name = location.hash.replace(/^#step-/, "");
  return steps.some((step) => step.dataset.step === name) ? name : null;
}

function stepName(name) {
  // "Step 2 of 5: Family" -> "Family": the words after the count, as the page wrote them.
  const title = $(`step-${name}-title`);
  const count = title?.querySelector(".step-count")?.textContent || "";
  return (title?.textContent || name).replace(count, "").trim();
}

function showStep(name, { focus = true } = {}) {
  current = name;
  for (const step of steps) step.hidden = step.dataset.step !== name;
  if (name === LAST) checkMissing();
  if (focus) {
    const title = $(`step-${name}-title`);
    title?.focus({ preventScroll: true });
    title?.scrollIntoView({ block: "start" });
  }
}

async function goTo(name) {
  if (name === current) return;
  await keepDraft();
  history.pushState({ step: name, from: current }, "", `#step-${name}`);
  showStep(name);
}

function goBack(name) {
  // The page's own "Back" is the browser's when the entry before is that step.
  if (history.state?.from === name) history.back();
  else goTo(name);
}

function startSteps() {
  const first = steps[0]?.dataset.step;
  const name = history.state?.step || stepFromHash() || first;
  history.replaceState({ step: name, from: history.state?.from ?? null }, "", location.href);
  showStep(name, { focus: false });
  window.addEventListener("popstate", (event) => {
    keepDraft();
    showStep(event.state?.step || stepFromHash() || first);
  });
  for (const button of form.querySelectorAll(".step-next")) {
    button.addEventListener("click", () => goTo(button.dataset.go));
  }
  for (const button of form.querySelectorAll(".step-back")) {
    button.addEventListener("click", () => goBack(button.dataset.go));
  }
}

// -- what is missing --------------------------------------------------------------------------

function missingControls() {
  // What the browser itself would refuse (required, pattern...): a radio group once.
  const seen = new Set();
  const found = [];
  for (const control of form.elements) {
    if (!control.willValidate || control.checkValidity()) continue;
    const key = control.type === "radio" ? `radio:${control.name}` : control;
    if (seen.has(key)) continue;
    seen.add(key);
    found.push(control);
  }
  return found;
}

function describe(control) {
  const label = control.type === "radio"
    ? control.closest("fieldset")?.querySelector("legend")?.textContent
    : form.querySelector(`label[for="${control.id}"]`)?.textContent;
  const words = (label || control.name || "").trim();
  const member = control.closest(".family-member");
  if (!member) return words;
  const n = [...document.querySelectorAll("#family-list .family-member")].indexOf(member) + 1;
  const memberLabel = ($("form-check").dataset.memberLabel || "{n}").replace("{n}", String(n));
  return `${memberLabel} — ${words}`;
}

function checkMissing() {
  const missing = missingControls();
  $("missing-list").replaceChildren(...missing.map((control) => {
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "missing-item";
    const step = stepOf(control);
    button.textContent = `${stepName(step)}: ${describe(control)}`;
    button.addEventListener("click", async () => {
      await goTo(step);
      control.focus();
    });
    item.append(button);
    return item;
  }));
  $("missing").hidden = missing.length === 0;
  $("nothing-missing").hidden = missing.length > 0;
  const notRecorded = {
    "no-family": members().length === 0,
    "no-location": value("gps.status") !== "fixed",
    "no-photos": photos.length === 0,
  };
  let any = false;
  for (const item of document.querySelectorAll("#not-recorded-list [data-when]")) {
    item.hidden = !notRecorded[item.dataset.when];
    any ||= !item.hidden;
  }
  $("not-recorded").hidden = !any;
  return missing;
}

// -- save and send ----------------------------------------------------------------------------

async function submit(event) {
  event.preventDefault();
  if (current !== LAST) {
    // Enter in a field of an earlier step moves on rather than sending.
    const next = steps[steps.findIndex((step) => step.dataset.step === current) + 1];
    await goTo(next.dataset.step);
    return;
  }
  if (checkMissing().length) {
    $("form-check").focus();
    return;
  }
  const mending = new URLSearchParams(location.search).get("mend");
  const earlier = mending ? await db.get("outbox", mending) : null;
  const item = {
    op_id: earlier?.op_id || crypto.randomUUID(),
    record_id: earlier?.record_id || crypto.randomUUID(),
    type: form.dataset.kind,
    base_version: Number(form.dataset.caseVersion),
    payload: payload(),
    author: username,
    case_id: caseId,
    label: document.querySelector("h1")?.textContent.trim(),
    photos: photos.map((p) => p.sha256),
    created_at: earlier?.created_at || core.now(),
  };
  await core.enqueue(item); // on the phone first; the network comes after
  await db.remove("drafts", draftKey);
  const message = document.getElementById("form-message");
  message.hidden = false;
  message.textContent = t("saved_on_phone");
  document.dispatchEvent(new CustomEvent("fc:enqueued", { detail: item }));
  setTimeout(() => { location.href = "/field/"; }, 600);
}

async function start() {
  if (!form) return;
  startSteps(); // before anything is awaited: one step shows from the start
  await ready;
  form.elements["visited_at"].value = localInputValue(new Date());
  const prefill = JSON.parse(document.getElementById("family-list").dataset.prefill || "[]");
  for (const member of prefill) addMember(member);
  photos = JSON.parse(document.getElementById("photo-list").dataset.prefill || "[]");
  const mending = new URLSearchParams(location.search).get("mend");
  const earlier = mending ? await db.get("outbox", mending) : null;
  const draft = earlier ? { payload: earlier.payload } : await db.get("drafts", draftKey);
  if (draft?.payload) {
    fill(draft.payload);
    if (!earlier) {
      const message = document.getElementById("form-message");
      message.hidden = false;
      message.textContent = t("draft_restored");
    }
  }
  restored = true;
  for (const photo of photos) photo.url = photo.url || (await photoUrl(photo.sha256));
  drawPhotos();
  drawTree();
  document.getElementById("family-add").addEventListener("click", () => {
    addMember().querySelector("select")?.focus();
    saveDraft();
  });
  document.getElementById("gps-button").addEventListener("click", recordLocation);
  document.getElementById("photo-input").addEventListener("change", (event) => {
    addPhotos([...event.target.files]);
    event.target.value = "";
  });
  form.addEventListener("input", () => {
    drawTree();
    saveDraft();
    if (current === LAST) checkMissing();
  });
  form.addEventListener("change", () => {
    saveDraft();
    if (current === LAST) checkMissing();
  });
  form.addEventListener("submit", submit);
  if (current === LAST) checkMissing(); // now that the draft is in
  form.dataset.ready = "true";
}

start();
