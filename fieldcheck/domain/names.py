"""Names as applicants write them and as the civil registry (Dukcapil) holds them.

A registry clerk answers "is the person named in this case the person in the registry?". The
same person's name reaches FieldCheck in many forms: with titles ("Hj. Siti Aminah, S.Pd"),
surname first ("Nurhaliza, Siti"), split or joined ("Siti Nur Haliza"), in the spelling before
the 1972 reform ("Soekarno", "Djoko", "Tjahjadi"), with the many spellings of Muslim given names
("Muhammad", "Mohamad", "Moh.", "M."), with a patronymic ("bin", "binti") or without, and with
typing mistakes. This module turns each into a comparable form and scores pairs.

Everything here is pure: strings and dicts in, numbers and frozen results out.

- `normalise_name(name)` -> the comparable form, one string of lower-case ASCII words.
- `name_tokens(name)` -> its words, in written order ("Last, First" is turned round).
- `name_similarity(a, b)` -> a score in [0, 1]: symmetric, 1.0 only when the normalised words
  are the same (in any order), robust to order, spacing, spelling variants, a missing middle
  name and small typos. `MATCH` and `POSSIBLE` say what a score means.
- `match_person(question, people)` -> registry people ranked for one question (`Candidate`).
- `NameIndex(people).lookup(question)` -> the same ranking, computed on a few hundred blocked
  candidates instead of every person: for pre-answering many questions against a large extract.

A question and a registry person are mappings with any of these keys:
``name`` (str), ``nik`` (16 digits, separators allowed), ``birth_date`` (`date` or ISO string),
``sex`` ("F"/"M", also "P"/"L" as on Indonesian forms). Missing values simply do not count.
"""

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

# rapidfuzz: the token comparison runs hundreds of thousands of times when the app pre-answers
# questions against a registry extract; its C++ edit distance is ~100x faster than pure Python.
from rapidfuzz.distance import OSA

# --- thresholds ---------------------------------------------------------------------------------

# name_similarity >= MATCH: the same name, as far as the name can tell. Reached by identical
# normalised names (1.0), split/joined words (0.98), one typo in a long word, one missing middle
# name (about 0.90-0.93), a patronymic on one side only (0.95). Different people with similar
# names stay below it: "Siti Nurhaliza"/"Siti Nurhasanah" 0.67, "Dewi Lestari"/"Dewi Lestiani"
# 0.84, "Agus Setiawan"/"Agus Setiadi" 0.76, "Muhammad Rizki"/"Muhammad Rizal" 0.76.
MATCH = 0.90
# POSSIBLE <= score < MATCH: possibly the same person, the clerk decides from the record.
# Typical: two missing middle names, two typos, a near-identical different name.
POSSIBLE = 0.80
# match_person and NameIndex.lookup list no candidate below this (a NIK hit is always listed).
CANDIDATE_FLOOR = 0.60

# --- what raises and lowers a candidate's score (match_person) ---------------------------------
BIRTH_DATE_AGREES = 0.06
BIRTH_DATE_DIFFERS = -0.15  # may be the very finding (a minor stating an adult's birth date)
SEX_AGREES = 0.02  # weak evidence: half of everyone agrees
SEX_DIFFERS = -0.20  # registry sex is reliable; an exact name with the same birth date drops
# to a possible match (0.86), as does one with another birth date (0.85 to 0.87)
NON_NIK_CEILING = 0.99  # only an equal NIK scores 1.0

