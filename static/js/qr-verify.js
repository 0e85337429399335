// qr-verify.js — checks a field report's signed QR text offline, exactly as the server's
// fieldcheck/domain/qr.py `verify_report` does: same statuses, reason codes, order of checks and
// summary. A plain ES module with no dependencies, for the pages, the service worker and Node 20
// (WebCrypto: globalThis.crypto.subtle). tests/unit/test_qr_js.py holds it to the Python.
//
// Text: "FC1." + Base45( key id (4 B) ‖ payload (canonical CBOR) ‖ signature (raw r‖s, 64 B) ).
// The signature is ECDSA P-256 / SHA-256 over ASCII "FC1" ‖ key id ‖ payload. The payload is
// [report_id, application_number, "V", office, issued, expires, digest]: report_id a 16-byte
// string (a UUID) or a text, dates in days since 2020-01-01, digest 16 bytes. New reports are
// signed with a low s (s ≤ n/2); a high s is still accepted (WebCrypto does not ask for low s),
// as qr.py accepts it: reports printed before that rule carry one about half the time.
//
// verifyReport never throws (nor rejects) on any input: every failure is an answer.

export const VERSION_TAG = "FC1";
export const PREFIX = VERSION_TAG + ".";
export const KEY_ID_LEN = 4;
export const SIGNATURE_LEN = 64;
export const DIGEST_LEN = 16;
export const VERIFIED = "V";
export const MAX_TEXT_LEN = 4296; // the most a QR code holds in alphanumeric mode
const MAX_DAYS = 100000; // the largest issued/expires a payload may hold
const EPOCH_MS = Date.UTC(2020, 0, 1);
const DAY_MS = 86400000;
// Python's date range (0001-01-01 to 9999-12-31) in days since 2020-01-01: beyond it qr.py's
// `today + clock skew` overflows and answers "error".
const MIN_DATE_DAYS = -737424;
const MAX_DATE_DAYS = 2914634;
const MAX_NESTING = 16; // our payload is one flat array: deeper is never ours

export const VALID = "VALID";
export const INVALID = "INVALID";
export const REVOKED = "REVOKED";
export const EXPIRED = "EXPIRED";
export const UNKNOWN_KEY = "UNKNOWN_KEY";
export const STATUSES = Object.freeze([VALID, INVALID, REVOKED, EXPIRED, UNKNOWN_KEY]);

// Reason codes (stable) and their English texts, the same as qr.py's REASONS.
export const REASONS = Object.freeze({
  ok: "The signature is good and the report is in force.",
  not_text: "What was scanned is not text.",
  too_long: "The text is longer than any QR code holds.",
  bad_prefix: `The text does not begin with ${PREFIX}: it is not a FieldCheck report.`,
  bad_base45: "The text after the prefix is not valid Base45: it was mistyped or damaged.",
  truncated: "The code is too short to hold a key id, a report and a signature.",
  unknown_key: "The report was signed with a key this verifier does not know.",
  bad_signature: "The signature does not match: the code was altered or forged.",
  bad_payload: "The signature is good but the report inside it cannot be read.",
  key_revoked: "The key that signed this report was revoked.",
  report_revoked: "This report was revoked.",
  not_yet_valid: "The report's issue date is in the future.",
  expired: "The report has expired.",
  error: "The code could not be checked.",
});

// --- Base45 (RFC 9285) --------------------------------------------------------------------------

const BASE45_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
const BASE45_VALUE = new Map([...BASE45_ALPHABET].map((c, i) => [c, i]));

// Strict, like qr.py: a character outside the alphabet, a dangling character or a group worth
// more than its bytes hold throws an Error, so every valid text has one meaning.
export function base45Decode(text) {
  if (typeof text !== "string") throw new TypeError("base45: not a string");
  if (text.length % 3 === 1) throw new Error("base45: a dangling character");
  const values = new Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const v = BASE45_VALUE.get(text[i]);
    if (v === undefined) throw new Error("base45: a character outside the alphabet");
    values[i] = v;
  }
  const out = new Uint8Array(Math.floor(text.length / 3) * 2 + (text.length % 3 === 2 ? 1 : 0));
  let o = 0;
  for (let i = 0; i < values.length; i += 3) {
    if (i + 3 <= values.length) {
      const n = values[i] + values[i + 1] * 45 + values[i + 2] * 2025;
      if (n > 0xffff) throw new Error("base45: a group larger than two bytes");
      out[o++] = n >> 8;
      out[o++] = n & 0xff;
    } else {
      const n = values[i] + values[i + 1] * 45;
      if (n > 0xff) throw new Error("base45: a group larger than one byte");
      out[o++] = n;
    }
  }
  return out;
}

