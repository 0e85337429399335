"""Risk signals: a rules file (TOML) of weighted signals, evaluated against the facts of a case.

The rules are data, never code: a condition is a tree of `{ field, op, value }` items and
`{ all = [...] }` / `{ any = [...] }` groups, checked at load and turned into small closures.
Nothing is passed to eval, exec or a template language; reasons are filled by a parser that
only knows dotted fact names. The default file is `risk_signals.toml` beside this module; an
office may override it with its own file.

Facts: the app passes a flat dict with these dotted keys (absent or None means unknown, and
unknown is not evidence: a condition on an unknown fact is false, except `missing`).

applicant.sex                      "F" or "M"
applicant.age                      int, whole years on the application date
applicant.marital_status           "single", "married", "divorced", "widowed"
application.destination_country    ISO 3166 alpha-2 code, e.g. "KH"
application.purpose                "work", "tourism", "family_visit", "study", "pilgrimage",
                                   "business", "other"
application.visa_type              "visit", "tourist", "work", "student", "none", "unknown" (*)
application.documents              list of documents presented: "ktp" (identity card), "kk"
                                   (family card), "birth_certificate", "diploma",
                                   "marriage_certificate", "parents_consent",
                                   "husband_statement", "employment_contract"
application.sponsor_is_employer    bool: the stated sponsor is an employer
referral.age_doubted               bool: the intake officer doubts the stated age
identity.nik_mismatch_count        int: items encoded in the NIK (sex, date of birth, region)
                                   that differ from the stated data
identity.outside_office_area       bool: the NIK's region is outside the office's area
interview.job_offer_channel        "social_media", "messaging_app", "online_ad", "recruiter",
                                   "agency", "friend_or_family", "walk_in", "none" (*)
interview.costs_paid_by            "self", "family", "employer", "recruiter", "other" (*)
interview.promised_salary_idr      int, rupiah per month
interview.contract_seen            bool: the applicant has seen an employment contract (*);
                                   intake's answer: one is among the documents presented
household.aware_of_trip            bool: the household knows of the trip
household.purpose_matches          bool: the household tells the same purpose
registry.mismatch_count            int: records the civil registry (Dukcapil) says differ
registry.not_found_count           int: records the civil registry could not find
family.card_mismatch_count         int: family-tree members that differ from the family card
recruiter.seen_in_other_cases      int: other cases, of any office, that name a recruiter this
                                   case names (the same phone, handle or bank account, or the
                                   same name with the same agency: fieldcheck.domain.recruiters)
recruiter.offices                  int: the offices those other cases are in
recruiter.refused_cases            int: those of them that were refused
recruiter.repatriated_victims      int: records of repatriated trafficking victims (loaded at
                                   headquarters) that name a recruiter this case names
history.refused_office             text: the other office that refused the same applicant (same
                                   NIK, or same name and birth date) within 24 months
history.refused_on                 date: the day of that refusal
history.in_check_office            text: the other office where the same applicant is under a
                                   field check, referred within 24 months
history.in_check_since             date: the day that application was made
prevention.listed                  bool: the applicant or a family member is on the national
                                   prevention list (daftar cegah) in force

(*) Answered at intake and again in the field (fieldcheck.domain.visits.BOTH_ANSWER): the fact
holds the field's answer when the visit gave one, else intake's, so a contract seen or a visa
type found in the field counts, whichever way it turns the signal.

Operators: eq, ne, in, not_in (a list, or "@name" of a list in [lists]); lt, le, gt, ge
(numbers); is_true, is_false (yes/no facts); contains, not_contains (a list fact holds, or does
not hold, a value); exists, missing (any fact, no value). A date fact takes only exists and
missing; a reason writes it in words ("5 Maret 2026", "5 March 2026").
"""

import functools
import hashlib
import re
import string
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, NamedTuple

LANGUAGES = ("id", "en")
LEVELS = ("low", "medium", "high")

TEXT, INT, BOOL, LIST, DATE = "text", "int", "bool", "list", "date"


@dataclass(frozen=True)
class Fact:
    """What one fact may hold: its kind, and for closed vocabularies the allowed values."""

    kind: str
    values: frozenset[str] = frozenset()
    pattern: str | None = None


def _choice(*values: str) -> Fact:
    return Fact(TEXT, frozenset(values))