# --- how names are compared (name_similarity) ---------------------------------------------------
JOIN_PENALTY = 0.02  # "Nur Haliza" against "Nurhaliza": same letters, not the same writing
JOIN_WORTH = 0.75  # neighbours are tried joined only when the joined word is this close to one
OPTIONAL_PATRONYMIC = 0.95  # "Siti Aminah binti Abdullah" against "Siti Aminah"
ONE_SIDED_PATRONYMIC = 0.98  # "Ahmad bin Yusuf" against "Ahmad Yusuf"
# One name's words all inside the other's ("Siti Nurhaliza" in "Siti Nurhaliza Putri"): the
# score is CONTAIN_BASE + CONTAIN_SPAN * (share of the longer name covered), times how well the
# shorter name's words matched. One missing middle name gives about 0.90-0.93, two about 0.88.
CONTAIN_BASE = 0.80
CONTAIN_SPAN = 0.15
TOKEN_FLOOR = 0.5  # word pairs less alike than this count as unmatched
# An initial ("S." against "Siti") stands for a whole word but could be any word with that
# letter: it weighs as a word of INITIAL_WEIGHT letters and agrees by half, so "S. Aminah"
# against "Siti Aminah" is a possible match (0.83), not a match.
INITIAL_SIMILARITY = 0.5
INITIAL_WEIGHT = 4
# Words so frequent that agreeing on them says little: they weigh half their length.
COMMON_WEIGHT = 0.5

# --- titles and honorifics, compared without dots and spaces -----------------------------------
# Dropped where they lead the name (or the part after a comma): forms of address, the Hajj
# title, and police and military ranks. Only leading, so "Ahmad H." keeps its initial.
HONORIFICS = frozenset(
    {
        "h", "hj", "hjh", "haji", "hajah", "hajjah", "kh", "kyai", "kiai",
        "ustad", "ustadz", "ustaz", "ustadzah", "ustazah",
        "ibu", "bu", "bpk", "bapak", "pak", "sdr", "sdri", "sdra", "saudara", "saudari",
        "ny", "nyonya", "nn", "nona", "tn", "tuan",
        "alm", "almh", "almarhum", "almarhumah",
        # police (Polri)
        "bharada", "bharatu", "bharaka", "abrip", "abripda", "abriptu", "bripda", "briptu",
        "brigpol", "brigadir", "bripka", "aipda", "aiptu", "ipda", "iptu", "akp", "kompol",
        "akbp", "kombes", "kombespol", "brigjen", "irjen", "komjen",
        # army, navy, air force (TNI)
        "prada", "pratu", "praka", "kopda", "koptu", "kopka", "serda", "sertu", "serka",
        "serma", "pelda", "peltu", "letda", "lettu", "kapten", "mayor", "letkol", "kolonel",
    }
)  # fmt: skip
# Academic and professional degrees: dropped when written with inner dots anywhere ("S.Pd"),
# when trailing, as a part after a comma, and the few written before a name (LEADING_DEGREES)
# when leading: "St. Aminah" is Siti Aminah, not a Sarjana Teknik.
DEGREES = frozenset(
    {
        "dr", "drs", "dra", "ir", "prof", "lc", "ba", "bsc", "phd", "apt", "ak",
        "spd", "spdi", "spdsd", "se", "sei", "sh", "shi", "st", "sth", "stp", "skom", "ssi",
        "ssos", "sag", "skep", "sked", "sfarm", "shum", "spsi", "sip", "sikom", "sak", "sp",
        "ssn", "sds", "sst", "sstp", "sgz", "skm", "spt", "spi", "str",
        "mpd", "mpdi", "mm", "msi", "mh", "mt", "mkom", "mag", "mkes", "ma", "mba", "msc",
        "mhum", "msos", "mkn", "mp",
        "amd", "amdkeb", "amdkep", "amdkes", "amdkom", "amdfarm", "amdpar", "amk", "amkeb",
        "spog", "spa", "sppd", "spb", "sprad", "spkk", "spm", "spjp", "span", "sps", "sptht",
    }
)  # fmt: skip
LEADING_DEGREES = frozenset({"dr", "drs", "dra", "ir", "prof"})
# Never part of a registry name, wherever they stand.
ANYWHERE = frozenset({"hj", "hjh"})

PATRONYMIC_MARKERS = frozenset({"bin", "binti"})

