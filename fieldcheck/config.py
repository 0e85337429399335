"""Default settings; `instance/config.py` and `FIELDCHECK_*` environment variables override them."""

import os
from datetime import timedelta

# The database: None means a SQLite file in the instance folder (see fieldcheck.db).
DATABASE_URL = None

# Sessions end after this much inactivity (a shared office PC must not stay signed in), and
# this long after sign-in however busy (ASVS V3.3): both decided on the server.
IDLE_TIMEOUT = timedelta(minutes=30)
SESSION_LIFETIME = timedelta(hours=12)
# Flask's own limit on a session cookie's age; the server's record decides first.
PERMANENT_SESSION_LIFETIME = timedelta(hours=12)

# Set when the app is served over HTTPS (production): Secure cookies and HSTS.
HTTPS = False

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_NAME = "fieldcheck_session"
REMEMBER_COOKIE_HTTPONLY = True
REMEMBER_COOKIE_SAMESITE = "Lax"

# werkzeug's scrypt with its default cost (n=2**15, r=8, p=1); tests lower it to save time.
PASSWORD_HASH_METHOD = "scrypt"  # noqa: S105  (a hash method, not a password)

WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session, which has its own timeout

# Roles that must sign in with a second factor (TOTP) once their password is right; anyone
# enrolled is asked for it. `fieldcheck demo` turns it off for a demo instance.
SECOND_FACTOR_ROLES = ("admin", "supervisor")
# Set by `fieldcheck demo` in the instance's config: the sign-in page says it is a demo.
DEMO_INSTANCE = False

# Sign-in limits: failed attempts per username and per client address.
LOGIN_LIMIT_PER_USERNAME = "5 per 15 minutes"
LOGIN_LIMIT_PER_ADDRESS = "20 per 15 minutes"
RATELIMIT_STORAGE_URI = "memory://"
# Device tokens issued (phones enrolled, scanners signed in) per user and per address.
TOKEN_LIMIT_PER_USER = "10 per day"  # noqa: S105  (a limit, not a token)
TOKEN_LIMIT_PER_ADDRESS = "30 per hour"  # noqa: S105  (a limit, not a token)

BABEL_DEFAULT_LOCALE = "id"
BABEL_DEFAULT_TIMEZONE = "Asia/Jakarta"
LANGUAGES = ("id", "en")

# Phones' bearer tokens live this many days; a phone signs in again after that.
DEVICE_TOKEN_DAYS = 30

# How long a field report's QR code stays valid after it is issued.
REPORT_VALID_DAYS = 180

# Case data a phone has not refreshed for this many days is removed from it.
PHONE_RETENTION_DAYS = 14

# Largest photo the API accepts (phones resize to 1600 px JPEG, a few hundred KB).
MEDIA_MAX_BYTES = 8 * 1024 * 1024

# How often a request may seal the audit trail's hash chain (seconds); 0 seals after each request.
AUDIT_SEAL_INTERVAL = 10

# Where each seal appends its signed checkpoint of the audit chain's head (JSON lines); None
# means `audit_checkpoints.jsonl` in the instance folder. Best on another disk or an append-only
# file (chattr +a), and exported to a witness (`fieldcheck audit checkpoints export`).
AUDIT_CHECKPOINT_LOG = None

# Trust X-Forwarded-* from this many proxies (set to 1 behind nginx).
PROXY_COUNT = 0


def from_environment(environ=os.environ):
    """Return the settings given as FIELDCHECK_* variables, typed like their defaults."""
    found = {}
    for key, raw in environ.items():
        if not key.startswith("FIELDCHECK_"):
            continue
        name = key.removeprefix("FIELDCHECK_")
        default = globals().get(name)
        found[name] = _coerce(raw, default)
    return found


def _coerce(raw, default):
    if isinstance(default, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, timedelta):
        return timedelta(seconds=int(raw))
    if isinstance(default, tuple):
        return tuple(part.strip() for part in raw.split(","))
    return raw
