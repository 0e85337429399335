"""The second factor: time-based one-time codes (TOTP, RFC 6238) and one-time recovery codes.

Pure rules on plain values: the secret and the last accepted time step are kept by the caller.
A code is accepted once: only a time step after the last accepted one counts, so a code seen
over a shoulder or replayed within its 30-second window is refused.
"""

import hashlib
import secrets
from datetime import datetime

import pyotp

DIGITS = 6
INTERVAL = 30  # seconds a code lasts
DRIFT_STEPS = 1  # a code of the step before or after is still taken (clocks drift, people type)
RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read off paper


def new_secret() -> str:
    """A new base32 secret (160 bits, as RFC 4226 recommends)."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    """The otpauth:// URI an authenticator app reads from the enrolment QR code."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=INTERVAL).provisioning_uri(
        name=account, issuer_name=issuer
    )


def clean_code(text: str) -> str:
    """What a person typed, without spaces or dashes."""
    return "".join(ch for ch in (text or "") if ch not in " -\u00a0").strip()


def accepted_step(secret: str, code: str, now: datetime, last_step: int | None) -> int | None:
    """The time step a code belongs to, if it is right and newer than the last accepted one."""
    code = clean_code(code)
    if len(code) != DIGITS or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=INTERVAL)
    current = totp.timecode(now)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if secrets.compare_digest(totp.generate_otp(step), code):
            return step if last_step is None or step > last_step else None
    return None


def new_recovery_codes(count: int = RECOVERY_CODES) -> list[str]:
    """One-time codes for when the phone with the authenticator is lost (shown once)."""
    return [
        "-".join("".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(5)) for _ in range(2))
        for _ in range(count)
    ]


def recovery_code_hash(code: str) -> str:
    """How a recovery code is kept: random codes of some 50 bits need no slow hash."""
    return hashlib.sha256(clean_code(code).lower().encode()).hexdigest()


def looks_like_recovery_code(text: str) -> bool:
    cleaned = clean_code(text).lower()
    return len(cleaned) == 10 and all(ch in _RECOVERY_ALPHABET for ch in cleaned)
