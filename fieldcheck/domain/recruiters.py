"""Recruiters and agencies named in cases, and when two mentions are the same recruiter.

The paper behind FieldCheck asks immigration to act "against traffickers and organizers
(syndicates) based on the modus operandi": the same recruiter shows up in many applications,
at different offices, written differently each time. Intake and the field interview record
who offered the job: a name, a phone, an agency, a social-media or messaging handle, a bank
account. This module turns such an answer into a `Mention` and the `Identifier`s that link it
to other mentions of the same recruiter:

- a phone, in E.164 (`+6281234567890`), read with the `phonenumbers` library as an Indonesian
  number unless it carries its own country code ("0812-3456-7890", "(0812) 34567890" and
  "+62 812 3456 7890" are one number);
- a handle, lower case, without a leading "@" and without the address of the site before it
  ("@Rina_Kerja", "t.me/rina_kerja" and "rina_kerja" are one handle);
- a bank account, its digits;
- a name **only together with an agency**: two people called "Siti Aminah" are two people
  unless something else ties them. The name is folded by fieldcheck.domain.names (case,
  spacing, titles, old and variant spellings: "Muhammad Rizky" and "Moh. Rizki" are one name),
  the agency by `fold_agency` (case, punctuation, legal forms: "PT. Maju Jaya" is "Maju Jaya").

Two mentions are the same recruiter when they share an identifier; a mention that shares
identifiers with several recruiters known so far shows they are one, and they are merged
(`plan_link`). `network_drawing` lays out a recruiter's network for the page's SVG.

Everything here is pure: strings in, frozen values out.
"""

import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import phonenumbers

from fieldcheck.domain.names import name_tokens

PHONE, HANDLE, ACCOUNT, NAME_AGENCY = "phone", "handle", "account", "name_agency"
KINDS = (PHONE, HANDLE, ACCOUNT, NAME_AGENCY)
# The answers a mention is read from, by their names in the intake form and the interview.
ANSWERS = (
    "recruiter_name",
    "recruiter_phone",
    "recruiter_agency",
    "recruiter_handle",
    "recruiter_account",
)
MAX_NAME = 200
MAX_HANDLE = 100
MAX_ACCOUNT = 40
MIN_ACCOUNT_DIGITS = 6  # shorter is no account number (a typo, a branch code)

# Legal forms and words every agency's name may or may not carry: "PT", "CV", "UD", "Tbk";
# "P3MI"/"PPTKIS" (licensed placement companies), "LPK" (a training institute) are kept: they
# say what kind of body it is.
AGENCY_FORMS = frozenset({"pt", "cv", "ud", "tbk", "persero", "ltd", "co", "inc", "sdn", "bhd"})
# Sites a handle is often written with: "t.me/rina", "instagram.com/rina", "wa.me/62812...".
_HANDLE_SITE = re.compile(
    r"^(?:https?://)?(?:www\.)?"
    r"(?:t\.me|telegram\.me|instagram\.com|facebook\.com|fb\.com|tiktok\.com|x\.com|"
    r"twitter\.com|line\.me/ti/p)/+",
    re.IGNORECASE,
)
_HANDLE_CHARS = re.compile(r"[^0-9a-z._\-]")
_WORDS = re.compile(r"[^0-9a-z]+")


@dataclass(frozen=True)
class Identifier:
    """What ties mentions of one recruiter together: a kind (KINDS) and a normalised value."""

    kind: str
    value: str


@dataclass(frozen=True)
class Mention:
    """A recruiter (or only an agency) as one answer names them, as written, trimmed."""

    name: str | None = None
    phone: str | None = None
    agency: str | None = None
    handle: str | None = None
    account: str | None = None

    @property
    def names_a_recruiter(self) -> bool:
        """Whether it says anything of a person (not only of an agency)."""
        return any((self.name, self.phone, self.handle, self.account))


def _trimmed(value, limit: int) -> str | None:
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())[:limit]
    return text or None


def mention_from(answers: Mapping) -> Mention | None:
    """The recruiter an intake form or an interview names (its `ANSWERS`), or None: nobody."""
    mention = Mention(
        name=_trimmed(answers.get("recruiter_name"), MAX_NAME),
        phone=_trimmed(answers.get("recruiter_phone"), 40),
        agency=_trimmed(answers.get("recruiter_agency"), MAX_NAME),
        handle=_trimmed(answers.get("recruiter_handle"), MAX_HANDLE),
        account=_trimmed(answers.get("recruiter_account"), MAX_ACCOUNT),
    )
    if not mention.names_a_recruiter and not mention.agency:
        return None
    return mention