DOCUMENTS = frozenset(
    {
        "ktp",
        "kk",
        "birth_certificate",
        "diploma",
        "marriage_certificate",
        "parents_consent",
        "husband_statement",
        "employment_contract",
    }
)

FACTS: dict[str, Fact] = {
    "applicant.sex": _choice("F", "M"),
    "applicant.age": Fact(INT),
    "applicant.marital_status": _choice("single", "married", "divorced", "widowed"),
    "application.destination_country": Fact(TEXT, pattern=r"[A-Z]{2}"),
    "application.purpose": _choice(
        "work", "tourism", "family_visit", "study", "pilgrimage", "business", "other"
    ),
    "application.visa_type": _choice("visit", "tourist", "work", "student", "none", "unknown"),
    "application.documents": Fact(LIST, DOCUMENTS),
    "application.sponsor_is_employer": Fact(BOOL),
    "referral.age_doubted": Fact(BOOL),
    "identity.nik_mismatch_count": Fact(INT),
    "identity.outside_office_area": Fact(BOOL),
    "interview.job_offer_channel": _choice(
        "social_media",
        "messaging_app",
        "online_ad",
        "recruiter",
        "agency",
        "friend_or_family",
        "walk_in",
        "none",
    ),
    "interview.costs_paid_by": _choice("self", "family", "employer", "recruiter", "other"),
    "interview.promised_salary_idr": Fact(INT),
    "interview.contract_seen": Fact(BOOL),
    "household.aware_of_trip": Fact(BOOL),
    "household.purpose_matches": Fact(BOOL),
    "registry.mismatch_count": Fact(INT),
    "registry.not_found_count": Fact(INT),
    "family.card_mismatch_count": Fact(INT),
    "recruiter.seen_in_other_cases": Fact(INT),
    "recruiter.offices": Fact(INT),
    "recruiter.refused_cases": Fact(INT),
    "recruiter.repatriated_victims": Fact(INT),
    # Issue 16: the applicant seen in another office, and the prevention list.
    "history.refused_office": Fact(TEXT),
    "history.refused_on": Fact(DATE),
    "history.in_check_office": Fact(TEXT),
    "history.in_check_since": Fact(DATE),
    "prevention.listed": Fact(BOOL),
}

NO_VALUE = frozenset({"is_true", "is_false", "exists", "missing"})
OPERATORS_BY_KIND = {
    TEXT: frozenset({"eq", "ne", "in", "not_in", "exists", "missing"}),
    INT: frozenset({"eq", "ne", "in", "not_in", "lt", "le", "gt", "ge", "exists", "missing"}),
    BOOL: frozenset({"is_true", "is_false", "exists", "missing"}),
    LIST: frozenset({"contains", "not_contains", "exists", "missing"}),
    DATE: frozenset({"exists", "missing"}),
}
OPERATORS = frozenset().union(*OPERATORS_BY_KIND.values())
KIND_NAMES = {TEXT: "a text", INT: "a number", BOOL: "a yes/no", LIST: "a list", DATE: "a date"}

SIGNAL_KEYS = ("id", "weight", "title_id", "title_en", "reason_id", "reason_en")
TOP_KEYS = frozenset({"version", "levels", "lists", "labels", "signal"})

# Words for a fact value the reason has no label for.
UNKNOWN = {"id": "tidak diketahui", "en": "unknown"}
NOTHING = {"id": "tidak ada", "en": "none"}
YES_NO = {"id": ("ya", "tidak"), "en": ("yes", "no")}
# Indonesian writes 15.000.000 where English writes 15,000,000.
DIGIT_MARKS = {"id": str.maketrans(",.", ".,"), "en": str.maketrans("", "")}
# A date in a reason: "5 Maret 2026", "5 March 2026".
MONTHS = {
    "id": (
        "Januari", "Februari", "Maret", "April", "Mei", "Juni",
        "Juli", "Agustus", "September", "Oktober", "November", "Desember",
    ),
    "en": (
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ),
}  # fmt: skip