// --- CBOR (RFC 8949), only what the payload uses ------------------------------------------------

const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }); // a BOM is a character

// Decodes exactly one item that fills `bytes`: unsigned and negative integers (a Number when
// safe, else a BigInt), byte strings (Uint8Array), text strings (strict UTF-8) and arrays, with
// definite lengths and in shortest form (deterministic encoding, RFC 8949 §4.2.1). Anything
// else — maps, tags, floats, simple values, indefinite lengths, longer-than-needed heads,
// trailing bytes, nesting deeper than 16 — throws an Error.
export function cborDecode(bytes) {
  const data = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let pos = 0;

  function head() {
    if (pos >= data.length) throw new Error("cbor: truncated");
    const initial = data[pos++];
    const major = initial >> 5;
    const info = initial & 0x1f;
    if (info < 24) return [major, BigInt(info)];
    if (info > 27) throw new Error("cbor: indefinite length or reserved value");
    const size = 1 << (info - 24);
    if (pos + size > data.length) throw new Error("cbor: truncated");
    let n = 0n;
    for (let i = 0; i < size; i++) n = (n << 8n) | BigInt(data[pos++]);
    const least = size === 1 ? 24n : 1n << BigInt(4 * size); // smallest value needing `size`
    if (n < least) throw new Error("cbor: not in shortest form");
    return [major, n];
  }

  function take(length) {
    if (length > BigInt(data.length - pos)) throw new Error("cbor: truncated");
    const start = pos;
    pos += Number(length);
    return data.subarray(start, pos);
  }

  const safe = BigInt(Number.MAX_SAFE_INTEGER);
  const number = (n) => (n <= safe && n >= -safe ? Number(n) : n);

  function item(depth) {
    if (depth > MAX_NESTING) throw new Error("cbor: nested too deep");
    const [major, n] = head();
    switch (major) {
      case 0:
        return number(n);
      case 1:
        return number(-1n - n);
      case 2:
        return take(n).slice();
      case 3:
        return UTF8.decode(take(n)); // throws on invalid UTF-8
      case 4: {
        if (n > BigInt(data.length - pos)) throw new Error("cbor: truncated"); // ≥ 1 B an item
        const out = [];
        for (let i = 0n; i < n; i++) out.push(item(depth + 1));
        return out;
      }
      default:
        throw new Error("cbor: a type the payload never uses");
    }
  }

  const value = item(0);
  if (pos !== data.length) throw new Error("cbor: trailing bytes");
  return value;
}

// --- the payload --------------------------------------------------------------------------------

const UUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

function uuidText(bytes) {
  const h = hex(bytes);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const isoDay = (days) => new Date(EPOCH_MS + days * DAY_MS).toISOString().slice(0, 10);

const isText = (v) => typeof v === "string" && v.length > 0;
const isDays = (v) => typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= MAX_DAYS;

// A payload's bytes as qr.py's ReportSummary.to_dict(): {report_id, application_number,
// decision, office, issued, expires ("YYYY-MM-DD"), digest (hex), key_id}. Throws an Error for
// anything that is not exactly our shape, as decode_payload raises ValueError.
export function decodePayload(payload, keyId = "") {
  return readPayload(payload, keyId).summary;
}

function readPayload(payload, keyId) {
  const items = cborDecode(payload);
  if (!Array.isArray(items) || items.length !== 7) {
    throw new Error("payload: not a seven-item array");
  }
  let [reportId, applicationNumber, decision, office, issued, expires, digest] = items;
  if (reportId instanceof Uint8Array && reportId.length === 16) reportId = uuidText(reportId);
  else if (!isText(reportId)) throw new Error("payload: report id");
  if (!isText(applicationNumber) || !isText(office)) {
    throw new Error("payload: application number or office");
  }
  if (decision !== VERIFIED) throw new Error("payload: decision");
  if (!isDays(issued) || !isDays(expires)) throw new Error("payload: dates");
  if (expires < issued) throw new Error("payload: expires before issued");
  if (!(digest instanceof Uint8Array) || digest.length !== DIGEST_LEN) {
    throw new Error("payload: digest");
  }
  const summary = {
    report_id: reportId,
    application_number: applicationNumber,
    decision,
    office,
    issued: isoDay(issued),
    expires: isoDay(expires),
    digest: hex(digest),
    key_id: keyId,
  };
  return { summary, issued, expires };
}

// --- scanned text -------------------------------------------------------------------------------

// Python's str.isspace() set (what str.strip() removes), which is not JavaScript's trim() set.
const PY_SPACE =
  "\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const PY_STRIP = new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, "g");
const SCANNER_NOISE = /[\r\n\t]/g; // scanners end with Enter (CR, LF or both), some send a tab

// What a scanner typed, as the text that was printed: line ends and tabs dropped, spaces at
// either end stripped, ASCII letters upper-cased (Base45 has no lower-case letters).
export function cleanScannedText(text) {
  return String(text)
    .replace(SCANNER_NOISE, "")
    .replace(PY_STRIP, "")
    .replace(/[a-z]+/g, (s) => s.toUpperCase());
}

const pyStrip = (text) => text.replace(PY_STRIP, "");

// Whether `text` has more than `limit` characters counted as Python does (code points).
function longerThan(text, limit) {
  if (text.length <= limit) return false;
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    if (++count > limit) return true;
  }
  return false;
}

