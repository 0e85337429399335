"""The signed QR of a field report (fieldcheck/domain/qr.py): its layout and size, signing and
every way verifying can answer, and that independent code reads what we make: zxing-cpp decodes
the rendered PNG and SVG, `cryptography` checks the raw signature after conversion to DER, and
WebCrypto (Node's, the same API as the browser's) checks it with the exported JWK."""

import hashlib
import json
import re
import shutil
import subprocess
import uuid
from datetime import date, timedelta

import cbor2
import pytest
import zxingcpp
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import example, given
from hypothesis import strategies as st
from qrcode.util import MODE_ALPHA_NUM

from fieldcheck import signing
from fieldcheck.domain import qr
from tests.helpers import parse, qr_image

ISSUED = date(2026, 11, 2)
EXPIRES = date(2027, 5, 1)
TODAY = date(2026, 12, 1)
REPORT_ID = uuid.UUID("0b9f1c2e-7d3a-4e8b-9a41-5c6d7e8f9012")
DECISION_DATA = {
    "application_number": "2026-BDG-000123",
    "decision": "verified",
    "decided_by": "supervisor-17",
    "decided_at": "2026-11-02T03:15:00+00:00",
    "findings": ["address_confirmed", "family_card_matches"],
}
QR_ALPHANUMERIC = re.compile(r"[0-9A-Z $%*+\-./:]+")


def fields(**changes):
    base = {
        "report_id": REPORT_ID,
        "application_number": "2026-BDG-000123",
        "decision": "V",
        "office": "KANIM-BDG",
        "issued": ISSUED,
        "expires": EXPIRES,
        "decision_data": DECISION_DATA,
    }
    base.update(changes)
    return base


@pytest.fixture(scope="module")
def key():
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture(scope="module")
def kid(key):
    return qr.key_id_for(key.public_key())


@pytest.fixture(scope="module")
def keys(key, kid):
    return {kid: key.public_key()}


@pytest.fixture(scope="module")
def text(key, kid):
    return qr.sign_report(fields(), key, kid)


def verify(text, keys, revoked_keys=(), revoked_reports=(), today=TODAY):
    return qr.verify_report(text, keys, set(revoked_keys), set(revoked_reports), today)


# --- format and size ----------------------------------------------------------------------------


def test_base45_matches_the_rfc_9285_examples():
    examples = {b"AB": "BB8", b"Hello!!": "%69 VD92EX0", b"base-45": "UJCLQE7W581"}
    for data, encoded in examples.items():
        assert qr.base45_encode(data) == encoded
        assert qr.base45_decode(encoded) == data
    assert qr.base45_decode("QED8WEX0") == b"ietf!"
    for bad in ("GGW", "A", "ABCD", "ab", "BB~", ":::"):  # too large, dangling, outside
        with pytest.raises(ValueError):
            qr.base45_decode(bad)


@given(st.binary(max_size=300))
def test_base45_round_trips_any_bytes(data):
    assert qr.base45_decode(qr.base45_encode(data)) == data


def test_text_is_the_prefix_then_base45_of_key_id_payload_and_raw_signature(key, kid, text):
    assert text.startswith("FC1.")
    assert ":" not in text[:4] and "/" not in text[:4]
    assert QR_ALPHANUMERIC.fullmatch(text)
    frame = qr.base45_decode(text[4:])
    assert frame[:4].hex() == kid
    payload, signature = frame[4:-64], frame[-64:]
    assert payload == qr.encode_payload(fields())
    assert cbor2.loads(payload) == [
        REPORT_ID.bytes,
        "2026-BDG-000123",
        "V",
        "KANIM-BDG",
        (ISSUED - date(2020, 1, 1)).days,
        (EXPIRES - date(2020, 1, 1)).days,
        qr.decision_digest(DECISION_DATA),
    ]
    # The signature covers the version tag, the key id and the payload; raw r‖s back to DER
    # verifies with `cryptography` (what WebCrypto's ECDSA verify takes is the raw form).
    message = b"FC1" + frame[:4] + payload
    key.public_key().verify(qr.raw_to_der(signature), message, ec.ECDSA(hashes.SHA256()))
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    assert qr.der_to_raw(qr.raw_to_der(signature)) == signature and r > 0 and s > 0