# Spelling variants of common given names, the canonical form first. They are folded with the
# same rules as every word (so "Mochammad" is listed once and "Moechammad" follows), then mapped.
VARIANTS = {
    "muhammad": (
        "muhamad", "mohammad", "mohamad", "mohammed", "mohamed", "muhammed", "muhamed",
        "mochammad", "mochamad", "muchammad", "muchamad", "mukhammad", "mukhamad",
        "mohd", "moh", "muh", "mhd", "md", "m",
    ),
    "ahmad": ("achmad", "akhmad", "ahmat", "achmat", "akhmat", "ahmed"),
    "nur": ("noor", "nor", "nurul", "noer"),
    "siti": ("sitti", "sity", "st"),
    "abdul": ("abd", "abdoel"),
    "yusuf": ("jusuf", "yusup", "josoef"),
    "yahya": ("jahja", "jahya"),
    "yakub": ("jakub", "jacub", "jaqub"),
    "yunus": ("junus",),
    "fatimah": ("fatima", "patimah"),
    "khadijah": ("hadijah", "kadijah", "khodijah"),
    "binti": ("bt", "bte", "binte"),
}  # fmt: skip
# Frequent words (canonical, folded): agreeing on them weighs half.
COMMON = frozenset({"muhamad", "ahmad", "siti", "nur", "abdul", "sri", "putri", "putra"})

# --- spelling ------------------------------------------------------------------------------------
# Letters that NFKD does not take apart.
_LETTERS = str.maketrans({"ø": "o", "ł": "l", "đ": "d", "æ": "ae", "œ": "oe", "ß": "ss"})
_APOSTROPHES = re.compile(r"['`´ʼʻ‘’]")  # "Ma'ruf" is one word
_SEGMENTS = re.compile(r"[,;]")
_SPACES = re.compile(r"[^a-z.,;]+")  # every other mark separates words, as a space does
_NOT_KEY = re.compile(r"[^a-z]")
_INNER_DOT = re.compile(r"\.[a-z]")  # "S.Pd", "S.E.": a degree; "St." is Siti
_ABBREVIATIONS = re.compile(r"[^.]+\.?|\.")

# Old spelling (Van Ophuijsen 1901, Soewandi 1947), replaced by EYD in 1972: oe->u, dj->j,
# tj->c, j->y, sj->sy, nj->ny, ch->kh. Heuristic: a word is in old spelling only when it shows
# a mark that modern spelling never has: "oe", "dj", "tj", "sj", or a leading "nj". Only then is
# its "j" read as "y" ("Soerjo" -> "suryo", "Djaja" -> "jaya") and "nj" as "ny" ("Njoman" ->
# "nyoman"); a modern "Joko", "Jaya" or "Panjaitan" is left alone. Old words without a mark
# ("Jusuf", "Jahja") are in VARIANTS. Rules apply left to right in one pass, so "Pandji" reads
# "dj" before "nj" could: "panji".
_OLD_MARK = re.compile(r"oe|dj|tj|sj|^nj")
_OLD_RULES = re.compile(r"oe|dj|tj|sj|nj|ch|j")
_OLD = {"oe": "u", "dj": "j", "tj": "c", "sj": "sy", "nj": "ny", "ch": "kh", "j": "y"}
# Every word: ch->kh ("Chairul" = "Khairul"), and Arabic transliterations written both ways:
# dh->d ("Ramadhan"), th->t ("Fathur"), ph->f, q->k ("Taufiq", "Rizqi").
_MODERN_RULES = re.compile(r"ch|dh|th|ph|q")
_MODERN = {"ch": "kh", "dh": "d", "th": "t", "ph": "f", "q": "k"}
_FINAL_Y = re.compile(r"(?<=[^aeiouy])y$")  # "Rizky" = "Rizki", "Lestary" = "Lestari"
_DOUBLED = re.compile(r"(.)\1+")  # "Muhammad" = "Muhamad", "Sitti" = "Siti"


@lru_cache(maxsize=65_536)
def _fold_word(word: str) -> str:
    """One lower-case word in modern spelling, doubled letters single (to a fixed point)."""
    for _ in range(4):
        before = word
        if _OLD_MARK.search(word):
            word = _OLD_RULES.sub(lambda m: _OLD[m.group()], word)
        word = _MODERN_RULES.sub(lambda m: _MODERN[m.group()], word)
        word = _FINAL_Y.sub("i", word)
        word = _DOUBLED.sub(r"\1", word)
        if word == before:
            break
    return word


