"""static/js/qr-verify.js, the PWA's offline check of a report QR, answers exactly as the server's
fieldcheck/domain/qr.py `verify_report` does: the same status, reason, key id and summary for
valid, tampered, revoked, expired, not yet valid, unknown-key and garbage texts, and for signed
payloads of every odd shape. Keys and texts are made in Python; Node 20 (WebCrypto, the browser's
API) runs the module on all cases at once."""

import json
import random
import shutil
import subprocess
import uuid
from datetime import date, timedelta
from pathlib import Path

import cbor2
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from fieldcheck import signing
from fieldcheck.domain import qr

MODULE = Path(__file__).resolve().parents[2] / "static" / "js" / "qr-verify.js"
ISSUED = date(2026, 11, 2)
EXPIRES = date(2027, 5, 1)
TODAY = date(2026, 12, 1)
REPORT_ID = uuid.UUID("0b9f1c2e-7d3a-4e8b-9a41-5c6d7e8f9012")
DIGEST = bytes(range(16))

DRIVER = r"""
import * as qr from "%(module)s";

let input = "";
for await (const chunk of process.stdin) input += chunk;
const { cases, keysets, base45, clean } = JSON.parse(input);

const results = [];
for (const c of cases) {
  let text = c.text;
  if (c.text_hex !== undefined) text = Uint8Array.from(Buffer.from(c.text_hex, "hex"));
  let today = c.today;
  if (c.today_local) today = new Date(...c.today_local); // a Date: its local calendar day
  results.push(await qr.verifyReport(text, {
    keys: keysets[c.keys],
    revokedKeys: c.revoked_keys,
    revokedReports: c.revoked_reports,
    today,
  }));
}
const decoded = base45.map((text) => {
  try {
    return Buffer.from(qr.base45Decode(text)).toString("hex");
  } catch {
    return null;
  }
});
console.log(JSON.stringify({
  results,
  base45: decoded,
  clean: clean.map(qr.cleanScannedText),
  reasons: qr.REASONS,
  statuses: qr.STATUSES,
}));
"""


def fields(**changes):
    base = {
        "report_id": REPORT_ID,
        "application_number": "2026-BDG-000123",
        "decision": "V",
        "office": "KANIM-BDG",
        "issued": ISSUED,
        "expires": EXPIRES,
        "digest": DIGEST,
    }
    base.update(changes)
    return base


def days(d: date) -> int:
    return (d - qr.EPOCH).days


def signed_frame(private_key, payload: bytes, kid: bytes | None = None) -> str:
    """A text whose payload is any bytes, signed properly: what a buggy or stolen signer makes."""
    kid = kid or qr.key_id_bytes(private_key.public_key())
    der = private_key.sign(qr.signed_message(kid, payload), ec.ECDSA(hashes.SHA256()))
    return qr.PREFIX + qr.base45_encode(kid + payload + qr.der_to_raw(der))


def with_high_s(text: str) -> str:
    """A report as signed before signatures were made low-s: s replaced by n − s."""
    frame = qr.base45_decode(text[len(qr.PREFIX) :])
    s = int.from_bytes(frame[-32:], "big")
    assert s <= qr.P256_ORDER // 2, "sign_report makes low-s signatures"
    return qr.PREFIX + qr.base45_encode(frame[:-32] + (qr.P256_ORDER - s).to_bytes(32, "big"))


