"""The signed QR on a verified case's field report, and checking one. DESIGN.md, "Field report
and QR"; shared/QR.md.

The QR holds text, not a URL, so a passport officer can check it offline:

    FC1.<Base45( key id (4 B) ‖ payload (CBOR) ‖ signature (64 B) )>

- ``FC1.`` names the format and its version. It has no ':' or '/', which some USB scanners turn
  into other characters by keyboard layout. Input is read case-insensitively ("fc1." too), with
  the whitespace and line ends a scanner adds stripped.
- Base45 (RFC 9285) uses only QR alphanumeric characters, so the whole text is encoded in
  alphanumeric mode (5.5 bits a character: 8.25 bits a byte).
- key id: the first 4 bytes of SHA-256 over the public key's SubjectPublicKeyInfo DER. It only
  finds the key; the signature is what is trusted. The key store never issues two keys with the
  same id (fieldcheck/signing.py).
- payload: a canonical CBOR array, positional, smallest first to last:
  ``[report_id, application_number, decision, office, issued, expires, digest]``: report_id a
  16-byte string (a UUID) or a text; decision the text "V" (only verified cases get a QR);
  issued and expires unsigned integers, days since 2020-01-01; digest 16 bytes, the truncated
  SHA-256 of the canonical decision data (`decision_digest`). No NIK.
- signature: ECDSA P-256 with SHA-256 in raw r‖s form (IEEE P1363: 32-byte big-endian r, then
  s): what WebCrypto's ``verify({name: "ECDSA", hash: "SHA-256"}, ...)`` takes. It signs
  ``b"FC1" ‖ key id ‖ payload``: the version tag (always upper case, whatever case was scanned)
  and the key id are bound to the payload, so a signature made for one format version can never
  be read under another. Since (r, s) and (r, n − s) verify alike (n: the group's order), new
  signatures are made canonical, with a low s (s ≤ n/2), so a newly signed report has one text.
  Verifiers still accept a high s: reports signed before that rule carry one about half the
  time, and they are printed and must stay valid (so those reports have two valid texts).

`verify_report` never raises on any text: every failure is a `Verification` with a status and a
stable reason code. Everything here is pure: no Flask, no database, time comes in as ``today``.
"""

from __future__ import annotations

import hashlib
import json
import re
import string
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta

import cbor2
import qrcode
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from qrcode.constants import ERROR_CORRECT_Q

VERSION_TAG = "FC1"
PREFIX = VERSION_TAG + "."
KEY_ID_LEN = 4
SIGNATURE_LEN = 64
DIGEST_LEN = 16
EPOCH = date(2020, 1, 1)
VERIFIED = "V"
# The largest text a QR code holds in alphanumeric mode (version 40, level L): longer is not ours.
MAX_TEXT_LEN = 4296
MAX_FIELD_LEN = 64
TARGET_QR_VERSION = 10

# Statuses a verifier shows.
VALID = "VALID"
INVALID = "INVALID"
REVOKED = "REVOKED"
EXPIRED = "EXPIRED"
UNKNOWN_KEY = "UNKNOWN_KEY"
STATUSES = (VALID, INVALID, REVOKED, EXPIRED, UNKNOWN_KEY)

# Reason codes, stable: the web layer and the PWA translate them.
REASONS = {
    "ok": "The signature is good and the report is in force.",
    "not_text": "What was scanned is not text.",
    "too_long": "The text is longer than any QR code holds.",
    "bad_prefix": f"The text does not begin with {PREFIX}: it is not a FieldCheck report.",
    "bad_base45": "The text after the prefix is not valid Base45: it was mistyped or damaged.",
    "truncated": "The code is too short to hold a key id, a report and a signature.",
    "unknown_key": "The report was signed with a key this verifier does not know.",
    "bad_signature": "The signature does not match: the code was altered or forged.",
    "bad_payload": "The signature is good but the report inside it cannot be read.",
    "key_revoked": "The key that signed this report was revoked.",
    "report_revoked": "This report was revoked.",
    "not_yet_valid": "The report's issue date is in the future.",
    "expired": "The report has expired.",
    "error": "The code could not be checked.",
}