_VARIANT_OF = {
    _fold_word(variant): _fold_word(canonical)
    for canonical, variants in VARIANTS.items()
    for variant in variants
}


def _canonical(word: str) -> str:
    folded = _fold_word(word)
    return _VARIANT_OF.get(folded, folded)


# --- normalisation -------------------------------------------------------------------------------


def _plain(text: str) -> str:
    """Lower case, accents and diacritics removed ("Ṣiti" -> "siti")."""
    text = unicodedata.normalize("NFKD", str(text).casefold().translate(_LETTERS))
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def _key(word: str) -> str:
    """A raw word as the title lists spell it: letters only ("S.Pd." -> "spd")."""
    return _NOT_KEY.sub("", word)


def _is(word: str, titles: frozenset[str]) -> bool:
    """Whether a raw word is one of `titles`, as written or once folded ("Hajjah" = "Hajah")."""
    key = _key(word)
    return key in titles or _fold_word(key) in titles


def _segment_words(segment: str, first: bool) -> list[str]:
    """The name words of one comma-separated part, titles and degrees removed."""
    if not first and _is(segment, DEGREES):  # ", S.Pd", ", S. Pd", ", M.M."
        return []
    kept = [
        piece
        for word in segment.split()
        if not _is(word, ANYWHERE) and not (_INNER_DOT.search(word) and _is(word, DEGREES))
        for piece in _ABBREVIATIONS.findall(word)  # "H.Ahmad" -> "H.", "Ahmad"
    ]
    while len(kept) > 1 and (_is(kept[0], HONORIFICS) or _is(kept[0], LEADING_DEGREES)):
        kept.pop(0)
    while len(kept) > 1:
        if _is(kept[-1], DEGREES):
            kept.pop()
        elif len(kept) > 2 and kept[-2].endswith(".") and _is(kept[-2] + kept[-1], DEGREES):
            del kept[-2:]  # "S. Pd"
        else:
            break
    if not first and all(_is(w, DEGREES) or _is(w, HONORIFICS) for w in kept):
        return []
    return [part for w in kept for part in w.split(".") if part]


def _normal_once(name: str) -> tuple[str, ...]:
    text = _SPACES.sub(" ", _APOSTROPHES.sub("", _plain(name)))
    parts = [_segment_words(s, i == 0) for i, s in enumerate(_SEGMENTS.split(text))]
    parts = [p for p in parts if p]
    if len(parts) == 2:  # "Nurhaliza, Siti": surname first
        parts.reverse()
    return tuple(_canonical(w) for part in parts for w in part)


@lru_cache(maxsize=262_144)
def _normal_words(name: str) -> tuple[str, ...]:
    words = _normal_once(name)
    # Folding or turning round can leave a title where it is dropped ("Dhr" -> "dr"): go on to
    # a fixed point, so that a normalised name normalises to itself.
    for _ in range(4):
        again = _normal_once(" ".join(words))
        if again == words:
            break
        words = again
    return words


def normalise_name(name: str | None) -> str:
    """The comparable form of a name: lower-case ASCII words separated by single spaces.

    Accents, punctuation and repeated spaces go; "Last, First" is turned round; titles,
    honorifics, ranks and degrees that are not part of a registry name go ("Hj.", "H.",
    "Bripka", "Ibu", "Dr.", "S.Pd"); old spelling, Arabic transliterations and doubled letters
    are folded to one form; variants of common given names become one word ("Moh." ->
    "muhamad"); "bin"/"binti" stay. This is a matching key, not a name to display.
    """
    return " ".join(name_tokens(name))


def name_tokens(name: str | None) -> list[str]:
    """The words of `normalise_name(name)`, in written order ("Last, First" turned round).

    Order is kept because neighbouring words may be joined when names are compared ("Nur
    Haliza" against "Nurhaliza"); every comparison in this module ignores word order.
    """
    if not name:
        return []
    return list(_normal_words(name))