def odd_payloads() -> list[tuple[str, bytes]]:
    """Payloads that only a careful decoder gets right: non-canonical, tagged, wrong types..."""
    good = [REPORT_ID.bytes, "2026-BDG-000123", "V", "KANIM-BDG", 2500, 2600, DIGEST]

    def enc(*items):
        return cbor2.dumps(list(items), canonical=True)

    def with_(index, value):
        items = list(good)
        items[index] = value
        return enc(*items)

    canonical = enc(*good)
    body = canonical[1:]  # the seven items without the array head
    app = cbor2.dumps("2026-BDG-000123")
    head_to_app = canonical[: 1 + 17]  # array head and the 16-byte report id
    after_app = canonical[1 + 17 + len(app) :]
    cases = [
        ("canonical", canonical),
        ("text report id", with_(0, "RPT-0001")),
        ("upper-case uuid text id", with_(0, str(REPORT_ID).upper())),
        ("report id of 15 bytes", with_(0, bytes(15))),
        ("report id of 17 bytes", with_(0, bytes(17))),
        ("empty report id", with_(0, "")),
        ("integer report id", with_(0, 7)),
        ("empty application number", with_(1, "")),
        ("application number as bytes", with_(1, b"2026")),
        ("decision v", with_(2, "v")),
        ("decision R", with_(2, "R")),
        ("decision as int", with_(2, 86)),
        ("empty office", with_(3, "")),
        ("office with a BOM", with_(3, "\ufeffKANIM")),
        ("office with non-ASCII", with_(3, "KANIM-DENPASAR \u00e9\U0001f600")),
        ("office with a control character", with_(3, "K\x00\x1f")),
        ("issued after expires", with_(4, 2601)),
        ("issued equals expires", with_(4, 2600)),
        ("negative issued", with_(4, -1)),
        ("issued 100001", enc(*good[:4], 100_001, 100_002, DIGEST)),
        ("expires 100000", with_(5, 100_000)),
        ("expires 100001", with_(5, 100_001)),
        ("issued 0", with_(4, 0)),
        ("huge expires", with_(5, 2**64 - 1)),
        ("bignum expires", with_(5, 2**70)),
        ("float issued", with_(4, 2500.0)),
        ("bool issued", with_(4, True)),
        ("null issued", with_(4, None)),
        ("digest of 15 bytes", with_(6, bytes(15))),
        ("digest of 17 bytes", with_(6, bytes(17))),
        ("digest as text", with_(6, "0" * 16)),
        ("six items", enc(*good[:6])),
        ("eight items", enc(*good, 1)),
        ("a map", cbor2.dumps(dict(enumerate(good)), canonical=True)),
        ("nested array", with_(3, ["KANIM"])),
        ("trailing byte", canonical + b"\x00"),
        ("two arrays", canonical + canonical),
        ("array head in two bytes", b"\x98\x07" + body),
        ("indefinite array", b"\x9f" + body + b"\xff"),
        ("self-described", bytes.fromhex("d9d9f7") + canonical),
        ("tagged report id", with_(0, cbor2.CBORTag(37, REPORT_ID.bytes))),
        ("issued as a two-byte head", canonical.replace(b"\x19\x09\xc4", b"\x1a\x00\x00\x09\xc4")),
        ("issued as tag 2 bignum", canonical.replace(b"\x19\x09\xc4", b"\xc2\x42\x09\xc4")),
        ("text length in a long head", head_to_app + b"\x78\x0f" + app[1:] + after_app),
        ("indefinite text", head_to_app + b"\x7f" + app + b"\xff" + after_app),
        ("surrogate in UTF-8", with_(3, "K").replace(b"\x61K", b"\x63\xed\xa0\x80")),
        ("overlong UTF-8", with_(3, "K").replace(b"\x61K", b"\x62\xc0\xaf")),
        ("invalid UTF-8", with_(3, "K").replace(b"\x61K", b"\x61\xff")),
        ("deep nesting", b"\x81" * 2000 + b"\x80"),
        ("empty map", b"\xa0"),
        ("one byte", b"\x00"),
        ("break code", b"\xff"),
        ("length past the end", b"\x87\x5a\xff\xff\xff\xff"),
        ("array past the end", b"\x9b" + b"\xff" * 8),
    ]
    rng = random.Random(9285)
    for i in range(60):
        damaged = bytearray(canonical)
        damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        cases.append((f"damaged canonical {i}", bytes(damaged)))
    for i in range(30):
        cases.append((f"random bytes {i}", rng.randbytes(rng.randrange(1, 120))))
    return cases