function asText(input) {
  let bytes = null;
  if (input instanceof Uint8Array) bytes = input;
  else if (input instanceof ArrayBuffer) bytes = new Uint8Array(input);
  if (bytes === null) return typeof input === "string" ? input : null;
  let text = "";
  for (const b of bytes) {
    if (b > 0x7f) return null;
    text += String.fromCharCode(b);
  }
  return text;
}

// --- keys and ids -------------------------------------------------------------------------------

const keyIdHex = (id) =>
  id instanceof Uint8Array ? hex(id) : pyStrip(String(id)).toLowerCase();

function normaliseReportId(id) {
  const text = String(id);
  return UUID_TEXT.test(text) ? text.toLowerCase() : text;
}

function idSet(ids, normalise) {
  const out = new Set();
  if (ids) for (const id of ids) out.add(normalise(id));
  return out;
}

const imported = new Map(); // "x.y" → Promise of a CryptoKey or null

function importJwk(jwk) {
  const id = `${jwk.kty}.${jwk.crv}.${jwk.x}.${jwk.y}`;
  let key = imported.get(id);
  if (!key) {
    if (imported.size > 256) imported.clear();
    // Only the key's own members: alg, use, key_ops and our kid/status/... are not WebCrypto's.
    const bare = { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y };
    key = globalThis.crypto.subtle
      .importKey("jwk", bare, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"])
      .catch(() => null); // not a P-256 key: it verifies nothing, as in qr.py
    imported.set(id, key);
  }
  return key;
}

async function signatureChecks(jwk, signature, message) {
  try {
    const key = await importJwk(jwk);
    if (!key) return false;
    return await globalThis.crypto.subtle.verify(
      { name: "ECDSA", hash: "SHA-256" }, key, signature, message);
  } catch {
    return false;
  }
}

// `today` as days since 2020-01-01: a Date is taken in local time (the verifier's calendar day),
// a "YYYY-MM-DD" text as that day. Anything else throws (answered as "error").
function todayDays(today) {
  let y, m, d;
  if (today instanceof Date) {
    if (Number.isNaN(today.getTime())) throw new Error("today: an invalid Date");
    [y, m, d] = [today.getFullYear(), today.getMonth() + 1, today.getDate()];
  } else {
    const match = typeof today === "string" && /^(\d{4})-(\d{2})-(\d{2})$/.exec(today);
    if (!match) throw new Error("today: not a date");
    [y, m, d] = match.slice(1).map(Number);
  }
  const day = new Date(0);
  day.setUTCFullYear(y, m - 1, d);
  if (y < 1 || y > 9999 || day.getUTCFullYear() !== y || day.getUTCMonth() !== m - 1 ||
      day.getUTCDate() !== d) {
    throw new Error("today: not a calendar date");
  }
  return Math.round((day.getTime() - EPOCH_MS) / DAY_MS);
}

// --- verifying ----------------------------------------------------------------------------------

const answer = (status, reason, summary = null, keyId = null) =>
  ({ status, reason, key_id: keyId, summary });

// Check a scanned QR text. Resolves to {status, reason, key_id, summary}: the JSON shape of qr.py's
// Verification.to_dict(). Never throws or rejects.
//   keys:           export_public()'s "keys" list (or the whole {"keys": [...]}): JWKs with kid;
//                   those with revoked: true or status "revoked" count as revoked keys. Keys
//                   sharing a kid are each tried.
//   revokedKeys:    more revoked key ids (hex), optional.
//   revokedReports: revoked report ids (a UUID as text in any case, else the text id), optional.
//   today:          the verifier's day, a Date (local calendar day) or "YYYY-MM-DD".
//   clockSkewDays:  how far the issuing office's date may be ahead of ours (1).
// Order of checks: prefix, Base45, length, key, signature, payload; then revoked key, revoked
// report, not yet valid, expired.
export async function verifyReport(text, options = {}) {
  try {
    return await verify(text, options ?? {});
  } catch {
    return answer(INVALID, "error"); // a last guard: a verifier must answer, whatever it was handed
  }
}

async function verify(input, { keys, revokedKeys, revokedReports, today, clockSkewDays = 1 }) {
  let text = asText(input);
  if (text === null) return answer(INVALID, "not_text");
  if (longerThan(text, MAX_TEXT_LEN * 2)) return answer(INVALID, "too_long");
  text = cleanScannedText(text);
  if (longerThan(text, MAX_TEXT_LEN)) return answer(INVALID, "too_long");
  if (!text.startsWith(PREFIX)) return answer(INVALID, "bad_prefix");
  let frame;
  try {
    frame = base45Decode(text.slice(PREFIX.length));
  } catch {
    return answer(INVALID, "bad_base45");
  }
  if (frame.length < KEY_ID_LEN + 1 + SIGNATURE_LEN) return answer(INVALID, "truncated");
  const kid = frame.subarray(0, KEY_ID_LEN);
  const payload = frame.subarray(KEY_ID_LEN, frame.length - SIGNATURE_LEN);
  const signature = frame.slice(frame.length - SIGNATURE_LEN);
  const kidHex = hex(kid);

  const list = Array.isArray(keys) ? keys : keys.keys; // null keys → "error", as in qr.py
  const revoked = idSet(revokedKeys, keyIdHex);
  const candidates = [];
  for (const jwk of list) {
    if (!jwk || typeof jwk !== "object" || jwk.kid === undefined || jwk.kid === null) continue;
    const id = keyIdHex(jwk.kid);
    if (jwk.revoked === true || jwk.status === "revoked") revoked.add(id);
    if (id === kidHex) candidates.push(jwk);
  }
  const keyRevoked = revoked.has(kidHex);
  if (candidates.length === 0) {
    if (keyRevoked) return answer(REVOKED, "key_revoked", null, kidHex); // withdrawn, no key
    return answer(UNKNOWN_KEY, "unknown_key", null, kidHex);
  }
  if (!globalThis.crypto?.subtle) throw new Error("no WebCrypto here"); // → "error"
  const message = new Uint8Array(VERSION_TAG.length + kid.length + payload.length);
  message.set([...VERSION_TAG].map((c) => c.charCodeAt(0)), 0);
  message.set(kid, VERSION_TAG.length);
  message.set(payload, VERSION_TAG.length + kid.length);
  let good = false;
  for (const jwk of candidates) {
    if (await signatureChecks(jwk, signature, message)) {
      good = true;
      break;
    }
  }
  if (!good) return answer(INVALID, "bad_signature", null, kidHex);

  let report;
  try {
    report = readPayload(payload, kidHex);
  } catch {
    return answer(INVALID, "bad_payload", null, kidHex);
  }
  const { summary, issued, expires } = report;
  if (keyRevoked) return answer(REVOKED, "key_revoked", summary, kidHex);
  if (idSet(revokedReports, normaliseReportId).has(normaliseReportId(summary.report_id))) {
    return answer(REVOKED, "report_revoked", summary, kidHex);
  }
  const day = todayDays(today);
  const skew = Number(clockSkewDays);
  if (!Number.isInteger(skew) || day + skew > MAX_DATE_DAYS || day + skew < MIN_DATE_DAYS) {
    throw new Error("today: out of range");
  }
  if (day + skew < issued) return answer(INVALID, "not_yet_valid", summary, kidHex);
  if (day > expires) return answer(EXPIRED, "expired", summary, kidHex);
  return answer(VALID, "ok", summary, kidHex);
}