SLUG = re.compile(r"[a-z][a-z0-9]*(?:[_-][a-z0-9]+)*")
LIST_NAME = re.compile(r"[a-z][a-z0-9_]*")
VERSION = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]*")
TOML_POSITION = re.compile(r"\s*\((?:at line (\d+), column \d+|at end of document)\)$")
HEADER = re.compile(r"^\s*\[\[?\s*([^\[\]#]+?)\s*\]\]?\s*(?:#.*)?$")

Condition = Callable[[Mapping[str, Any]], bool]
Template = tuple[tuple[str, str | None], ...]


class RulesError(Exception):
    """A rules file that cannot be used, with where (line, or None) and what is wrong."""

    def __init__(self, source: str, line: int | None, problem: str):
        self.source = source
        self.line = line
        self.problem = problem
        where = f"{source} line {line}" if line is not None else source
        super().__init__(f"{where}: {problem}")


@dataclass(frozen=True)
class Signal:
    """One risk signal of a rules file, its condition compiled."""

    id: str
    weight: int
    titles: Mapping[str, str]
    reasons: Mapping[str, str]
    fields: frozenset[str]
    condition: Condition = field(repr=False, compare=False)
    templates: Mapping[str, Template] = field(repr=False, compare=False)

    @functools.cached_property
    def named(self) -> tuple[str, ...]:
        """The facts its reasons name, in any language."""
        return tuple(
            sorted({name for t in self.templates.values() for _, name in t if name is not None})
        )


@dataclass(frozen=True)
class Rules:
    """A checked rules file: its version (file version + content hash) and its signals."""

    version: str
    signals: tuple[Signal, ...]
    thresholds: Mapping[str, int]
    lists: Mapping[str, tuple]
    labels: Mapping[str, Mapping[str, Mapping[str, str]]]
    source: str
    # Signals fired so far: (signal id, the values of the facts its reasons name) -> the
    # FiredSignal in each language.
    rendered: dict = field(default_factory=dict, repr=False, compare=False)

    def level_for(self, score: int) -> str:
        """The level a summed weight reaches: "high", "medium" or "low"."""
        if score >= self.thresholds["high"]:
            return "high"
        if score >= self.thresholds["medium"]:
            return "medium"
        return "low"


class FiredSignal(NamedTuple):
    """A signal that fired for a case, with its title and reason in the requested language."""

    id: str
    weight: int
    title: str
    reason: str


@dataclass(frozen=True)
class Evaluation:
    """The signals that fired, their summed weight and the level it reaches."""

    fired: list[FiredSignal]
    score: int
    level: str
    rules_version: str


def default_rules_path() -> Path:
    """The rules file shipped with FieldCheck."""
    return Path(__file__).with_name("risk_signals.toml")


def load_rules_file(path: str | Path) -> Rules:
    """Read and check a rules file; RulesError says which line is wrong and why."""
    source = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise RulesError(source, None, f"cannot read the file: {exc.strerror}") from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise RulesError(source, line, "the file is not UTF-8 text") from exc
    return load_rules(text, source)


