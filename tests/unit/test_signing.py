"""The report-signing key store (fieldcheck/signing.py), in a temporary instance folder:
create, rotate, list, export, revoke; old reports stay valid across rotations, a revoked key
revokes its reports; the files are private and written whole."""

import base64
import json
import stat
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from fieldcheck import signing
from fieldcheck.domain import qr

T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
ECDSA = ec.ECDSA(hashes.SHA256())
TODAY = date(2026, 12, 1)


def report(number: int = 1) -> dict:
    return {
        "report_id": f"R26-{number:06d}",
        "application_number": f"2026-BDG-{number:06d}",
        "decision": "V",
        "office": "KANIM-BDG",
        "issued": date(2026, 11, 2),
        "expires": date(2027, 5, 1),
        "digest": bytes(range(16)),
    }


def public_key_from_jwk(jwk: dict) -> ec.EllipticCurvePublicKey:
    """A P-256 JWK, as export_public publishes it, read back into a `cryptography` key: what a
    verifier elsewhere does with the published list."""
    assert (jwk["kty"], jwk["crv"]) == ("EC", "P-256")

    def coordinate(name: str) -> int:
        raw = base64.urlsafe_b64decode(jwk[name] + "=" * (-len(jwk[name]) % 4))
        assert len(raw) == 32, name
        return int.from_bytes(raw, "big")

    return ec.EllipticCurvePublicNumbers(
        coordinate("x"), coordinate("y"), ec.SECP256R1()
    ).public_key()


def sign(folder, number: int = 1) -> str:
    kid, private_key = signing.active_signing_key(folder)
    return qr.sign_report(report(number), private_key, kid)


def verify(folder, text):
    return qr.verify_report(
        text, signing.public_keys(folder), signing.revoked_key_ids(folder), set(), TODAY
    )


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def folder(tmp_path):
    return tmp_path / "instance"


def test_create_key_makes_one_active_key_in_private_files(folder):
    entry = signing.create_key(folder, now=T0)
    keys = folder / "keys"
    assert mode(keys) == 0o700
    assert mode(keys / f"{entry['key_id']}.pem") == 0o600
    assert mode(keys / "keys.json") == 0o600
    assert (keys / f"{entry['key_id']}.pem").read_bytes().startswith(b"-----BEGIN PRIVATE KEY")
    assert entry == {
        "key_id": entry["key_id"],
        "created": "2026-11-02T01:00:00+00:00",
        "status": "active",
        "retired_at": None,
        "revoked_at": None,
        "reason": None,
    }
    assert len(entry["key_id"]) == 2 * qr.KEY_ID_LEN
    kid, private_key = signing.active_signing_key(folder)
    assert kid == entry["key_id"] == qr.key_id_for(private_key.public_key())
    index = json.loads((keys / "keys.json").read_text())
    assert index["keys"][0]["public_key"].startswith("-----BEGIN PUBLIC KEY")
    assert sorted(p.name for p in keys.iterdir()) == sorted([".lock", "keys.json", f"{kid}.pem"])


def test_a_loose_keys_folder_is_tightened(folder):
    (folder / "keys").mkdir(parents=True, mode=0o755)
    signing.create_key(folder)
    assert mode(folder / "keys") == 0o700


def test_create_key_refuses_when_keys_exist(folder):
    signing.create_key(folder)
    with pytest.raises(signing.KeyStoreError) as error:
        signing.create_key(folder)
    assert error.value.code == "keys_exist"
    assert len(signing.list_keys(folder)) == 1


def test_an_empty_store_has_no_signing_key_and_nothing_to_publish(folder):
    with pytest.raises(signing.KeyStoreError) as error:
        signing.active_signing_key(folder)
    assert error.value.code == "no_keys"
    assert signing.list_keys(folder) == []
    assert signing.public_keys(folder) == {}
    assert signing.export_public(folder) == {"keys": []}


def test_rotation_retires_the_old_key_and_its_reports_stay_valid(folder):
    first = signing.create_key(folder, now=T0)
    old_report = sign(folder, 1)
    second = signing.rotate_key(folder, now=T0 + timedelta(days=90))
    new_report = sign(folder, 2)

    assert signing.active_signing_key(folder)[0] == second["key_id"] != first["key_id"]
    listed = signing.list_keys(folder)
    assert [(k["key_id"], k["status"]) for k in listed] == [
        (first["key_id"], "retired"),
        (second["key_id"], "active"),
    ]
    assert listed[0]["retired_at"] == (T0 + timedelta(days=90)).isoformat()
    assert set(signing.public_keys(folder)) == {first["key_id"], second["key_id"]}
    for text, kid in ((old_report, first["key_id"]), (new_report, second["key_id"])):
        result = verify(folder, text)
        assert (result.status, result.key_id) == (qr.VALID, kid)


def test_rotating_an_empty_store_makes_the_first_key(folder):
    entry = signing.rotate_key(folder)
    assert [k["status"] for k in signing.list_keys(folder)] == ["active"]
    assert signing.active_signing_key(folder)[0] == entry["key_id"]