def test_a_realistic_report_fits_qr_version_10_at_q_in_alphanumeric_mode(text):
    payload = qr.encode_payload(fields())
    assert len(payload) == 69  # 17 report id, 16 application, 2 decision, 10 office, 2x3 dates,
    assert len(text) == 210  # 17 digest, 1 array; + 4 key id + 64 signature = 137 B -> 206 chars
    assert qr.qr_version(text) <= qr.TARGET_QR_VERSION
    code = qr.build_qr(text)
    assert code.error_correction == qr.ERROR_CORRECT_Q
    assert [segment.mode for segment in code.data_list] == [MODE_ALPHA_NUM]
    # Room to spare: 7 more characters of application number and office still fit version 10.
    longer = fields(application_number="2026-BDG-000123-XYZ", office="KANIM-BDG-II")
    assert qr.qr_version(qr.sign_report(longer, *_key_and_id())) <= qr.TARGET_QR_VERSION


def _key_and_id():
    key = ec.generate_private_key(ec.SECP256R1())
    return key, qr.key_id_for(key.public_key())


def test_cbor_is_smaller_than_the_most_compact_json_of_the_same_payload():
    digest = qr.decision_digest(DECISION_DATA)
    days = [(d - date(2020, 1, 1)).days for d in (ISSUED, EXPIRES)]
    as_json = json.dumps(
        [REPORT_ID.hex, "2026-BDG-000123", "V", "KANIM-BDG", *days, digest.hex()],
        separators=(",", ":"),
    ).encode()
    assert len(qr.encode_payload(fields())) == 69 < len(as_json) == 115


def test_the_payload_carries_no_nik_or_other_extra_fields(text):
    nik = "3204124503990001"
    assert qr.encode_payload(fields(nik=nik)) == qr.encode_payload(fields())
    assert nik.encode() not in qr.base45_decode(text[4:])


def test_a_text_report_id_is_kept_as_text(key, kid, keys):
    result = verify(qr.sign_report(fields(report_id="R26-000123"), key, kid), keys)
    assert result.status == qr.VALID and result.summary.report_id == "R26-000123"


def test_decision_digest_is_16_bytes_of_sha256_over_sorted_compact_json():
    shuffled = dict(reversed(list(DECISION_DATA.items())))
    canonical = json.dumps(DECISION_DATA, sort_keys=True, separators=(",", ":")).encode()
    assert qr.decision_digest(shuffled) == hashlib.sha256(canonical).digest()[:16]
    assert qr.decision_digest({**DECISION_DATA, "decision": "refused"}) != qr.decision_digest(
        DECISION_DATA
    )
    assert qr.decision_digest({"on": date(2026, 11, 2)}) == qr.decision_digest({"on": "2026-11-02"})
    with pytest.raises(ValueError):
        qr.decision_digest({"score": float("nan")})


# --- signing refuses what must not be signed ----------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        {"decision": "R"},  # only verified cases get a QR
        {"expires": ISSUED - timedelta(days=1)},
        {"issued": date(2019, 12, 31)},
        {"issued": None},
        {"office": ""},
        {"application_number": " 2026-BDG-000123"},
        {"application_number": "x" * 65},
        {"report_id": "R\n1"},
        {"decision_data": None, "digest": b"short"},
    ],
)
def test_signing_refuses_bad_fields(key, kid, changes):
    data = fields(**changes)
    if data.get("decision_data") is None:
        del data["decision_data"]
    with pytest.raises((ValueError, TypeError)):
        qr.sign_report(data, key, kid)