def load_rules(text: str, source: str = "<rules>") -> Rules:
    """Parse and check rules from TOML text; RulesError says which line is wrong and why."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        position = TOML_POSITION.search(message)
        if position is None:
            raise RulesError(source, None, message) from exc
        line = int(position.group(1)) if position.group(1) else max(1, len(text.splitlines()))
        raise RulesError(source, line, message[: position.start()]) from exc
    return _Loader(text, source).load(document)


def evaluate(rules: Rules, facts: Mapping[str, Any], language: str = "id") -> Evaluation:
    """Which signals the facts fire, why (in `language`, "id" or "en"), the score and level."""
    return evaluate_in(rules, facts, (language,))[language]


def evaluate_in(
    rules: Rules, facts: Mapping[str, Any], languages=LANGUAGES
) -> dict[str, Evaluation]:
    """`evaluate` in several languages at once: the conditions are checked once."""
    for language in languages:
        if language not in LANGUAGES:
            raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, not {language!r}")
    hits = [signal for signal in rules.signals if signal.condition(facts)]
    score = sum(signal.weight for signal in hits)
    level = rules.level_for(score)
    fired = [_fired(rules, signal, facts) for signal in hits]
    return {
        language: Evaluation(
            [each[language] for each in fired],
            score,
            level,
            rules.version,
        )
        for language in languages
    }


def check_facts(facts: Mapping[str, Any]) -> list[str]:
    """Problems with a facts dict (unknown keys, wrong kinds, unknown values); [] when fine.

    evaluate() does not check, to stay fast; the app calls this in its tests and when it
    builds facts in a new way, because a misspelt key would silently never fire.
    """
    problems = []
    for name, value in facts.items():
        fact = FACTS.get(name)
        if fact is None:
            problems.append(f"unknown fact {name!r}")
        elif value is None:
            continue
        elif fact.kind != LIST:
            problems.extend(filter(None, [_value_problem(name, fact, value)]))
        elif not isinstance(value, list | tuple | set | frozenset):
            problems.append(f"{name} must be a list, not {value!r}")
        else:
            problems.extend(filter(None, (_value_problem(name, fact, v, True) for v in value)))
    return problems


def _value_problem(name: str, fact: Fact, value: Any, element: bool = False) -> str | None:
    """Why `value` cannot be compared with fact `name` (an element, for list facts), or None."""
    kind = TEXT if element else fact.kind
    if kind == INT:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"{name} is a number, not {value!r}"
    elif kind == BOOL:
        if not isinstance(value, bool):
            return f"{name} is yes/no (true or false), not {value!r}"
    elif kind == DATE:
        if not isinstance(value, date) or isinstance(value, datetime):
            return f"{name} is a date, not {value!r}"
    elif kind == TEXT:
        if not isinstance(value, str):
            return f"{name} holds text, not {value!r}"
        if fact.values and value not in fact.values:
            return f"{value!r} is not a value of {name} (one of: {', '.join(sorted(fact.values))})"
        if fact.pattern and not re.fullmatch(fact.pattern, value):
            return f"{value!r} is not a valid {name} (an ISO 3166 code such as 'KH')"
    return None


# --- compiling conditions -------------------------------------------------------------------


def _compile_leaf(name: str, op: str, value: Any) -> Condition:
    """A closure for one `{ field, op, value }` item; an unknown fact makes it false."""
    if op == "eq":
        return lambda facts: facts.get(name) == value
    if op == "ne":
        return lambda facts: (v := facts.get(name)) is not None and v != value
    if op == "in":
        return lambda facts: facts.get(name) in value
    if op == "not_in":
        return lambda facts: (v := facts.get(name)) is not None and v not in value
    if op == "lt":
        return lambda facts: (v := facts.get(name)) is not None and v < value
    if op == "le":
        return lambda facts: (v := facts.get(name)) is not None and v <= value
    if op == "gt":
        return lambda facts: (v := facts.get(name)) is not None and v > value
    if op == "ge":
        return lambda facts: (v := facts.get(name)) is not None and v >= value
    if op == "is_true":
        return lambda facts: facts.get(name) is True
    if op == "is_false":
        return lambda facts: facts.get(name) is False
    if op == "contains":
        return lambda facts: (v := facts.get(name)) is not None and value in v
    if op == "not_contains":
        return lambda facts: (v := facts.get(name)) is not None and value not in v
    if op == "exists":
        return lambda facts: facts.get(name) is not None
    if op == "missing":
        return lambda facts: facts.get(name) is None
    raise AssertionError(op)  # the loader only passes known operators


def _compile_all(conditions: tuple[Condition, ...]) -> Condition:
    if len(conditions) == 1:
        return conditions[0]

    def check(facts):
        for condition in conditions:  # noqa: SIM110 - a loop is much faster than all(generator)
            if not condition(facts):
                return False
        return True

    return check


def _compile_any(conditions: tuple[Condition, ...]) -> Condition:
    if len(conditions) == 1:
        return conditions[0]

    def check(facts):
        for condition in conditions:  # noqa: SIM110 - a loop is much faster than any(generator)
            if condition(facts):
                return True
        return False

    return check


# --- reasons --------------------------------------------------------------------------------


# How many reasons a Rules keeps rendered (all are dropped when it holds more).
RENDERED_KEPT = 10_000


def _fired(rules: Rules, signal: Signal, facts: Mapping[str, Any]) -> dict[str, FiredSignal]:
    """A fired signal with its title and reason in each language, its reasons rendered once
    for the values of the facts they name (which recur from case to case: a reason names a few
    counts, codes and dates)."""
    values = tuple(map(facts.get, signal.named))
    key = (signal.id, values, tuple(map(type, values)))  # by type too: a yes is not a 1
    try:
        fired = rules.rendered.get(key)
    except TypeError:  # a list's value: kept by its items
        values = tuple(map(_hashable, values))
        key = (signal.id, values, tuple(map(type, values)))
        try:
            fired = rules.rendered.get(key)
        except TypeError:  # a value of no kind the facts have: rendered, not kept
            key = fired = None
    if fired is None:
        fired = {
            language: FiredSignal(
                signal.id,
                signal.weight,
                signal.titles[language],
                _render(
                    signal.templates[language], facts, rules.labels.get(language, {}), language
                ),
            )
            for language in LANGUAGES
        }
        if key is not None:
            if len(rules.rendered) >= RENDERED_KEPT:
                rules.rendered.clear()
            rules.rendered[key] = fired
    return fired


def _hashable(value: Any) -> Any:
    """A list fact's value as a tuple (a set as a frozenset), to key the rendered reasons."""
    if isinstance(value, list):
        return tuple(value)
    if isinstance(value, set):
        return frozenset(value)
    return value


