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
# Where the counts live: each process's memory, or one Redis for every node of a cluster
# (redis://host:6379). While that Redis cannot be reached each process counts in its own memory
# with the same limits (Flask-Limiter's in-memory fallback), and goes back to Redis when it
# answers again: sign-in stays open, and limited.
RATELIMIT_STORAGE_URI = "memory://"
RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
# Every limit counts the last stretch of its length ("5 per 15 minutes": any 15 minutes). A fixed
# window, opened by the first attempt, would let a burst at its end and another at the next
# one's start through together: twice the limit in a moment.
RATELIMIT_STRATEGY = "moving-window"
# Put before every key this app counts under: for a Redis shared with other apps, or with
# another FieldCheck (a training instance) that must not count with this one.
RATELIMIT_KEY_PREFIX = ""
# Device tokens issued (phones enrolled, scanners signed in) per user and per address.
TOKEN_LIMIT_PER_USER = "10 per day"  # noqa: S105  (a limit, not a token)
TOKEN_LIMIT_PER_ADDRESS = "30 per hour"  # noqa: S105  (a limit, not a token)

BABEL_DEFAULT_LOCALE = "id"
BABEL_DEFAULT_TIMEZONE = "Asia/Jakarta"
LANGUAGES = ("id", "en")

# Phones' bearer tokens live this many days; a phone signs in again after that.
DEVICE_TOKEN_DAYS = 30

# Phone enrolment (fieldcheck.enrolment): how long a one-time enrolment code is valid, and
# how many wrong codes one address may try (a code is 40 bits and lives minutes).
ENROLMENT_CODE_MINUTES = 10
ENROLMENT_LIMIT_PER_ADDRESS = "10 per 10 minutes"
# An enrolled phone asks its PIN again after this many seconds in the background.
PHONE_LOCK_SECONDS = 180

# How long a field report's QR code stays valid after it is issued.
REPORT_VALID_DAYS = 180

# Case data a phone has not refreshed for this many days is removed from it.
PHONE_RETENTION_DAYS = 14

# How much a request may send (bytes; fieldcheck.limits). MAX_CONTENT_LENGTH is Flask's own
# setting and holds for every route without a cap of its own: werkzeug refuses a larger
# Content-Length (413) before reading a byte, and stops a streamed body at the cap. The largest
# form a page sends (a case with a 4,000-character note, every character percent-encoded
# UTF-8) is under 64 KiB.
MAX_CONTENT_LENGTH = 256 * 1024
# Largest photo the API accepts (phones resize to 1600 px JPEG, a few hundred KB).
MEDIA_MAX_BYTES = 8 * 1024 * 1024

# Where photos are kept (sync.media): "files", a folder on this server (MEDIA_ROOT, None meaning
# `media` in the instance folder), or "s3", a bucket of an S3-compatible object store shared by
# every node of a cluster (SeaweedFS, MinIO, AWS S3). MEDIA_S3_ENDPOINT_URL None means AWS
# itself; the key id and secret None mean boto3's usual places (AWS_* variables, the machine's
# role).
MEDIA_STORAGE = "files"
MEDIA_ROOT = None
MEDIA_S3_BUCKET = None
MEDIA_S3_ENDPOINT_URL = None
MEDIA_S3_REGION = None
MEDIA_S3_ACCESS_KEY_ID = None
MEDIA_S3_SECRET_ACCESS_KEY = None
# The sync push: a full batch (500 operations, sync.envelope.MAX_OPERATIONS) of the largest
# valid visit (every text at its longest, 40 family members, 20 photos: 39 KB of JSON in Latin
# text) is 19.5 MB as the phone writes JSON, 19.9 MB as the reference client does; 24 MiB
# leaves a fifth more. The phone sends 10 operations a push; the reference client halves its
# batch when it meets a 413.
PUSH_MAX_BYTES = 24 * 1024 * 1024
# The intake desk's CSV import: each row is checked with the intake form's rules (about 1-2 ms
# a row), so a file at the row cap is checked in 10-20 s; a file over either cap is refused
# before its rows are checked.
IMPORT_MAX_BYTES = 10 * 1024 * 1024
IMPORT_MAX_ROWS = 10_000
# A registry extract (up to 500,000 people of some 130 bytes a row).
REGISTRY_EXTRACT_MAX_BYTES = 64 * 1024 * 1024

# Report verifications (POST /api/v1/reports/verify and the /verify page). A counter scans at
# most one passport every few seconds; a USB scanner that reads a code twice doubles that:
# 120 a minute per device (device token, else the signed-in user) is never met by honest use.
# An airport's counters reach the server from one address: 600 a minute is 30 counters at
# their busiest.
VERIFY_LIMIT_PER_DEVICE = "120 per minute"
VERIFY_LIMIT_PER_ADDRESS = "600 per minute"
# Days a scan stays in the scan log (fieldcheck.reports.scans); `fieldcheck scans prune`
# removes older ones.
SCAN_LOG_DAYS = 90

# The statistics dashboard reads a summary of the counts (fieldcheck.statistics.summary) rebuilt
# when a page or export finds it older than this (seconds); the page says "as of" when. 0
# rebuilds it on every read. `fieldcheck statistics refresh` rebuilds it (e.g. from cron).
STATISTICS_MAX_AGE_SECONDS = 300

# How often a request may seal the audit trail's hash chain (seconds); 0 seals after each request.
AUDIT_SEAL_INTERVAL = 10

# Where each seal appends its signed checkpoint of the audit chain's head (JSON lines); None
# means `audit_checkpoints.jsonl` in the instance folder. Best on another disk or an append-only
# file (chattr +a), and exported to a witness (`fieldcheck audit checkpoints export`).
AUDIT_CHECKPOINT_LOG = None

# Trust X-Forwarded-* from this many proxies (set to 1 behind nginx).
PROXY_COUNT = 0

# Flask-Compress: the static scripts, styles and icons go out compressed (zstd, Brotli or gzip,
# as the browser accepts; static files are sent as streams, compressed as they go). Pages and
# JSON are not: they carry personal data beside what a request echoes, the mix that BREACH reads
# through compression (and the CSV import's streamed progress page must arrive as written).
COMPRESS_MIMETYPES = [
    "text/css",
    "text/javascript",
    "application/javascript",
    "image/svg+xml",
    "application/manifest+json",
]
COMPRESS_STREAMS = True


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