def test_signing_refuses_a_key_id_that_is_not_the_keys_own(key):
    with pytest.raises(ValueError):
        qr.sign_report(fields(), key, "00000000")


def signature_s(text: str) -> int:
    return int.from_bytes(qr.base45_decode(text[len(qr.PREFIX) :])[-32:], "big")


def with_other_s(text: str) -> str:
    """The same report with s replaced by n − s: the other signature of the same message."""
    frame = qr.base45_decode(text[len(qr.PREFIX) :])
    other = (qr.P256_ORDER - int.from_bytes(frame[-32:], "big")).to_bytes(32, "big")
    return qr.PREFIX + qr.base45_encode(frame[:-32] + other)


def test_new_signatures_are_all_low_s(key, kid):
    """Without normalising, each signature has a high s half the time: 200 in a row low-s would
    happen by chance once in 2^200."""
    for i in range(200):
        text = qr.sign_report(fields(report_id=uuid.UUID(int=i)), key, kid)
        assert signature_s(text) <= qr.P256_ORDER // 2, i


def test_low_s_keeps_a_low_s_and_turns_a_high_one_into_n_minus_s(key):
    der = key.sign(b"message", ec.ECDSA(hashes.SHA256()))
    raw = qr.der_to_raw(der)
    r, s = raw[:32], int.from_bytes(raw[32:], "big")
    low, high = min(s, qr.P256_ORDER - s), max(s, qr.P256_ORDER - s)
    assert qr.low_s(r + low.to_bytes(32, "big")) == r + low.to_bytes(32, "big")
    assert qr.low_s(r + high.to_bytes(32, "big")) == r + low.to_bytes(32, "big")
    for either in (low, high):  # both verify: the malleability low-s removes from new reports
        again = qr.raw_to_der(r + either.to_bytes(32, "big"))
        key.public_key().verify(again, b"message", ec.ECDSA(hashes.SHA256()))
    with pytest.raises(ValueError):
        qr.low_s(bytes(63))


def test_a_report_signed_with_a_high_s_before_the_rule_still_verifies(text, keys):
    """Reports already printed carry a high s about half the time: they stay VALID, so such a
    report has two valid texts; only newly signed ones are canonical."""
    printed = with_other_s(text)
    assert printed != text and signature_s(printed) > qr.P256_ORDER // 2
    assert verify(printed, keys) == verify(text, keys)
    assert verify(printed, keys).status == qr.VALID


# --- verifying ----------------------------------------------------------------------------------


def test_round_trip_is_valid_with_the_summary(text, keys, kid):
    result = verify(text, keys)
    assert (result.status, result.reason, result.key_id) == (qr.VALID, "ok", kid)
    assert result.valid
    assert result.summary == qr.ReportSummary(
        report_id=str(REPORT_ID),
        application_number="2026-BDG-000123",
        decision="V",
        office="KANIM-BDG",
        issued=ISSUED,
        expires=EXPIRES,
        digest=qr.decision_digest(DECISION_DATA).hex(),
        key_id=kid,
    )
    assert result.to_dict()["summary"]["issued"] == "2026-11-02"
    assert json.dumps(result.to_dict())


def test_a_scanners_case_and_line_ends_are_forgiven(text, keys):
    for scanned in ("fc1." + text[4:], text + "\r\n", f"  {text}\n", text.lower() + "\t"):
        assert verify(scanned, keys).status == qr.VALID


def test_every_single_character_change_is_rejected(text, keys):
    reasons = set()
    for position, original in enumerate(text):
        for other in qr.BASE45_ALPHABET:
            if other == original:
                continue
            changed = text[:position] + other + text[position + 1 :]
            result = verify(changed, keys)
            assert result.status in (qr.INVALID, qr.UNKNOWN_KEY), (position, other)
            assert result.summary is None
            reasons.add(result.reason)
    assert reasons <= {"bad_prefix", "bad_base45", "unknown_key", "bad_signature"}