def _render(
    template: Template, facts: Mapping[str, Any], labels: Mapping[str, Mapping], language: str
) -> str:
    parts = []
    for literal, name in template:
        parts.append(literal)
        if name is not None:
            parts.append(_display(facts.get(name), labels.get(name, {}), language))
    return "".join(parts)


def _display(value: Any, labels: Mapping[str, str], language: str) -> str:
    if type(value) is str:
        return labels.get(value, value)
    if value is None:
        return UNKNOWN[language]
    if isinstance(value, bool):
        return YES_NO[language][0 if value else 1]
    if isinstance(value, date) and not isinstance(value, datetime):
        return f"{value.day} {MONTHS[language][value.month - 1]} {value.year}"
    if isinstance(value, int | float):
        return f"{value:,}".translate(DIGIT_MARKS[language])
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value) if isinstance(value, set | frozenset) else value
        if not items:
            return NOTHING[language]
        return ", ".join(_display(item, labels, language) for item in items)
    return labels.get(value, str(value))


# --- loading --------------------------------------------------------------------------------


class _Locator:
    """Finds the line of a table, a key or a quoted value in the text, for error messages."""

    def __init__(self, text: str):
        self.lines = text.splitlines()
        self.headers: list[tuple[str, int]] = []
        for index, line in enumerate(self.lines):
            match = HEADER.match(line)
            if match:
                name = re.sub(r"\s*\.\s*", ".", match.group(1)).replace('"', "")
                self.headers.append((name.replace("'", ""), index))

    def table(self, name: str, nth: int = 0) -> tuple[int, int] | None:
        """(first, end) line indices of the nth table with this header, or None."""
        matches = [k for k, (header, _) in enumerate(self.headers) if header == name]
        if nth >= len(matches):
            return None
        k = matches[nth]
        end = self.headers[k + 1][1] if k + 1 < len(self.headers) else len(self.lines)
        return self.headers[k][1], end

    def top(self) -> tuple[int, int]:
        return 0, self.headers[0][1] if self.headers else len(self.lines)

    def key(self, bounds: tuple[int, int] | None, key: str) -> int | None:
        pattern = re.compile(rf"^\s*(?:{re.escape(key)}|\"{re.escape(key)}\")\s*=")
        return self._first(bounds, pattern.search)

    def quoted(self, bounds: tuple[int, int] | None, value: str) -> int | None:
        needles = (f'"{value}"', f"'{value}'")
        return self._first(bounds, lambda line: any(n in line for n in needles))

    def header(self, bounds: tuple[int, int] | None) -> int | None:
        return bounds[0] + 1 if bounds else None

    def _first(self, bounds, matches) -> int | None:
        if bounds is None:
            return None
        for index in range(*bounds):
            if matches(self.lines[index]):
                return index + 1
        return None