@pytest.fixture(scope="module")
def outcome(tmp_path_factory):
    """Every case run through Python's verify_report and, in one Node process, the module."""
    assert shutil.which("node"), "Node.js 20 is needed: its WebCrypto is the browser's API"
    assert MODULE.is_file(), f"{MODULE} is missing"
    tmp = tmp_path_factory.mktemp("qrjs")
    folder, other = tmp / "instance", tmp / "other"

    signing.create_key(folder)
    old_kid, old_key = signing.active_signing_key(folder)  # retired below: still verifies
    signing.rotate_key(folder)
    gone_kid, gone_key = signing.active_signing_key(folder)  # revoked below
    signing.rotate_key(folder)
    signing.revoke_key(folder, gone_kid, "stolen laptop")
    kid, key = signing.active_signing_key(folder)
    signing.create_key(other)
    stranger_kid, stranger_key = signing.active_signing_key(other)

    exported = json.loads(json.dumps(signing.export_public(folder)["keys"]))
    stranger_jwk = {**signing.export_public(other)["keys"][0], "kid": kid}
    public = signing.public_keys(folder)
    revoked_ids = signing.revoked_key_ids(folder)
    assert revoked_ids == {gone_kid}
    keysets = {  # name → (what Python's verify_report takes, what the module takes)
        "all": (public, exported),
        "without revoked": (
            {k: v for k, v in public.items() if k != gone_kid},
            [j for j in exported if j["kid"] != gone_kid],
        ),
        "shared kid": (  # a foreign key under the same id first: each is tried
            {**public, kid: [stranger_key.public_key(), public[kid]]},
            [stranger_jwk, *exported],
        ),
        "broken jwk": (
            {kid: object()},
            [{"kid": kid, "kty": "EC", "crv": "P-256", "x": "AAAA", "y": "AAAA"}],
        ),
        "wrong kty": ({kid: object()}, [{**exported[-1], "kty": "RSA"}]),
    }

    text = qr.sign_report(fields(), key, kid)
    cases = []

    def case(name, scanned, *, keys="all", revoked_keys=(), revoked_reports=(), today=TODAY):
        entry = {
            "name": name,
            "keys": keys,
            "revoked_keys": list(revoked_keys),
            "revoked_reports": list(revoked_reports),
        }
        if isinstance(today, tuple):
            entry["today_local"] = [today[0], today[1] - 1, today[2]]
            today = date(*today)
        else:
            entry["today"] = today.isoformat()
        if isinstance(scanned, bytes):
            entry["text_hex"] = scanned.hex()
        else:
            entry["text"] = scanned
        python_keys = keysets[keys][0]
        expected = qr.verify_report(
            scanned, python_keys, revoked_ids | set(revoked_keys), set(revoked_reports), today
        )
        cases.append((entry, expected.to_dict()))

    # The good text, and what the clock, the key store and the report list do to it.
    case("valid", text)
    case("valid with a high s, as printed before signatures were low-s", with_high_s(text))
    case("valid, today a local Date", text, today=(2026, 12, 1))
    case("valid as bytes", text.encode("ascii"))
    case("signed by the retired key", qr.sign_report(fields(), old_key, old_kid))
    case("text report id", qr.sign_report(fields(report_id="RPT-0001"), key, kid))
    case("first day", text, today=ISSUED)
    case("a day early (clock skew)", text, today=ISSUED - timedelta(days=1))
    case("two days early", text, today=ISSUED - timedelta(days=2))
    case("long before", text, today=date(2020, 1, 1))
    case("before the epoch", text, today=date(2019, 6, 1))
    case("last day", text, today=EXPIRES)
    case("expired", text, today=EXPIRES + timedelta(days=1))
    case("long expired", text, today=date(2040, 2, 29))
    case("today overflows", text, today=date.max)
    case("report revoked", text, revoked_reports=[str(REPORT_ID)])
    case("report revoked, upper case", text, revoked_reports=[str(REPORT_ID).upper()])
    case("other report revoked", text, revoked_reports=[str(uuid.uuid4()), "RPT-0001"])
    case(
        "text report revoked",
        qr.sign_report(fields(report_id="RPT-0001"), key, kid),
        revoked_reports=["RPT-0001"],
    )
    case(
        "text report id is case-sensitive",
        qr.sign_report(fields(report_id="RPT-0001"), key, kid),
        revoked_reports=["rpt-0001"],
    )
    case(
        "revoked and expired",
        text,
        revoked_reports=[str(REPORT_ID)],
        today=EXPIRES + timedelta(days=9),
    )
    case(
        "revoked and not yet valid", text, revoked_reports=[str(REPORT_ID)], today=date(2021, 1, 1)
    )
    gone_text = qr.sign_report(fields(), gone_key, gone_kid)
    case("key revoked", gone_text)
    case("key revoked and report revoked", gone_text, revoked_reports=[str(REPORT_ID)])
    case("key revoked and expired", gone_text, today=date(2030, 1, 1))
    case(
        "key revoked, its public key gone",
        gone_text,
        keys="without revoked",
        revoked_keys=[gone_kid],
    )
    case("key revoked by the caller", text, revoked_keys=[f" {kid.upper()}\n"])
    stranger_text = qr.sign_report(fields(), stranger_key, stranger_kid)
    case("unknown key", stranger_text)
    case("unknown key, revoked", stranger_text, revoked_keys=[stranger_kid])
    case("a foreign key shares the kid", text, keys="shared kid")
    case(
        "forged under our kid",
        signed_frame(stranger_key, qr.encode_payload(fields()), bytes.fromhex(kid)),
    )
    case("broken jwk", text, keys="broken jwk")
    case("wrong kty", text, keys="wrong kty")

    # Scanner noise and garbage.
    for name, scanned in [
        ("lower case", text.lower()),
        ("line ends and tabs", "\r\n\t " + text + " \t\r\n"),
        ("a tab inside", text[:40] + "\t" + text[40:]),
        ("a space inside", text[:40] + " " + text[40:]),
        ("Python strips \\x1c", "\x1c" + text + "\x1f"),
        ("Python strips \\x85", "\x85" + text),
        ("Python strips \\u3000", "\u3000" + text + "\u2029"),
        ("Python keeps a BOM", "\ufeff" + text),
        ("a vertical tab", "\v" + text + "\f"),
        ("spaces before", " " * 5000 + text),
        ("empty", ""),
        ("spaces", "   "),
        ("no dot", "FC1" + text[4:]),
        ("wrong version", "FC2." + text[4:]),
        ("EU prefix", "HC1:" + text[4:]),
        ("colon for dot", "FC1:" + text[4:]),
        ("prefix only", "FC1."),
        ("too short", "FC1.000000"),
        ("truncated", text[:120]),
        ("one character short", text[:-1]),
        ("two characters short", text[:-2]),
        ("three characters short", text[:-3]),
        ("one character more", text + "0"),
        ("doubled", text + text[4:]),
        ("outside the alphabet", "FC1.~~~"),
        ("dangling character", "FC1.A"),
        ("group too large", "FC1.GGW"),
        ("last pair too large", "FC1." + text[4:-2] + "::"),
        ("a NUL", "fc1.\x00\ud800"),
        ("non-BMP", "FC1." + "\U0001f600" * 3000),
        ("non-BMP, too many", "FC1." + "\U0001f600" * 4300),
        ("too long", "FC1." + "0" * 10_000),
        ("too long once cleaned", "FC1." + "0" * 4293),
        ("just short enough", "FC1." + "0" * 4292),
        ("too long before cleaning", " " * 8593),
        ("zero signature", qr.PREFIX + qr.base45_encode(bytes.fromhex(kid) + b"\x80" + bytes(64))),
        (
            "signature of 0xff",
            qr.PREFIX + qr.base45_encode(bytes.fromhex(kid) + b"\x80" + b"\xff" * 64),
        ),
        ("not ascii bytes", b"\xff\xfe"),
        ("no text", None),
        ("a number", 12345),
    ]:
        case(name, scanned)

    # Every kind of single-character damage, sampled: each position once, then random extra.
    rng = random.Random(45)
    alphabet = qr.BASE45_ALPHABET + "a~"
    positions = [(i, rng.choice(alphabet)) for i in range(len(text))]
    positions += [(rng.randrange(len(text)), rng.choice(alphabet)) for _ in range(100)]
    for i, char in positions:
        if text[i] != char:
            case(f"character {i} as {char!r}", text[:i] + char + text[i + 1 :])
    for i in rng.sample(range(len(text)), 20):
        case(f"character {i} dropped", text[:i] + text[i + 1 :])

    # Properly signed payloads of every odd shape.
    for name, payload in odd_payloads():
        case(f"payload: {name}", signed_frame(key, payload))

    base45_inputs = ["BB8", "%69 VD92EX0", "UJCLQE7W581", "QED8WEX0", "", "00", "FGW", "GGW"]
    base45_inputs += ["A", "ABCD", "ab", "BB~", ":::", "::", "U5", "\U0001f600", text[4:]]
    clean_inputs = ["", " fc1.abc\r\n", "\tA b\tC\n", "\x1cx\x1f", "\ufeffx", "\u00e9\u00df", "ı"]
    clean_inputs += ["\x85 x \u3000", "\v\f x", "q\u2028"]

    driver = tmp / "driver.mjs"
    driver.write_text(DRIVER % {"module": MODULE.as_uri()})
    request = {
        "cases": [entry for entry, _ in cases],
        "keysets": {name: js for name, (_, js) in keysets.items()},
        "base45": base45_inputs,
        "clean": clean_inputs,
    }
    run = subprocess.run(
        ["node", str(driver)],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    answer = json.loads(run.stdout)
    assert len(answer["results"]) == len(cases)

    def python_base45(value):
        try:
            return qr.base45_decode(value).hex()
        except ValueError:
            return None

    pairs = zip(cases, answer["results"], strict=True)
    return {
        "cases": [(entry["name"], want, got) for (entry, want), got in pairs],
        "base45": (list(map(python_base45, base45_inputs)), answer["base45"]),
        "clean": (list(map(qr.clean_scanned_text, clean_inputs)), answer["clean"]),
        "reasons": answer["reasons"],
        "statuses": answer["statuses"],
    }


def test_the_module_answers_every_case_as_python_does(outcome):
    differences = [
        f"{name}: Python {want} / JS {got}" for name, want, got in outcome["cases"] if want != got
    ]
    assert not differences, "\n".join(differences[:20])


def test_the_cases_reach_every_status_and_reason(outcome):
    wanted = {name: want for name, want, _ in outcome["cases"]}
    assert {w["reason"] for w in wanted.values()} == set(qr.REASONS)
    assert {w["status"] for w in wanted.values()} == set(qr.STATUSES)
    assert wanted["valid"]["status"] == qr.VALID
    assert wanted["valid"]["summary"] == {
        "report_id": str(REPORT_ID),
        "application_number": "2026-BDG-000123",
        "decision": "V",
        "office": "KANIM-BDG",
        "issued": ISSUED.isoformat(),
        "expires": EXPIRES.isoformat(),
        "digest": DIGEST.hex(),
        "key_id": wanted["valid"]["key_id"],
    }
    assert wanted["two days early"]["reason"] == "not_yet_valid"
    assert wanted["a day early (clock skew)"]["status"] == qr.VALID
    assert wanted["revoked and expired"]["reason"] == "report_revoked"
    assert wanted["key revoked and report revoked"]["reason"] == "key_revoked"
    assert wanted["payload: office with a BOM"]["summary"]["office"] == "\ufeffKANIM"
    assert wanted["payload: canonical"]["status"] == qr.VALID
    assert wanted["payload: array head in two bytes"]["reason"] == "bad_payload"


def test_a_report_with_a_high_s_stays_valid_offline_too(outcome):
    """Reports printed before new signatures were made low-s must keep verifying."""
    [(want, got)] = [(w, g) for name, w, g in outcome["cases"] if "a high s" in name]
    valid = {name: w for name, w, _ in outcome["cases"]}["valid"]
    assert want == got == valid and got["status"] == qr.VALID


def test_base45_and_scanner_cleaning_match(outcome):
    python, js = outcome["base45"]
    assert js == python
    python, js = outcome["clean"]
    assert js == python


def test_reason_codes_and_statuses_are_the_same(outcome):
    assert outcome["reasons"] == qr.REASONS
    assert outcome["statuses"] == list(qr.STATUSES)