@functools.lru_cache(maxsize=4096)  # a syndicate's few numbers recur in many interviews
def normalise_phone(text: str | None) -> str | None:
    """A phone in E.164, read as Indonesian unless it has its own country code; None when it
    cannot be a phone number."""
    if not text or not isinstance(text, str):
        return None
    try:
        number = phonenumbers.parse(text, "ID")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_handle(text: str | None) -> str | None:
    """A social-media or messaging handle: lower case, no "@", no site address before it."""
    if not text or not isinstance(text, str):
        return None
    handle = _HANDLE_SITE.sub("", text.strip()).lstrip("@").strip().strip("/").casefold()
    handle = _HANDLE_CHARS.sub("", handle)
    return handle or None


def normalise_account(text: str | None) -> str | None:
    """A bank account number: its digits (spaces, dots and dashes are how it is written)."""
    if not text or not isinstance(text, str):
        return None
    digits = "".join(ch for ch in text if ch.isdigit())
    return digits if len(digits) >= MIN_ACCOUNT_DIGITS else None


@functools.lru_cache(maxsize=4096)  # a push folds each name it links twice, and names recur
def fold_name(name: str | None) -> str | None:
    """A person's name as compared: fieldcheck.domain.names' words, in alphabetical order."""
    words = sorted(name_tokens(name))
    return " ".join(words) or None