BASE45_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_BASE45_VALUE = {c: i for i, c in enumerate(BASE45_ALPHABET)}
_UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Scanners end with Enter (CR, LF or both), some send a tab; none of those is in Base45.
_SCANNER_NOISE = re.compile(r"[\r\n\t]")
_ASCII_UPPER = str.maketrans(string.ascii_lowercase, string.ascii_uppercase)
_ECDSA = ec.ECDSA(hashes.SHA256())
# The order n of P-256's group (SEC 2, secp256r1).
P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


# --- Base45 (RFC 9285) --------------------------------------------------------------------------


def base45_encode(data: bytes) -> str:
    """RFC 9285: each 2 bytes become 3 characters, a last single byte becomes 2."""
    out = []
    for i in range(0, len(data) - 1, 2):
        n = data[i] * 256 + data[i + 1]
        c, n = n % 45, n // 45
        d, e = n % 45, n // 45
        out += (BASE45_ALPHABET[c], BASE45_ALPHABET[d], BASE45_ALPHABET[e])
    if len(data) % 2:
        n = data[-1]
        out += (BASE45_ALPHABET[n % 45], BASE45_ALPHABET[n // 45])
    return "".join(out)


def base45_decode(text: str) -> bytes:
    """RFC 9285, strictly: a character outside the alphabet, a dangling character or a group
    worth more than its bytes hold raises ValueError, so every valid text has one meaning."""
    if len(text) % 3 == 1:
        raise ValueError("base45: a dangling character")
    try:
        values = [_BASE45_VALUE[c] for c in text]
    except KeyError:
        raise ValueError("base45: a character outside the alphabet") from None
    out = bytearray()
    for i in range(0, len(values), 3):
        group = values[i : i + 3]
        n = sum(v * 45**k for k, v in enumerate(group))
        if len(group) == 3:
            if n > 0xFFFF:
                raise ValueError("base45: a group larger than two bytes")
            out += n.to_bytes(2, "big")
        else:
            if n > 0xFF:
                raise ValueError("base45: a group larger than one byte")
            out.append(n)
    return bytes(out)


# --- keys and signatures ------------------------------------------------------------------------


def key_id_bytes(public_key: ec.EllipticCurvePublicKey) -> bytes:
    """The first KEY_ID_LEN bytes of SHA-256 over the key's SubjectPublicKeyInfo DER."""
    spki = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(spki).digest()[:KEY_ID_LEN]


def key_id_for(public_key: ec.EllipticCurvePublicKey) -> str:
    """The key id as lower-case hex, as the key store and the exported key list spell it."""
    return key_id_bytes(public_key).hex()


def _key_id_hex(key_id: str | bytes) -> str:
    if isinstance(key_id, bytes | bytearray):
        return bytes(key_id).hex()
    return str(key_id).strip().lower()


def der_to_raw(der: bytes) -> bytes:
    """A DER ECDSA signature (what `cryptography` makes) as raw r‖s, 32 bytes each."""
    r, s = decode_dss_signature(der)
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def low_s(raw: bytes) -> bytes:
    """A raw r‖s signature in its canonical form: s as it is when s ≤ n/2, else n − s (the
    other signature of the same message by the same key)."""
    if len(raw) != SIGNATURE_LEN:
        raise ValueError(f"a P-256 signature is {SIGNATURE_LEN} bytes, not {len(raw)}")
    s = int.from_bytes(raw[32:], "big")
    if s <= P256_ORDER // 2:
        return raw
    return raw[:32] + (P256_ORDER - s).to_bytes(32, "big")


def raw_to_der(raw: bytes) -> bytes:
    """Raw r‖s (what WebCrypto makes and takes) as DER, for `cryptography`'s verify."""
    if len(raw) != SIGNATURE_LEN:
        raise ValueError(f"a P-256 signature is {SIGNATURE_LEN} bytes, not {len(raw)}")
    return encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))


def signed_message(key_id: bytes, payload: bytes) -> bytes:
    """The bytes the signature covers: the version tag, the key id and the payload."""
    return VERSION_TAG.encode("ascii") + key_id + payload


# --- the payload --------------------------------------------------------------------------------