# --- similarity ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Name:
    given: tuple[str, ...]  # the words before "bin"/"binti", or all of them
    father: tuple[str, ...]  # the words after it; empty without a patronymic
    words: tuple[str, ...]  # given + father


@lru_cache(maxsize=262_144)
def _parse(name: str) -> _Name:
    words = _normal_words(name)
    for i, word in enumerate(words):
        if word in PATRONYMIC_MARKERS and 0 < i < len(words) - 1:
            given = words[:i]
            father = tuple(w for w in words[i + 1 :] if w not in PATRONYMIC_MARKERS)
            return _Name(given, father, given + father)
    return _Name(words, (), words)


@lru_cache(maxsize=65_536)
def _weight(word: str) -> float:
    if len(word) == 1:
        return INITIAL_WEIGHT
    return len(word) * (COMMON_WEIGHT if word in COMMON else 1.0)


# Names share words: the same pairs come back again and again when many questions are answered.
@lru_cache(maxsize=1_048_576)
def _word_similarity(a: str, b: str) -> float:
    if a == b:
        return 1.0
    if len(a) == 1 or len(b) == 1:  # an initial
        return INITIAL_SIMILARITY if a[0] == b[0] else 0.0
    score = OSA.normalized_similarity(a, b, score_cutoff=TOKEN_FLOOR)
    return score if score >= TOKEN_FLOOR else 0.0


def _assign(a: Sequence[str], b: Sequence[str]) -> float:
    """Words paired one to one, best pairs first; the score weighs words by their length."""
    if len(a) == 1 and len(b) == 1:
        x, y = a[0], b[0]
        return _word_similarity(x, y) if x <= y else _word_similarity(y, x)
    wa = [_weight(w) for w in a]
    wb = [_weight(w) for w in b]
    pairs = []
    for i, x in enumerate(a):
        for j, y in enumerate(b):
            s = _word_similarity(x, y) if x <= y else _word_similarity(y, x)
            if s:
                pairs.append((s, wa[i] + wb[j], i, j))
    pairs.sort(reverse=True)
    used_a: dict[int, float] = {}
    used_b: dict[int, float] = {}
    for s, _, i, j in pairs:
        if i not in used_a and j not in used_b:
            used_a[i] = used_b[j] = s
    total_a, total_b = sum(wa), sum(wb)
    matched = sum(s * wa[i] for i, s in used_a.items()) + sum(s * wb[j] for j, s in used_b.items())
    score = matched / (total_a + total_b)
    if len(a) != len(b) and min(len(a), len(b)) >= 2:
        # One name inside the other: a middle name missing on one side.
        short = (used_a, wa, total_a, len(a))
        long = (used_b, wb, total_b)
        if len(a) > len(b):
            short, long = (used_b, wb, total_b, len(b)), (used_a, wa, total_a)
        short_used, short_w, short_total, short_len = short
        long_used, long_w, long_total = long
        if len(short_used) == short_len:  # every word of the shorter name has a partner
            inside = sum(s * short_w[i] for i, s in short_used.items()) / short_total
            covered = sum(long_w[j] for j in long_used) / long_total
            score = max(score, inside * (CONTAIN_BASE + CONTAIN_SPAN * covered))
    return score


@lru_cache(maxsize=65_536)
def _joined(words: tuple[str, ...], joins: int) -> frozenset[tuple[str, ...]]:
    """The word lists made by joining neighbours, `joins` times at most."""
    found: set[tuple[str, ...]] = set()
    frontier = {words}
    for _ in range(joins):
        frontier = {
            w[:i] + (w[i] + w[i + 1],) + w[i + 2 :] for w in frontier for i in range(len(w) - 1)
        }
        found |= frontier
    return frozenset(found)


def _close_partner(word: str, others: Sequence[str]) -> bool:
    return any(
        (_word_similarity(word, o) if word <= o else _word_similarity(o, word)) >= JOIN_WORTH
        for o in others
    )