def test_every_truncation_and_extension_is_rejected(text, keys):
    for end in range(len(text)):
        assert verify(text[:end], keys).status == qr.INVALID
    for extra in ("0", "00", "000", " 0"):
        assert verify(text + extra, keys).status == qr.INVALID


def test_a_report_signed_by_an_unknown_key_answers_unknown_key(text):
    other = ec.generate_private_key(ec.SECP256R1()).public_key()
    result = verify(text, {qr.key_id_for(other): other})
    assert (result.status, result.reason, result.summary) == (qr.UNKNOWN_KEY, "unknown_key", None)
    assert verify(text, {}).status == qr.UNKNOWN_KEY


def test_a_wrong_key_under_the_right_id_is_a_bad_signature(text, kid):
    impostor = ec.generate_private_key(ec.SECP256R1()).public_key()
    assert verify(text, {kid: impostor}).reason == "bad_signature"


def test_several_keys_under_one_id_are_tried_in_turn(text, kid, key):
    """As the EU certificate verifiers do; key ids may be given as hex or bytes."""
    impostor = ec.generate_private_key(ec.SECP256R1()).public_key()
    assert verify(text, {kid: [impostor, key.public_key()]}).status == qr.VALID
    assert verify(text, {bytes.fromhex(kid): key.public_key()}).status == qr.VALID


def test_a_revoked_key_makes_its_reports_revoked_with_the_summary(text, keys, kid):
    result = verify(text, keys, revoked_keys={kid})
    assert (result.status, result.reason) == (qr.REVOKED, "key_revoked")
    assert result.summary.report_id == str(REPORT_ID)
    # Without its public key the report still says revoked, but shows nothing it cannot check.
    bare = verify(text, {}, revoked_keys={kid.upper()})
    assert (bare.status, bare.reason, bare.summary) == (qr.REVOKED, "key_revoked", None)


def test_a_revoked_report_id_is_revoked(text, keys):
    for revoked in (str(REPORT_ID), str(REPORT_ID).upper(), REPORT_ID):
        result = verify(text, keys, revoked_reports={revoked})
        assert (result.status, result.reason) == (qr.REVOKED, "report_revoked")
        assert result.summary.application_number == "2026-BDG-000123"
    assert verify(text, keys, revoked_reports={str(uuid.uuid4())}).status == qr.VALID


def test_a_revoked_report_that_has_also_expired_says_revoked(text, keys):
    late = EXPIRES + timedelta(days=30)
    assert verify(text, keys, revoked_reports={REPORT_ID}, today=late).status == qr.REVOKED


def test_expiry_is_inclusive_then_expired(text, keys):
    assert verify(text, keys, today=EXPIRES).status == qr.VALID
    result = verify(text, keys, today=EXPIRES + timedelta(days=1))
    assert (result.status, result.reason) == (qr.EXPIRED, "expired")
    assert result.summary.expires == EXPIRES


def test_a_report_from_the_future_is_not_yet_valid_beyond_one_day_of_clock_skew(text, keys):
    # The issuing office's date (WIT is UTC+9) may be a day ahead of the verifier's.
    assert verify(text, keys, today=ISSUED - timedelta(days=1)).status == qr.VALID
    result = verify(text, keys, today=ISSUED - timedelta(days=2))
    assert (result.status, result.reason) == (qr.INVALID, "not_yet_valid")
    assert result.summary is not None


def test_a_well_signed_payload_that_is_not_a_report_is_bad_payload(key, kid, keys):
    for payload in (
        cbor2.dumps([1, 2, 3]),
        cbor2.dumps({"report": "x"}),
        b"\xff\xff",
        cbor2.dumps(["R1", "A", "R", "K", 1, 2, b"0" * 16]),  # decision refused
        cbor2.dumps(["R1", "A", "V", "K", 5, 2, b"0" * 16]),  # expires before issued
        qr.encode_payload(fields()) + b"\x00",  # trailing bytes
    ):
        kid_bytes = bytes.fromhex(kid)
        der = key.sign(qr.signed_message(kid_bytes, payload), ec.ECDSA(hashes.SHA256()))
        text = qr.PREFIX + qr.base45_encode(kid_bytes + payload + qr.der_to_raw(der))
        assert verify(text, keys).reason == "bad_payload", payload


