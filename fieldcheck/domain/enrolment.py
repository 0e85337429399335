"""Enrolment codes for field officers' phones, as pure rules: how a code is made, written for
people (two groups of four) and read back from what a phone typed or scanned.

A code is 8 characters of Crockford's base32 (digits and capitals without I, L, O and U, so
nothing can be misread over a call): 40 bits, valid once and for minutes. What the phone reads
may be the QR code's text (the enrolment page's address with the code after `#code=`) or the
short code typed in any case, with spaces or dashes, with O for 0 and I or L for 1.
"""

import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 8
# Letters people type for the digits they look like (Crockford's reading rules).
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})
_FRAGMENT = re.compile(r"[#&]code=([^&#\s]+)")


def make_code(choose=secrets.choice) -> str:
    """A new code: LENGTH characters drawn from ALPHABET (by `choose`, a CSPRNG's)."""
    return "".join(choose(ALPHABET) for _ in range(LENGTH))


def grouped(code: str) -> str:
    """The code as people read it aloud and type it: ABCD-EFGH."""
    half = LENGTH // 2
    return f"{code[:half]}-{code[half:]}"


def enrolment_link(page_url: str, code: str) -> str:
    """What the QR code holds: the phone's enrolment page with the code in its fragment (never
    sent to the server in the URL, so never in a log), so a camera app opens the right page."""
    return f"{page_url}#code={grouped(code)}"


def read_code(text: str | None) -> str | None:
    """The code a phone typed or scanned, in its stored form; None when it cannot be one."""
    if not isinstance(text, str) or len(text) > 2000:
        return None
    found = _FRAGMENT.search(text)
    if found:
        text = found.group(1)
    squeezed = re.sub(r"[\s\-]", "", text).upper().translate(_READ_AS)
    if len(squeezed) != LENGTH or any(ch not in ALPHABET for ch in squeezed):
        return None
    return squeezed