def _json_default(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not part of canonical decision data")


def canonical_json(data: Mapping) -> bytes:
    """Sorted keys, no spaces, UTF-8, no NaN: the same data always gives the same bytes.
    Dates and datetimes are written as ISO 8601, UUIDs in their canonical form."""
    return json.dumps(
        data,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
        default=_json_default,
    ).encode("utf-8")


def decision_digest(data: dict) -> bytes:
    """The first 16 bytes of SHA-256 over the canonical JSON of the decision data: what the QR
    vouches for (not the PDF, which holds the QR)."""
    return hashlib.sha256(canonical_json(data)).digest()[:DIGEST_LEN]


def normalise_report_id(report_id) -> str:
    """A report id as text: a UUID in canonical lower-case form, anything else as given."""
    if isinstance(report_id, uuid.UUID):
        return str(report_id)
    text = str(report_id)
    return text.lower() if _UUID_TEXT.fullmatch(text) else text


def _encode_report_id(report_id) -> bytes | str:
    text = normalise_report_id(report_id)
    if _UUID_TEXT.fullmatch(text):
        return uuid.UUID(text).bytes
    return _checked_text("report_id", text)


def _checked_text(name: str, value) -> str:
    if not isinstance(value, str) or not value or value != value.strip():
        raise ValueError(f"{name} must be a non-empty text without surrounding spaces")
    if len(value) > MAX_FIELD_LEN or _CONTROL.search(value):
        raise ValueError(f"{name} must be at most {MAX_FIELD_LEN} printable characters")
    return value


def _days(name: str, value) -> int:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise ValueError(f"{name} must be a date (not a datetime)")
    if value < EPOCH:
        raise ValueError(f"{name} must not be before {EPOCH.isoformat()}")
    return (value - EPOCH).days


@dataclass(frozen=True)
class ReportSummary:
    """What a QR says, once its signature has checked out."""

    report_id: str
    application_number: str
    decision: str
    office: str
    issued: date
    expires: date
    digest: str  # hex, 32 characters
    key_id: str  # hex

    def to_dict(self) -> dict:
        data = asdict(self)
        data["issued"] = self.issued.isoformat()
        data["expires"] = self.expires.isoformat()
        return data


@dataclass(frozen=True)
class Verification:
    """A verifier's answer: a status from STATUSES, a reason code from REASONS, and the report's
    summary whenever the signature checked out (VALID, REVOKED, EXPIRED, not yet valid)."""

    status: str
    reason: str
    summary: ReportSummary | None = None
    key_id: str | None = None

    @property
    def valid(self) -> bool:
        return self.status == VALID

    @property
    def message(self) -> str:
        return REASONS.get(self.reason, self.reason)

    def to_dict(self) -> dict:
        return {
            "status": self.status,
            "reason": self.reason,
            "key_id": self.key_id,
            "summary": self.summary.to_dict() if self.summary else None,
        }


def encode_payload(fields: Mapping) -> bytes:
    """The canonical CBOR payload of a report. `fields` holds report_id (a UUID or a short text),
    application_number, decision ("V"), office, issued and expires (dates), and either digest
    (16 bytes) or decision_data (a dict, hashed with `decision_digest`). Raises ValueError."""
    decision = fields.get("decision", VERIFIED)
    if decision != VERIFIED:
        raise ValueError("only verified cases get a signed QR (decision must be 'V')")
    issued = _days("issued", fields.get("issued"))
    expires = _days("expires", fields.get("expires"))
    if expires < issued:
        raise ValueError("expires must not be before issued")
    if "digest" in fields:
        digest = fields["digest"]
        if not isinstance(digest, bytes | bytearray) or len(digest) != DIGEST_LEN:
            raise ValueError(f"digest must be {DIGEST_LEN} bytes")
        digest = bytes(digest)
    elif "decision_data" in fields:
        digest = decision_digest(fields["decision_data"])
    else:
        raise ValueError("give digest (16 bytes) or decision_data (a dict)")
    payload = [
        _encode_report_id(fields.get("report_id")),
        _checked_text("application_number", fields.get("application_number")),
        VERIFIED,
        _checked_text("office", fields.get("office")),
        issued,
        expires,
        digest,
    ]
    return cbor2.dumps(payload, canonical=True)


def decode_payload(payload: bytes, key_id: str = "") -> ReportSummary:
    """A payload back into a summary; ValueError for anything that is not exactly our shape."""
    try:
        items = cbor2.loads(payload)
    except Exception as exc:  # cbor2 raises several kinds, all meaning "not CBOR"
        raise ValueError("payload: not CBOR") from exc
    if not isinstance(items, list) or len(items) != 7:
        raise ValueError("payload: not a seven-item array")
    report_id, application_number, decision, office, issued, expires, digest = items
    if isinstance(report_id, bytes) and len(report_id) == 16:
        report_id = str(uuid.UUID(bytes=report_id))
    elif not isinstance(report_id, str) or not report_id:
        raise ValueError("payload: report id")
    if not all(isinstance(v, str) and v for v in (application_number, office)):
        raise ValueError("payload: application number or office")
    if decision != VERIFIED:
        raise ValueError("payload: decision")
    if not all(type(v) is int and 0 <= v <= 100_000 for v in (issued, expires)):
        raise ValueError("payload: dates")
    if expires < issued:
        raise ValueError("payload: expires before issued")
    if not isinstance(digest, bytes) or len(digest) != DIGEST_LEN:
        raise ValueError("payload: digest")
    if cbor2.dumps(items, canonical=True) != payload:
        raise ValueError("payload: not canonical")
    return ReportSummary(
        report_id=report_id,
        application_number=application_number,
        decision=decision,
        office=office,
        issued=EPOCH + timedelta(days=issued),
        expires=EPOCH + timedelta(days=expires),
        digest=digest.hex(),
        key_id=key_id,
    )


# --- signing and verifying ----------------------------------------------------------------------


def sign_report(fields: Mapping, private_key: ec.EllipticCurvePrivateKey, key_id) -> str:
    """The QR text for a verified report (see the module's docstring for its layout), its
    signature in canonical low-s form.

    `key_id` (hex or bytes) must be the id of `private_key`'s public key: a mismatch raises
    ValueError, since no verifier could find the key. Bad fields raise ValueError too."""
    if not isinstance(private_key, ec.EllipticCurvePrivateKey) or not isinstance(
        private_key.curve, ec.SECP256R1
    ):
        raise ValueError("the signing key must be an ECDSA P-256 private key")
    kid = key_id_bytes(private_key.public_key())
    if _key_id_hex(key_id) != kid.hex():
        raise ValueError("key_id is not the id of this private key")
    payload = encode_payload(fields)
    signature = low_s(der_to_raw(private_key.sign(signed_message(kid, payload), _ECDSA)))
    return PREFIX + base45_encode(kid + payload + signature)


def clean_scanned_text(text: str) -> str:
    """What a scanner typed, as the text that was printed: line ends and tabs dropped, spaces at
    either end stripped, letters upper-cased (Base45 has no lower-case letters, so a scanner
    stuck on Caps Lock or a hand-typed lower-case prefix loses nothing; only ASCII letters)."""
    return _SCANNER_NOISE.sub("", text).strip().translate(_ASCII_UPPER)


def _lookup(public_keys: Mapping) -> dict[str, list]:
    found: dict[str, list] = {}
    for kid, keys in public_keys.items():
        if not isinstance(keys, list | tuple | set | frozenset):
            keys = [keys]
        found.setdefault(_key_id_hex(kid), []).extend(keys)
    return found


def _normalised(ids: Iterable | None, normalise) -> set[str]:
    return {normalise(i) for i in (ids or ())}


def verify_report(
    text,
    public_keys: Mapping,
    revoked_keys: Iterable,
    revoked_reports: Iterable,
    today: date,
    *,
    clock_skew_days: int = 1,
) -> Verification:
    """Check a scanned QR text. Never raises on any `text`.

    public_keys maps key id (hex or bytes) to a P-256 public key (or a list of them, tried in
    turn); it must include revoked keys for their reports to show as REVOKED with a summary.
    revoked_keys holds key ids, revoked_reports report ids. `today` is the verifier's date: a
    report is in force from `issued` (less `clock_skew_days`, as the issuing office's date may
    be ahead of the verifier's) through `expires` inclusive.

    Order of checks: prefix, Base45, length, key, signature, payload; then revoked key, revoked
    report, not yet valid, expired."""
    try:
        return _verify(text, public_keys, revoked_keys, revoked_reports, today, clock_skew_days)
    except Exception:  # a last guard: a verifier must answer, whatever it was handed
        return Verification(INVALID, "error")


def _verify(text, public_keys, revoked_keys, revoked_reports, today, clock_skew_days):
    if isinstance(text, bytes | bytearray):
        try:
            text = bytes(text).decode("ascii")
        except UnicodeDecodeError:
            return Verification(INVALID, "not_text")
    if not isinstance(text, str):
        return Verification(INVALID, "not_text")
    if len(text) > MAX_TEXT_LEN * 2:
        return Verification(INVALID, "too_long")
    text = clean_scanned_text(text)
    if len(text) > MAX_TEXT_LEN:
        return Verification(INVALID, "too_long")
    if not text.startswith(PREFIX):
        return Verification(INVALID, "bad_prefix")
    try:
        frame = base45_decode(text[len(PREFIX) :])
    except ValueError:
        return Verification(INVALID, "bad_base45")
    if len(frame) < KEY_ID_LEN + 1 + SIGNATURE_LEN:
        return Verification(INVALID, "truncated")
    kid = frame[:KEY_ID_LEN]
    payload = frame[KEY_ID_LEN:-SIGNATURE_LEN]
    raw_signature = frame[-SIGNATURE_LEN:]
    kid_hex = kid.hex()
    key_revoked = kid_hex in _normalised(revoked_keys, _key_id_hex)

    candidates = _lookup(public_keys).get(kid_hex, [])
    if not candidates:
        if key_revoked:  # ours, but withdrawn without its public key: nothing to show
            return Verification(REVOKED, "key_revoked", key_id=kid_hex)
        return Verification(UNKNOWN_KEY, "unknown_key", key_id=kid_hex)
    # A high s is accepted: reports printed before signatures were made low-s carry one.
    der = raw_to_der(raw_signature)
    message = signed_message(kid, payload)
    if not any(_signature_checks(key, der, message) for key in candidates):
        return Verification(INVALID, "bad_signature", key_id=kid_hex)

    try:
        summary = decode_payload(payload, kid_hex)
    except ValueError:
        return Verification(INVALID, "bad_payload", key_id=kid_hex)
    if key_revoked:
        return Verification(REVOKED, "key_revoked", summary, kid_hex)
    if normalise_report_id(summary.report_id) in _normalised(revoked_reports, normalise_report_id):
        return Verification(REVOKED, "report_revoked", summary, kid_hex)
    if today + timedelta(days=clock_skew_days) < summary.issued:
        return Verification(INVALID, "not_yet_valid", summary, kid_hex)
    if today > summary.expires:
        return Verification(EXPIRED, "expired", summary, kid_hex)
    return Verification(VALID, "ok", summary, kid_hex)


def _signature_checks(public_key, der: bytes, message: bytes) -> bool:
    if not isinstance(public_key, ec.EllipticCurvePublicKey) or not isinstance(
        public_key.curve, ec.SECP256R1
    ):
        return False
    try:
        public_key.verify(der, message, _ECDSA)
    except (InvalidSignature, ValueError):
        return False
    return True


# --- the QR code itself -------------------------------------------------------------------------


def build_qr(text: str, border: int = 4) -> qrcode.QRCode:
    """The QR code for a text at error correction Q, in the smallest version that holds it, as
    one segment (our texts are all alphanumeric, so that segment is alphanumeric mode)."""
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_Q, border=border)
    qr.add_data(text, optimize=0)
    qr.make(fit=True)
    return qr


def qr_version(text: str) -> int:
    """The QR version (1-40) that `text` needs at error correction Q."""
    return build_qr(text).version


def _matrix(text: str, border: int) -> list[list[bool]]:
    return build_qr(text, border).get_matrix()  # True is a dark module; the border included


def make_qr_svg(text: str, border: int = 4, css_class: str = "report-qr") -> str:
    """An inline SVG element (no XML declaration) for the HTML report and print: one path of
    dark modules on a white square, sized by its viewBox so CSS sets the printed size."""
    matrix = _matrix(text, border)
    side = len(matrix)
    parts = []
    for y, row in enumerate(matrix):
        x = 0
        while x < side:
            if not row[x]:
                x += 1
                continue
            start = x
            while x < side and row[x]:
                x += 1
            parts.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {side} {side}" '
        f'shape-rendering="crispEdges" class="{css_class}">'
        f'<rect width="{side}" height="{side}" fill="#fff"/>'
        f'<path fill="#000" d="{"".join(parts)}"/></svg>'
    )