class _Loader:
    """Checks a parsed rules document and builds Rules; the first problem raises RulesError."""

    def __init__(self, text: str, source: str):
        self.text = text
        self.source = source
        self.where = _Locator(text)

    def fail(self, problem: str, *lines: int | None):
        line = next((n for n in lines if n is not None), None)
        raise RulesError(self.source, line, problem)

    def load(self, document: dict) -> Rules:
        for key in document:
            if key not in TOP_KEYS:
                self.fail(
                    f"unknown top-level key {key!r} (expected: {', '.join(sorted(TOP_KEYS))})",
                    self.where.key(self.where.top(), key),
                    self.where.header(self.where.table(key)),
                )
        version = self.check_version(document)
        thresholds = self.check_levels(document)
        self.lists = self.check_lists(document)
        labels = self.check_labels(document)
        signals = self.check_signals(document)
        digest = hashlib.sha256(self.text.encode("utf-8")).hexdigest()[:8]
        return Rules(f"{version}+{digest}", signals, thresholds, self.lists, labels, self.source)

    def check_version(self, document: dict) -> str:
        line = self.where.key(self.where.top(), "version")
        if "version" not in document:
            self.fail("missing top-level key 'version' (e.g. version = \"2026.11.1\")", 1)
        version = document["version"]
        if not isinstance(version, str) or not VERSION.fullmatch(version):
            self.fail(f'version must be text such as "2026.11.1", not {version!r}', line)
        return version

    def check_levels(self, document: dict) -> dict[str, int]:
        bounds = self.where.table("levels")
        levels = document.get("levels")
        if not isinstance(levels, dict):
            self.fail(
                "missing [levels] table (medium = ..., high = ...)", self.where.header(bounds)
            )
        for name in levels:
            if name not in ("medium", "high"):
                self.fail(
                    f"[levels]: unknown level {name!r} (expected medium and high; below medium "
                    "is low)",
                    self.where.key(bounds, name),
                )
        for name in ("medium", "high"):
            if name not in levels:
                self.fail(f"[levels]: missing {name!r}", self.where.header(bounds))
            value = levels[name]
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                self.fail(
                    f"[levels]: {name} must be a whole number of 1 or more, not {value!r}",
                    self.where.key(bounds, name),
                )
        if levels["medium"] >= levels["high"]:
            self.fail(
                f"[levels]: thresholds must ascend, but medium ({levels['medium']}) is not below "
                f"high ({levels['high']})",
                self.where.key(bounds, "high"),
            )
        return {"medium": levels["medium"], "high": levels["high"]}

    def check_lists(self, document: dict) -> dict[str, tuple]:
        bounds = self.where.table("lists")
        lists = document.get("lists", {})
        if not isinstance(lists, dict):
            self.fail(
                "[lists] must be a table of named lists", self.where.key(self.where.top(), "lists")
            )
        checked = {}
        for name, values in lists.items():
            line = self.where.key(bounds, name)
            if not LIST_NAME.fullmatch(name):
                self.fail(f"[lists]: name {name!r} must be lower_case_with_underscores", line)
            if not isinstance(values, list) or not values:
                self.fail(f"[lists]: {name} must be a non-empty list", line)
            kinds = {type(v) for v in values}
            if not (kinds <= {str} or kinds <= {int}):
                self.fail(f"[lists]: {name} must hold only texts or only whole numbers", line)
            checked[name] = tuple(values)
        return checked

    def check_labels(self, document: dict) -> dict[str, dict[str, dict[str, str]]]:
        labels = document.get("labels", {})
        top = self.where.header(self.where.table("labels"))
        if not isinstance(labels, dict):
            self.fail("[labels] must be a table per language", top)
        checked: dict[str, dict[str, dict[str, str]]] = {}
        for language, by_fact in labels.items():
            bounds = self.where.table(f"labels.{language}")
            here = self.where.header(bounds)
            if language not in LANGUAGES:
                self.fail(f"[labels]: unknown language {language!r} (id or en)", here, top)
            if not isinstance(by_fact, dict):
                self.fail(f"[labels.{language}] must be a table of facts", here, top)
            checked[language] = {}
            for name, words in by_fact.items():
                line = (
                    self.where.key(bounds, name)
                    or self.where.header(self.where.table(f"labels.{language}.{name}"))
                    or here
                )
                fact = FACTS.get(name)
                if fact is None:
                    self.fail(f"[labels.{language}]: unknown field {name!r}", line, top)
                if not isinstance(words, dict):
                    self.fail(f"[labels.{language}]: {name} must map values to words", line, top)
                if fact.kind in (INT, BOOL, DATE):
                    problem = f"{name} is {KIND_NAMES[fact.kind]} fact: it needs no labels"
                    self.fail(f"[labels.{language}]: {problem}", line, top)
                for value, word in words.items():
                    problem = _value_problem(name, fact, value, element=fact.kind == LIST)
                    if problem:
                        self.fail(f"[labels.{language}]: {problem}", line, top)
                    if not isinstance(word, str) or not word.strip():
                        self.fail(f"[labels.{language}]: {name}.{value} must be a text", line)
                checked[language][name] = dict(words)
        return checked

    def check_signals(self, document: dict) -> tuple[Signal, ...]:
        signals = document.get("signal")
        if not isinstance(signals, list) or not signals:
            self.fail("no [[signal]] tables: a rules file needs at least one signal", None)
        first_line: dict[str, int | None] = {}
        checked = []
        for index, entry in enumerate(signals):
            bounds = self.where.table("signal", index)
            signal = self.check_signal(index, entry, bounds, first_line)
            checked.append(signal)
        return tuple(checked)

    def check_signal(self, index: int, entry: Any, bounds, first_line: dict) -> Signal:
        header = self.where.header(bounds)
        if not isinstance(entry, dict):
            self.fail(f"signal #{index + 1} must be a table", header)
        id_line = self.where.key(bounds, "id")
        if "id" not in entry:
            self.fail(f"signal #{index + 1}: missing key 'id'", header)
        signal_id = entry["id"]
        if not isinstance(signal_id, str) or not SLUG.fullmatch(signal_id):
            self.fail(
                f'signal #{index + 1}: id must be a slug such as "young_woman", not {signal_id!r}',
                id_line,
                header,
            )
        if bounds is None:  # signals written as an inline array: find the id instead
            id_line = next(
                (i + 1 for i, line in enumerate(self.where.lines) if f'"{signal_id}"' in line),
                None,
            )
        name = f"signal '{signal_id}'"
        if signal_id in first_line:
            seen = first_line[signal_id]
            at = f" (first at line {seen})" if seen else ""
            self.fail(f"{name}: duplicate id{at}", id_line, header)
        first_line[signal_id] = id_line

        for key in entry:
            if key not in SIGNAL_KEYS and key not in ("all", "any"):
                self.fail(f"{name}: unknown key {key!r}", self.where.key(bounds, key), id_line)
        for key in SIGNAL_KEYS:
            if key not in entry:
                self.fail(f"{name}: missing key {key!r}", id_line, header)

        weight = entry["weight"]
        if isinstance(weight, bool) or not isinstance(weight, int) or not 1 <= weight <= 100:
            self.fail(
                f"{name}: weight must be a whole number from 1 to 100, not {weight!r}",
                self.where.key(bounds, "weight"),
                id_line,
            )

        titles, reasons, templates = {}, {}, {}
        for language in LANGUAGES:
            key = f"title_{language}"
            title = entry[key]
            line = self.where.key(bounds, key)
            if not isinstance(title, str) or not title.strip():
                self.fail(f"{name}: {key} must be a non-empty text", line, id_line)
            if "{" in title or "}" in title:
                self.fail(f"{name}: {key} is plain text: put facts in the reason", line, id_line)
            titles[language] = title.strip()
            key = f"reason_{language}"
            reason = entry[key]
            line = self.where.key(bounds, key)
            if not isinstance(reason, str) or not reason.strip():
                self.fail(f"{name}: {key} must be a non-empty text", line, id_line)
            reasons[language] = reason.strip()
            templates[language] = self.check_template(name, key, reasons[language], line, id_line)

        groups = [key for key in ("all", "any") if key in entry]
        if len(groups) != 1:
            self.fail(
                f"{name}: needs exactly one condition, `all = [...]` or `any = [...]`", id_line
            )
        fields: set[str] = set()
        condition = self.check_group(name, groups[0], entry[groups[0]], bounds, id_line, fields)
        return Signal(signal_id, weight, titles, reasons, frozenset(fields), condition, templates)

    def check_template(self, name: str, key: str, text: str, *lines) -> Template:
        try:
            parsed = list(string.Formatter().parse(text))
        except ValueError as exc:
            self.fail(f"{name}: {key}: {exc} (write {{{{ and }}}} for literal braces)", *lines)
        pieces = []
        for literal, placeholder, spec, conversion in parsed:
            if placeholder is not None:
                if placeholder not in FACTS:
                    self.fail(
                        f"{name}: {key}: placeholder {{{placeholder}}} is not a known fact", *lines
                    )
                if spec or conversion:
                    self.fail(
                        f"{name}: {key}: placeholder {{{placeholder}}} takes no format or "
                        "conversion",
                        *lines,
                    )
            pieces.append((literal, placeholder))
        return tuple(pieces)

    def check_group(self, name, kind, items, bounds, id_line, fields) -> Condition:
        line = self.where.key(bounds, kind) or id_line
        if not isinstance(items, list) or not items:
            self.fail(f"{name}: `{kind}` must be a non-empty list of conditions", line)
        conditions = tuple(
            self.check_item(name, item, bounds, id_line, fields, line) for item in items
        )
        return _compile_all(conditions) if kind == "all" else _compile_any(conditions)

    def check_item(self, name, item, bounds, id_line, fields, group_line) -> Condition:
        if not isinstance(item, dict):
            self.fail(
                f"{name}: a condition must be a table {{ field, op, value }}, not {item!r}",
                group_line,
            )
        groups = [key for key in ("all", "any") if key in item]
        if groups:
            if len(item) != 1:
                self.fail(
                    f"{name}: a nested group holds only `all` or `any`, not "
                    f"{', '.join(sorted(item))}",
                    group_line,
                )
            return self.check_group(name, groups[0], item[groups[0]], bounds, id_line, fields)

        fact_name = item.get("field")
        op = item.get("op")

        def quoted(value: Any) -> int | None:
            return self.where.quoted(bounds, value) if isinstance(value, str) else None

        here = quoted(fact_name) or group_line
        for key in item:
            if key not in ("field", "op", "value"):
                self.fail(f"{name}: unknown key {key!r} in a condition", here)
        if fact_name is None or op is None:
            self.fail(f"{name}: a condition needs `field` and `op`", here)
        if fact_name not in FACTS:
            self.fail(f"{name}: unknown field {fact_name!r}", here)
        fact = FACTS[fact_name]
        if op not in OPERATORS:
            self.fail(f"{name}: unknown operator {op!r}", quoted(op), here)
        if op not in OPERATORS_BY_KIND[fact.kind]:
            self.fail(
                f"{name}: operator {op!r} does not apply to {fact_name}, {KIND_NAMES[fact.kind]} "
                f"fact (use one of: {', '.join(sorted(OPERATORS_BY_KIND[fact.kind]))})",
                quoted(op),
                here,
            )
        fields.add(fact_name)
        value = self.check_value(name, fact_name, fact, op, item, here, quoted)
        return _compile_leaf(fact_name, op, value)

    def check_value(self, name, fact_name, fact, op, item, here, quoted) -> Any:
        if op in NO_VALUE:
            if "value" in item:
                self.fail(f"{name}: operator {op!r} takes no value", here)
            return None
        if "value" not in item:
            self.fail(f"{name}: operator {op!r} needs a value", here)
        value = item["value"]
        at = quoted(value) or here

        if op in ("in", "not_in"):
            if isinstance(value, str) and value.startswith("@"):
                values = self.lists.get(value[1:])
                if values is None:
                    self.fail(f"{name}: list {value!r} is not defined in [lists]", at)
                origin = f" (in list {value!r})"
            elif isinstance(value, list) and value:
                values, origin = value, ""
            else:
                self.fail(
                    f'{name}: operator {op!r} needs a non-empty list or a "@list_name", '
                    f"not {value!r}",
                    at,
                )
            for element in values:
                problem = _value_problem(fact_name, fact, element)
                if problem:
                    self.fail(f"{name}: {problem}{origin}", quoted(element), at)
            return frozenset(values)

        if op in ("lt", "le", "gt", "ge"):
            if isinstance(value, bool) or not isinstance(value, int | float):
                self.fail(f"{name}: operator {op!r} needs a number, not {value!r}", at)
            return value

        problem = _value_problem(fact_name, fact, value, element=fact.kind == LIST)
        if problem:
            self.fail(f"{name}: operator {op!r}: {problem}", at)
        return value