def test_a_signature_over_the_payload_alone_does_not_verify(key, kid, keys):
    """The version tag and key id are part of what is signed."""
    kid_bytes = bytes.fromhex(kid)
    payload = qr.encode_payload(fields())
    der = key.sign(payload, ec.ECDSA(hashes.SHA256()))
    text = qr.PREFIX + qr.base45_encode(kid_bytes + payload + qr.der_to_raw(der))
    assert verify(text, keys).reason == "bad_signature"


@pytest.mark.parametrize(
    ("scanned", "reason"),
    [
        ("", "bad_prefix"),
        ("HC1:NCFOXN%TS3DH", "bad_prefix"),
        ("https://example.org/verify", "bad_prefix"),
        ("FC1:" + "0" * 30, "bad_prefix"),
        ("FC1.", "truncated"),
        ("FC1.000000", "truncated"),
        ("FC1.~~~", "bad_base45"),
        ("FC1.A", "bad_base45"),
        ("FC1.GGW", "bad_base45"),
        (None, "not_text"),
        (12345, "not_text"),
        (b"\xff\xfe", "not_text"),
        ("FC1." + "0" * 10_000, "too_long"),
    ],
)
def test_damaged_texts_say_why(keys, scanned, reason):
    result = verify(scanned, keys)
    assert (result.status, result.reason, result.summary) == (qr.INVALID, reason, None)


@given(st.text(max_size=400) | st.binary(max_size=400).map(lambda b: "FC1." + qr.base45_encode(b)))
@example("FC1." + "Z" * 210)
@example("fc1.\x00\ud800")
def test_garbage_never_raises_and_is_never_valid(garbage):
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    result = qr.verify_report(garbage, {"00000000": key}, set(), set(), TODAY)
    assert result.status in (qr.INVALID, qr.UNKNOWN_KEY)


FUZZ_KEY = ec.generate_private_key(ec.SECP256R1())
FUZZ_KID = qr.key_id_bytes(FUZZ_KEY.public_key())


@given(st.binary(max_size=200), st.booleans())
@example(b"\x81" * 2000 + b"\x80", True)  # arrays nested 2,000 deep
@example(bytes.fromhex("d9d9f7a0"), True)  # a tagged empty map
def test_any_payload_under_a_known_key_never_raises(payload, signed):
    """Frames under a key the verifier knows reach the signature check and, when signed (a
    compromised or buggy signer), the payload decoder: neither may raise on any bytes."""
    raw = bytes(64)
    if signed:
        der = FUZZ_KEY.sign(qr.signed_message(FUZZ_KID, payload), ec.ECDSA(hashes.SHA256()))
        raw = qr.der_to_raw(der)
    text = qr.PREFIX + qr.base45_encode(FUZZ_KID + payload + raw)
    result = qr.verify_report(text, {FUZZ_KID: FUZZ_KEY.public_key()}, set(), set(), TODAY)
    expected = "truncated" if not payload else "bad_payload" if signed else "bad_signature"
    assert (result.status, result.reason) == (qr.INVALID, expected)


def test_odd_key_tables_never_raise(text, kid):
    rsa_like = object()
    assert verify(text, {kid: rsa_like}).reason == "bad_signature"
    p384 = ec.generate_private_key(ec.SECP384R1()).public_key()
    assert verify(text, {kid: p384}).reason == "bad_signature"
    assert qr.verify_report(text, None, None, None, TODAY).reason == "error"


# --- the code on paper: PNG and SVG read back by an independent decoder -------------------------