def _words_similarity(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    if not a or not b:
        return 0.0
    if a == b or sorted(a) == sorted(b):
        return 1.0
    score = _assign(a, b)
    if len(a) != len(b) and score < 1.0 - JOIN_PENALTY:
        longer, shorter = (a, b) if len(a) > len(b) else (b, a)
        for variant in _joined(longer, min(2, len(longer) - len(shorter))):
            # Worth scoring only when a joined word is close to a word of the other name.
            if all(_close_partner(w, shorter) for w in variant if w not in longer):
                score = max(score, _assign(variant, shorter) - JOIN_PENALTY)
        together = OSA.normalized_similarity("".join(a), "".join(b))
        score = max(score, together - JOIN_PENALTY)
    return score


def _name_similarity(a: _Name, b: _Name) -> float:
    if not a.given or not b.given:
        return 0.0
    if (a.words, a.father) > (b.words, b.father):  # one order for both calls: exact symmetry
        a, b = b, a
    if a.father and b.father:
        # Both give a father: given names against given names, fathers against fathers.
        wg = sum(map(_weight, a.given + b.given))
        wf = sum(map(_weight, a.father + b.father))
        given = _words_similarity(a.given, b.given)
        father = _words_similarity(a.father, b.father)
        score = (given * wg + father * wf) / (wg + wf)
    elif a.father or b.father:
        # One side only: the patronymic may be left out.
        with_father, without = (a, b) if a.father else (b, a)
        score = max(
            ONE_SIDED_PATRONYMIC * _words_similarity(a.words, b.words),
            OPTIONAL_PATRONYMIC * _words_similarity(with_father.given, without.given),
        )
    else:
        score = _words_similarity(a.given, b.given)
    return round(min(1.0, max(0.0, score)), 4)


def name_similarity(a: str | None, b: str | None) -> float:
    """How alike two names are, in [0, 1]; see MATCH and POSSIBLE for what the score means.

    Symmetric; 1.0 when the normalised words are the same in any order; 0.0 when either name
    has no words left after normalisation. Words are paired one to one (best pairs first) and
    compared by optimal-string-alignment edit distance (a transposition is one typo); a pair
    counts by the words' length, frequent words (COMMON) half. Split and joined words are
    compared by joining neighbours and by the names written without spaces. A name whose words
    are all inside the other's scores by how much of the other it covers (a missing middle
    name). A patronymic ("bin"/"binti") on one side only may be left out.
    """
    if not a or not b:
        return 0.0
    return _name_similarity(_parse(a), _parse(b))


# --- matching people -----------------------------------------------------------------------------

_SEXES = {
    "f": "F", "p": "F", "female": "F", "perempuan": "F", "wanita": "F",
    "m": "M", "l": "M", "male": "M", "laki-laki": "M", "lakilaki": "M", "pria": "M",
}  # fmt: skip
_NIK = re.compile(r"[0-9]{16}")
_NIK_RANK = 2.0  # an equal NIK ranks above every name; reported as 1.0
_NIK_SEPARATORS = re.compile(r"[\s.\-]")


@dataclass(frozen=True)
class Candidate:
    """A registry person proposed for a question.

    `score` is 1.0 for an equal NIK (reasons ["nik"]); otherwise the name similarity, raised
    when birth date and sex agree and lowered when they differ, at most NON_NIK_CEILING. The
    reasons say why: "name 0.93", "birth_date", "sex", "birth_date differs", "sex differs",
    and "nik differs" (both have a NIK and they are not equal: said, not scored). `name_score`
    is the name similarity alone, also for a NIK hit (a NIK with another name is a finding).
    """

    person: Mapping
    score: float
    reasons: list[str]
    name_score: float


@dataclass(frozen=True)
class _Record:
    name: _Name | None
    nik: str | None
    birth_date: date | None
    sex: str | None


def _nik(value) -> str | None:
    if value is None:
        return None
    digits = _NIK_SEPARATORS.sub("", str(value))
    return digits if _NIK.fullmatch(digits) else None


def _birth_date(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
    return None


def _record(person: Mapping) -> _Record:
    name = person.get("name")
    sex = person.get("sex")
    return _Record(
        name=_parse(name) if isinstance(name, str) and name.strip() else None,
        nik=_nik(person.get("nik")),
        birth_date=_birth_date(person.get("birth_date")),
        sex=_SEXES.get(sex.strip().casefold()) if isinstance(sex, str) else None,
    )


def _judge(question: _Record, person: _Record) -> tuple[float, float, list[str]]:
    """(ranking score, name score, reasons) of one person for one question."""
    name_score = (
        _name_similarity(question.name, person.name) if question.name and person.name else 0.0
    )
    if question.nik and question.nik == person.nik:
        return _NIK_RANK, name_score, ["nik"]
    score = name_score
    reasons = [f"name {name_score:.2f}"]
    if question.birth_date and person.birth_date:
        if question.birth_date == person.birth_date:
            score += BIRTH_DATE_AGREES
            reasons.append("birth_date")
        else:
            score += BIRTH_DATE_DIFFERS
            reasons.append("birth_date differs")
    if question.sex and person.sex:
        if question.sex == person.sex:
            score += SEX_AGREES
            reasons.append("sex")
        else:
            score += SEX_DIFFERS
            reasons.append("sex differs")
    if question.nik and person.nik:
        reasons.append("nik differs")
    return score, name_score, reasons


def _rank(
    question: _Record,
    people: Iterable[tuple[int, Mapping, _Record]],
    limit: int | None,
    minimum: float,
) -> list[Candidate]:
    judged = []
    for position, person, record in people:
        score, name_score, reasons = _judge(question, record)
        if score >= minimum:
            judged.append((-score, -name_score, position, person, reasons))
    judged.sort(key=lambda row: row[:3])
    if limit is not None:
        judged = judged[:limit]
    return [
        Candidate(
            person=person,
            score=1.0 if -s >= _NIK_RANK else round(max(0.0, min(NON_NIK_CEILING, -s)), 4),
            reasons=reasons,
            name_score=-name_score,
        )
        for s, name_score, _, person, reasons in judged
    ]


def match_person(
    question: Mapping,
    candidates: Sequence[Mapping],
    *,
    limit: int | None = 10,
    minimum: float = CANDIDATE_FLOOR,
) -> list[Candidate]:
    """The registry people most likely to be the one a question names, best first.

    An equal NIK decides (score 1.0, reasons ["nik"]); otherwise the name similarity, with
    birth date and sex agreeing raising it and differing lowering it (see Candidate). People
    scoring below `minimum` are left out; ties keep the order of `candidates`. This scans every
    candidate: for many questions against a large extract use NameIndex.
    """
    q = _record(question)
    return _rank(q, ((i, p, _record(p)) for i, p in enumerate(candidates)), limit, minimum)


# --- blocking ------------------------------------------------------------------------------------

# A word gives codes: its first three letters ("p"), its last three ("s") and its first letter
# ("f"). A person is filed under every pair of codes from two different words (never two first
# letters: too broad); a one-word name under its "p" and "s" codes and its consonants ("Lesatri"
# = "Lestari"); a two-word name also under those of the two written as one ("Gil Ang" =
# "Gilang"); a name with a patronymic also as its given names alone. A question shares a key
# with a person when two of its words agree at the start, the end or the first letter with two
# of the person's: word order, a missing middle name, a split word ("Nur Haliza": "nur" + "iza"
# as in "Nurhaliza") and typos inside words keep shared keys. The MAX_BLOCK people sharing the
# most keys are scored, and also those of the people sharing any key who were born on the
# question's birth date: among hundreds of namesakes, the one born that day is the best
# candidate but shares no more keys than the others.
MAX_BLOCK = 300  # people scored per question by shared keys
_VOWELS = re.compile(r"[aeiou]")


@lru_cache(maxsize=65_536)
def _codes(word: str) -> tuple[tuple[str, str], ...]:
    return (("p", word[:3]), ("s", word[-3:]), ("f", word[0]))


@lru_cache(maxsize=65_536)
def _single_codes(word: str) -> tuple[tuple[str, str], ...]:
    """Codes of a name that is one word: the start, the end, and its consonants ("k")."""
    return (("p", word[:3]), ("s", word[-3:]), ("k", _VOWELS.sub("", word) or word))


@lru_cache(maxsize=262_144)
def _keys(name: _Name) -> frozenset[tuple]:
    keys: set[tuple] = set()
    lists = [name.words] + ([name.given] if name.father else [])
    for words in lists:
        if len(words) == 2:
            keys.update((code,) for code in _single_codes(words[0] + words[1]))
        if len(words) == 1:
            keys.update((code,) for code in _single_codes(words[0]))
            continue
        codes = [_codes(w) for w in words]
        for i in range(len(words)):
            for j in range(i + 1, len(words)):
                for ci in codes[i]:
                    for cj in codes[j]:
                        if ci[0] == "f" and cj[0] == "f":
                            continue
                        keys.add((ci, cj) if ci <= cj else (cj, ci))
    return frozenset(keys)


class NameIndex:
    """Registry people filed by NIK, birth date and blocking keys of their names (see _keys),
    so that a question is scored against a few hundred people (MAX_BLOCK sharing the most keys,
    namesakes born on its birth date, anyone with its NIK), not against all of them.

    `lookup` ranks as match_person over the whole list would, among the people the blocking
    brings up; people who share no key with the question are not seen (on the name alone they
    score far below POSSIBLE). Build it once per registry extract; it does not change.
    """

    def __init__(self, people: Iterable[Mapping], *, max_block: int = MAX_BLOCK):
        self.people = list(people)
        self.max_block = max_block
        self._records = [_record(p) for p in self.people]
        self._by_nik: dict[str, list[int]] = defaultdict(list)
        self._by_birth_date: dict[date, list[int]] = defaultdict(list)
        self._by_key: dict[tuple, list[int]] = defaultdict(list)
        for position, record in enumerate(self._records):
            if record.nik:
                self._by_nik[record.nik].append(position)
            if record.birth_date:
                self._by_birth_date[record.birth_date].append(position)
            if record.name:
                for key in _keys(record.name):
                    self._by_key[key].append(position)

    def __len__(self) -> int:
        return len(self.people)

    def block(self, question: Mapping) -> list[int]:
        """Positions (in `people`) of the people a question is scored against."""
        return self._block(_record(question))

    def _block(self, q: _Record) -> list[int]:
        chosen = set(self._by_nik.get(q.nik, ())) if q.nik else set()
        if not q.name:
            return sorted(chosen)
        shared: Counter[int] = Counter()
        for key in _keys(q.name):
            shared.update(self._by_key.get(key, ()))
        chosen.update(self._most_shared(shared, shared))
        if q.birth_date:
            born = [p for p in self._by_birth_date.get(q.birth_date, ()) if p in shared]
            chosen.update(self._most_shared(born, shared))
        return sorted(chosen)

    def _most_shared(self, people: Iterable[int], shared: Counter[int]) -> list[int]:
        """At most max_block of `people`: the most shared keys first, then the earliest people
        (match_person keeps the order of its list among equal scores)."""
        people = list(people)
        if len(people) <= self.max_block:
            return people
        counts = sorted((shared[p] for p in people), reverse=True)
        cut = counts[self.max_block - 1]
        above = [p for p in people if shared[p] > cut]
        at_cut = sorted(p for p in people if shared[p] == cut)
        return above + at_cut[: self.max_block - len(above)]

    def lookup(
        self, question: Mapping, *, limit: int | None = 10, minimum: float = CANDIDATE_FLOOR
    ) -> list[Candidate]:
        """The people most likely to be the one the question names, best first (match_person)."""
        q = _record(question)
        block = self._block(q)
        return _rank(q, ((i, self.people[i], self._records[i]) for i in block), limit, minimum)