def test_a_revoked_key_revokes_its_reports_and_only_its_own(folder):
    first = signing.create_key(folder, now=T0)
    old_report = sign(folder, 1)
    signing.rotate_key(folder, now=T0 + timedelta(days=1))
    new_report = sign(folder, 2)

    revoked = signing.revoke_key(
        folder, first["key_id"].upper(), "laptop stolen", now=T0 + timedelta(days=2)
    )
    assert (revoked["status"], revoked["reason"]) == ("revoked", "laptop stolen")
    assert revoked["revoked_at"] == "2026-11-04T01:00:00+00:00"
    assert signing.revoked_key_ids(folder) == {first["key_id"]}
    result = verify(folder, old_report)
    assert (result.status, result.reason) == (qr.REVOKED, "key_revoked")
    assert result.summary.report_id == "R26-000001"  # the public key is still published
    assert verify(folder, new_report).status == qr.VALID


def test_revoking_again_keeps_the_first_time_and_reason(folder):
    kid = signing.create_key(folder)["key_id"]
    signing.revoke_key(folder, kid, "first", now=T0)
    again = signing.revoke_key(folder, kid, "second", now=T0 + timedelta(days=1))
    assert (again["reason"], again["revoked_at"]) == ("first", T0.isoformat())


def test_revoking_the_active_key_leaves_none_active_until_the_next_rotation(folder):
    kid = signing.create_key(folder)["key_id"]
    signing.revoke_key(folder, kid, "compromised")
    with pytest.raises(signing.KeyStoreError) as error:
        signing.active_signing_key(folder)
    assert error.value.code == "no_active_key"
    fresh = signing.rotate_key(folder)
    assert [k["status"] for k in signing.list_keys(folder)] == ["revoked", "active"]
    assert signing.active_signing_key(folder)[0] == fresh["key_id"]


def test_revoke_needs_a_known_key_and_a_reason(folder):
    kid = signing.create_key(folder)["key_id"]
    for bad_id, bad_reason, bad_code in (
        ("ffffffff", "x", "unknown_key"),
        (kid, " ", "reason_required"),
    ):
        with pytest.raises(signing.KeyStoreError) as error:
            signing.revoke_key(folder, bad_id, bad_reason)
        assert error.value.code == bad_code
    assert signing.revoked_key_ids(folder) == set()


def test_the_jwk_export_imports_back_and_verifies_a_signature(folder):
    signing.create_key(folder, now=T0)
    signing.rotate_key(folder, now=T0 + timedelta(days=1))
    signing.revoke_key(folder, signing.list_keys(folder)[0]["key_id"], "test")
    kid, private_key = signing.active_signing_key(folder)
    exported = json.loads(json.dumps(signing.export_public(folder)))  # survives JSON

    assert [(k["status"], k["revoked"]) for k in exported["keys"]] == [
        ("revoked", True),
        ("active", False),
    ]
    entry = exported["keys"][1]
    assert {k: entry[k] for k in ("kid", "kty", "crv", "alg", "use", "key_ops")} == {
        "kid": kid,
        "kty": "EC",
        "crv": "P-256",
        "alg": "ES256",
        "use": "sig",
        "key_ops": ["verify"],
    }
    assert len(entry["x"]) == len(entry["y"]) == 43 and "=" not in entry["x"] + entry["y"]
    assert all("reason" not in k and "public_key" not in k for k in exported["keys"])

    public_key = public_key_from_jwk(entry)
    assert qr.key_id_for(public_key) == kid
    message = b"signed by the active key"
    public_key.verify(private_key.sign(message, ECDSA), message, ECDSA)
    keys = {k["kid"]: public_key_from_jwk(k) for k in exported["keys"]}
    text = sign(folder)
    assert qr.verify_report(text, keys, set(), set(), TODAY).status == qr.VALID


def test_a_tampered_index_is_refused_not_trusted(folder):
    signing.create_key(folder)
    path = folder / "keys" / "keys.json"
    index = json.loads(path.read_text())
    other = signing.public_jwk(ec.generate_private_key(ec.SECP256R1()).public_key())
    index["keys"][0]["public_key"] = (
        public_key_from_jwk(other)
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    path.write_text(json.dumps(index))
    with pytest.raises(signing.KeyStoreError) as error:
        signing.public_keys(folder)
    assert error.value.code == "index_corrupt"
    path.write_text("{not json")
    with pytest.raises(signing.KeyStoreError) as error:
        signing.list_keys(folder)
    assert error.value.code == "index_corrupt"


def test_a_missing_or_swapped_private_key_file_is_refused(folder):
    kid = signing.create_key(folder)["key_id"]
    pem = folder / "keys" / f"{kid}.pem"
    other = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    pem.write_bytes(other)
    with pytest.raises(signing.KeyStoreError) as error:
        signing.active_signing_key(folder)
    assert error.value.code == "key_mismatch"
    pem.unlink()
    with pytest.raises(signing.KeyStoreError) as error:
        signing.active_signing_key(folder)
    assert error.value.code == "key_file_missing"


def test_concurrent_rotations_lose_nothing(folder):
    signing.create_key(folder)
    errors = []

    def rotate():
        try:
            signing.rotate_key(folder)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=rotate) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    keys = signing.list_keys(folder)
    assert len(keys) == 9 and len({k["key_id"] for k in keys}) == 9
    assert [k["status"] for k in keys].count("active") == 1
    assert not list((folder / "keys").glob(".*.tmp"))
    assert len(list((folder / "keys").glob("*.pem"))) == 9