@functools.lru_cache(maxsize=4096)
def fold_agency(name: str | None) -> str | None:
    """An agency's name as compared: lower-case ASCII words, without legal forms ("PT.")."""
    if not name or not isinstance(name, str):
        return None
    text = unicodedata.normalize("NFKD", name.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    words = [w for w in _WORDS.split(text) if w and w not in AGENCY_FORMS]
    return " ".join(words) or None


def identifiers(mention: Mention) -> tuple[Identifier, ...]:
    """The identifiers that link a mention to others: phone, handle, account, and the name only
    together with an agency (a name alone never links two people)."""
    found = []
    phone = normalise_phone(mention.phone)
    if phone:
        found.append(Identifier(PHONE, phone))
    handle = normalise_handle(mention.handle)
    if handle:
        found.append(Identifier(HANDLE, handle))
    account = normalise_account(mention.account)
    if account:
        found.append(Identifier(ACCOUNT, account))
    name, agency = fold_name(mention.name), fold_agency(mention.agency)
    if name and agency:
        found.append(Identifier(NAME_AGENCY, f"{name} | {agency}"))
    return tuple(found)


def same_recruiter(a: Mention, b: Mention) -> bool:
    """Whether two mentions are one recruiter: they share an identifier."""
    return bool(set(identifiers(a)) & set(identifiers(b)))


@dataclass(frozen=True)
class LinkPlan:
    """Where a mention goes: the recruiter it joins (None: a new one) and the recruiters it
    shows to be the same one, to merge into it."""

    recruiter: int | None
    merge: tuple[int, ...] = ()


def plan_link(known: Mapping[Identifier, int]) -> LinkPlan:
    """For the recruiters already holding some of a mention's identifiers (identifier ->
    recruiter id): the one it joins, the oldest (lowest id), and the others, merged into it."""
    ids = sorted(set(known.values()))
    if not ids:
        return LinkPlan(None)
    return LinkPlan(ids[0], tuple(ids[1:]))


# --- the network drawing ----------------------------------------------------------------------

# Columns of the drawing, left to right: what identifies the recruiters and the agencies they
# work for, the recruiters, the cases that name them, the offices of those cases. Every line
# joins neighbouring columns, so none crosses a box.
COLUMNS = ("identifier", "recruiter", "case", "office")
WIDTH = 960
COLUMN_X = (10, 260, 510, 760)
BOX_WIDTH = 190
BOX_HEIGHT = 36
ROW = 48
TOP = 44
LABEL_CHARS = 24  # what fits a box at the drawing's 13 px text
MAX_PER_COLUMN = 12  # more is summed up in one box ("+ 30 more")


@dataclass(frozen=True)
class Node:
    """A thing in the network: its column (COLUMNS), a key unique in the drawing, its label,
    a style word for the CSS class, and its link (or None)."""

    column: str
    key: str
    label: str
    style: str = ""
    href: str | None = None


@dataclass(frozen=True)
class Box:
    """A node placed: its top-left corner and its label cut to fit."""

    node: Node
    x: int
    y: int
    text: str
    width: int = BOX_WIDTH
    height: int = BOX_HEIGHT

    @property
    def classes(self) -> str:
        """Its CSS classes: the column's and the style's (app.css draws them)."""
        return f"node-{self.node.column} node-{self.node.style}"


@dataclass(frozen=True)
class Line:
    """An edge drawn from the right side of one box to the left side of another."""

    x1: int
    y1: int
    x2: int
    y2: int
    style: str = ""


@dataclass(frozen=True)
class Drawing:
    """The network laid out: its size, its boxes and lines, and the column headings' places."""

    width: int
    height: int
    boxes: tuple[Box, ...]
    lines: tuple[Line, ...]
    headings: tuple[tuple[str, int], ...] = field(default=())

    @property
    def path(self) -> str:
        """Every line as one SVG path's `d` (one element to draw, not one a line)."""
        return " ".join(f"M{a.x1} {a.y1}L{a.x2} {a.y2}" for a in self.lines)


def _cut(text: str, limit: int = LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def network_drawing(
    nodes: Sequence[Node], edges: Iterable[tuple[str, str]], *, more: Mapping[str, str] = None
) -> Drawing:
    """Lay out a network in COLUMNS: each node a box in its column, in the order given, at most
    MAX_PER_COLUMN a column (`more` gives the label of the box that stands for the rest, by
    column); each edge (key, key) a line between the boxes it joins, left to right."""
    more = more or {}
    by_column: dict[str, list[Node]] = {c: [] for c in COLUMNS}
    for node in nodes:
        if node.column not in by_column:
            raise ValueError(f"unknown column {node.column!r}")
        by_column[node.column].append(node)
    placed: dict[str, Box] = {}
    boxes = []
    tallest = 1
    for index, column in enumerate(COLUMNS):
        shown = by_column[column][:MAX_PER_COLUMN]
        hidden = len(by_column[column]) - len(shown)
        if hidden > 0:
            label = more.get(column, "+{n}").format(n=hidden)
            shown = [*shown, Node(column, f"{column}:more", label, "more")]
        tallest = max(tallest, len(shown))
        for row, node in enumerate(shown):
            box = Box(node, COLUMN_X[index], TOP + row * ROW, _cut(node.label))
            placed[node.key] = box
            boxes.append(box)
    lines = []
    for a, b in edges:
        left, right = placed.get(a), placed.get(b)
        if left is None or right is None:
            continue  # one end is in a "+ more" box: the table lists it
        if left.x > right.x:
            left, right = right, left
        lines.append(
            Line(
                left.x + left.width,
                left.y + left.height // 2,
                right.x,
                right.y + right.height // 2,
                right.node.style,
            )
        )
    height = TOP + tallest * ROW
    headings = tuple((column, COLUMN_X[i]) for i, column in enumerate(COLUMNS))
    return Drawing(WIDTH, height, tuple(boxes), tuple(lines), headings)


# --- what a case's recruiters bring to its risk -------------------------------------------------


@dataclass(frozen=True)
class Ties:
    """What the recruiters a case names are tied to elsewhere: other cases (of any office),
    the offices those are in, how many of them were refused, and the records of repatriated
    trafficking victims who named them (other than the case's own applicant's)."""

    other_cases: int = 0
    offices: int = 0
    refused: int = 0
    victims: int = 0

    @property
    def any(self) -> bool:
        """Whether the recruiters are tied to anything elsewhere."""
        return bool(self.other_cases or self.victims)


class LinkedCase(NamedTuple):
    """A case a recruiter is linked to, as its ties count it."""

    office_id: int
    refused: bool


def tally_ties(
    case_id: int,
    linked: Iterable[Mapping[int, LinkedCase]],
    victims: Iterable[Mapping[int, int | None]] = (),
    summed: Mapping[LinkedCase, int] | None = None,
) -> Ties:
    """A case's ties from the cases each of its recruiters is linked to (case id -> LinkedCase,
    one mapping a recruiter) and the repatriated victims' records that name them (victim id ->
    the case the record matched, or None), the case itself and its own applicant's records not
    counted: as queries.ties_of_case counts them. `summed`: more cases, counted by office and
    refusal (LinkedCase -> how many), none of them the case itself or in `linked`."""
    others = {}
    for cases in linked:
        others.update(cases)
    others.pop(case_id, None)
    summed = {kind: n for kind, n in (summed or {}).items() if n}
    named_by = {}
    for records in victims:
        named_by.update(records)
    return Ties(
        len(others) + sum(summed.values()),
        len({case.office_id for case in [*others.values(), *summed]}),
        sum(case.refused for case in others.values())
        + sum(n for kind, n in summed.items() if kind.refused),
        sum(1 for matched in named_by.values() if matched != case_id),
    )


def ties_facts(ties: Ties) -> dict:
    """The risk-signal facts (fieldcheck.domain.signals) of a case's recruiter ties; none when
    the case names no recruiter seen elsewhere."""
    if not ties.any:
        return {}
    return {
        "recruiter.seen_in_other_cases": ties.other_cases,
        "recruiter.offices": ties.offices,
        "recruiter.refused_cases": ties.refused,
        "recruiter.repatriated_victims": ties.victims,
    }
