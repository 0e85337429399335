"""What makes a password someone chooses too easy to guess (OWASP ASVS 4.0, V2.1).

Pure: a password and the words its owner is known by in, problems with stable codes out;
fieldcheck.errors puts them in the reader's words. The forms and the CLI apply the rule where a
person chooses a password; accounts made in code (the demo, test factories) are not checked.

How guessable a password is, zxcvbn (Dropbox's estimator) judges: it ships the 30,000 passwords
most used on breached sites, English words, names and surnames, keyboard layouts, and knows
repeats, sequences and dates, the way a guesser's tools combine them. Its score runs from 0 to
4; below 3 (under some 10^8 guesses) is refused, and below 4 for a password without letters.
Two things it lets through are refused here as well: a common password or word with digits and
symbols around it ("bandung20262026" scores 3, and is among the first things a guesser's rules
try), and a password built from the owner's username, name or office, which zxcvbn only weighs
(they are passed to it as user inputs too).
"""

import re
import threading
from dataclasses import dataclass, field

from zxcvbn import zxcvbn
from zxcvbn.matching import RANKED_DICTIONARIES

MIN_LENGTH = 12  # ASVS 2.1.1
MAX_LENGTH = 128  # ASVS 2.1.2: at least 64 allowed, more than 128 refused
MIN_SCORE = 3
# Without letters a password is mostly dates, phone numbers and PINs ("17081945-2026" scores 3):
# such a one must be as hard to guess as zxcvbn measures at all.
MIN_SCORE_WITHOUT_LETTERS = 4
# zxcvbn's time grows faster than the length (some 0.3 s for 72 random characters, over 1 s for
# 128), and it answers as the password is typed. The first 64 characters are judged: a password
# whose first 64 are hard to guess is hard to guess, and refusing a weak start is no loss.
ESTIMATED_LENGTH = 64
# A username or a word of a name shorter than this is too common inside other text to refuse.
MIN_PART = 4

# zxcvbn's own word lists (user_inputs is the one it fills for each call).
COMMON_PASSWORDS = "passwords"
WORD_LISTS = ("english_wikipedia", "us_tv_and_film", "female_names", "male_names", "surnames")

# What the longest part of a guessable password is, as zxcvbn's own feedback picks it.
PATTERN_CODES = {
    "repeat": "password_repeat",
    "sequence": "password_sequence",
    "spatial": "password_keyboard",
    "date": "password_date",
    "regex": "password_date",  # zxcvbn's only pattern of this kind: a recent year
}
DICTIONARY_CODES = {COMMON_PASSWORDS: "password_common", "user_inputs": "password_personal"}

# zxcvbn puts each call's user inputs into a dictionary its module shares: one call at a time.
_estimating = threading.Lock()

LETTERS = re.compile(r"[^\W\d_]+")
# Letters written as digits or symbols ("B4ndung", "S1t1"): a name is looked for in the password
# read both ways.
UNLEET = str.maketrans("4@310$57", "aaeiosst")


@dataclass(frozen=True)
class Problem:
    """Why a password is refused, by stable code."""

    code: str
    params: dict = field(default_factory=dict)


def password_problems(
    password: str, *, username: str = "", name: str = "", office_name: str = ""
) -> list[Problem]:
    """Every reason to refuse this password for this person; none means it may be used."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(Problem("password_too_short", {"min": MIN_LENGTH}))
    if len(password) > MAX_LENGTH:
        problems.append(Problem("password_too_long", {"max": MAX_LENGTH}))
    personal = list(_personal_problems(password, username, name, office_name))
    problems += personal
    for problem in _guessable_problems(password, [username, name, office_name]):
        if not (personal and problem.code == "password_personal"):  # said more precisely
            problems.append(problem)
    kept = []
    for problem in problems:  # one reason of each kind, in the order found
        if all(problem.code != k.code for k in kept):
            kept.append(problem)
    return kept


def _personal_problems(password: str, username: str, name: str, office_name: str):
    folded = password.casefold()
    readings = [_letters(folded), _letters(folded.translate(UNLEET))]
    username = username.casefold()
    if (len(username) >= MIN_PART and username in folded) or _has_word_of(readings, username):
        yield Problem("password_username")
    if _has_word_of(readings, name):
        yield Problem("password_name")
    if _has_word_of(readings, office_name):
        yield Problem("password_office")


def _letters(text: str) -> str:
    return "".join(LETTERS.findall(text))


def _has_word_of(readings: list[str], text: str) -> bool:
    """Whether a word of `text` (of MIN_PART letters or more) is in a reading of the password."""
    words = [w for w in LETTERS.findall(text.casefold()) if len(w) >= MIN_PART]
    return any(w in letters for w in words for letters in readings)


def _guessable_problems(password: str, known_as: list[str]):
    base = _base_word_code(password)
    if base:
        yield Problem(base)
    inputs = [t for text in known_as for t in (text, *LETTERS.findall(text)) if t]
    with _estimating:
        estimate = zxcvbn(password[:ESTIMATED_LENGTH], user_inputs=inputs)
    least = MIN_SCORE if LETTERS.search(password) else MIN_SCORE_WITHOUT_LETTERS
    if estimate["score"] < least:
        yield Problem(_reason(estimate["sequence"]))


def _base_word_code(password: str) -> str | None:
    """A common password or a single word once its digits and symbols are taken away."""
    letters = _letters(password.casefold())
    if len(letters) < MIN_PART:
        return None
    if letters in RANKED_DICTIONARIES[COMMON_PASSWORDS]:
        return "password_common"
    if any(letters in RANKED_DICTIONARIES[name] for name in WORD_LISTS):
        return "password_words"
    return None


def _reason(sequence: list[dict]) -> str:
    """The code for the longest part of what zxcvbn found (the part its feedback speaks of)."""
    if not sequence:
        return "password_guessable"
    longest = max(sequence, key=lambda match: len(match["token"]))  # the first of equals
    if longest["pattern"] == "dictionary":
        return DICTIONARY_CODES.get(longest["dictionary_name"], "password_words")
    return PATTERN_CODES.get(longest["pattern"], "password_guessable")