def decode(image):
    results = zxingcpp.read_barcodes(image)
    assert len(results) == 1
    assert results[0].format == zxingcpp.BarcodeFormat.QRCode
    return results[0]


def test_the_printed_code_decodes_back_to_the_exact_text_with_zxing(text, keys):
    image = qr_image(qr.make_qr_svg(text), scale=4)
    side = (qr.build_qr(text).modules_count + 8) * 4  # a quiet zone of four modules each side
    assert image.size == (side, side)
    result = decode(image)
    assert result.text == text
    assert result.ec_level == "Q"
    assert verify(result.text, keys).status == qr.VALID


def test_a_small_print_size_still_decodes(text):
    """Two pixels a module: version 10 is 57 modules, 130 px with the quiet zone."""
    assert decode(qr_image(qr.make_qr_svg(text), scale=2)).text == text


def test_the_svg_draws_the_same_code(text):
    svg = qr.make_qr_svg(text)
    assert svg.startswith("<svg ") and "<?xml" not in svg
    side = qr.build_qr(text).modules_count + 8  # a quiet zone of four modules each side
    assert parse(svg).find("svg")["viewbox"] == f"0 0 {side} {side}"  # html.parser: lower case
    assert decode(qr_image(svg, scale=4)).text == text


# --- WebCrypto ----------------------------------------------------------------------------------

WEBCRYPTO_VERIFIER = r"""
// What the PWA's offline check does: Base45-decode, split, import the JWK, verify r‖s.
const { subtle } = require("node:crypto").webcrypto;
const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
function base45(text) {
  const out = [];
  for (let i = 0; i < text.length; i += 3) {
    const v = [...text.slice(i, i + 3)].map((c) => ALPHABET.indexOf(c));
    if (v.includes(-1) || v.length === 1) throw new Error("base45");
    const n = v.reduce((sum, d, k) => sum + d * 45 ** k, 0);
    if (v.length === 3) out.push(n >> 8, n & 255); else out.push(n);
  }
  return Uint8Array.from(out);
}
async function check({ text, keys }) {
  const clean = text.trim().toUpperCase();
  if (!clean.startsWith("FC1.")) return "bad_prefix";
  const frame = base45(clean.slice(4));
  const kid = Buffer.from(frame.slice(0, 4)).toString("hex");
  const jwk = keys.find((k) => k.kid === kid);
  if (!jwk) return "unknown_key";
  const key = await subtle.importKey("jwk", jwk, { name: "ECDSA", namedCurve: "P-256" },
                                     false, ["verify"]);
  const signed = new Uint8Array([...Buffer.from("FC1"), ...frame.slice(0, -64)]);
  const ok = await subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key,
                                 frame.slice(-64), signed);
  return ok ? "ok" : "bad_signature";
}
let input = "";
process.stdin.on("data", (d) => (input += d));
process.stdin.on("end", async () => {
  const { texts, keys } = JSON.parse(input);
  const answers = [];
  for (const text of texts) answers.push(await check({ text, keys }));
  console.log(JSON.stringify(answers));
});
"""


def test_webcrypto_verifies_the_raw_signature_with_the_exported_jwk(tmp_path):
    assert shutil.which("node"), "Node.js is needed: its WebCrypto is the browser's API"
    folder = tmp_path / "instance"
    signing.create_key(folder)
    kid, private_key = signing.active_signing_key(folder)
    text = qr.sign_report(fields(), private_key, kid)
    frame = bytearray(qr.base45_decode(text[4:]))
    frame[10] ^= 1  # one bit of the payload
    tampered = qr.PREFIX + qr.base45_encode(bytes(frame))
    script = tmp_path / "verify.js"
    script.write_text(WEBCRYPTO_VERIFIER)
    answer = subprocess.run(
        ["node", str(script)],
        input=json.dumps(
            {"texts": [text, tampered], "keys": signing.export_public(folder)["keys"]}
        ),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert json.loads(answer.stdout) == ["ok", "bad_signature"]
