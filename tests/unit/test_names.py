"""Names: normalisation (titles, old spelling, Muslim name variants, patronymics), similarity
(order, spacing, typos, a missing middle name; near misses stay below MATCH), ranking registry
people for a question (NIK decides; birth date and sex raise or lower), and the blocking index
that must find what a scan of every person finds."""

import random
import time
from datetime import date, datetime, timedelta
from itertools import combinations

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from fieldcheck.domain.names import (
    BIRTH_DATE_AGREES,
    CANDIDATE_FLOOR,
    MATCH,
    MAX_BLOCK,
    NON_NIK_CEILING,
    POSSIBLE,
    SEX_AGREES,
    Candidate,
    NameIndex,
    match_person,
    name_similarity,
    name_tokens,
    normalise_name,
)

# --- normalise_name ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "normal"),
    [
        ("  SITI   nurhaliza ", "siti nurhaliza"),
        ("Ṣïtî  Nur-Haliza", "siti nur haliza"),
        ("Ma'ruf Amin", "maruf amin"),
        ("Ma’ruf Amin", "maruf amin"),
        ("Nurhaliza, Siti", "siti nurhaliza"),  # surname first, turned round
        ("DEWI   LESTARI.", "dewi lestari"),
    ],
)
def test_case_accents_punctuation_and_spaces(written, normal):
    assert normalise_name(written) == normal


@pytest.mark.parametrize(
    ("written", "normal"),
    [
        ("Hj. Siti Aminah, S.Pd", "siti aminah"),
        ("Hajjah Siti Aminah", "siti aminah"),
        ("H. Ahmad Fauzi", "ahmad fauzi"),
        ("Haji Agus Salim", "agus salim"),
        ("Dr. Ir. H. Ahmad Fauzi, M.M.", "ahmad fauzi"),
        ("Drs. Bambang Hartono, M.Si", "bambang hartono"),
        ("Bripka Agus Setiawan, S.H.", "agus setiawan"),
        ("Ibu Dewi Lestari", "dewi lestari"),
        ("Bpk. Joko Susilo", "joko susilo"),
        ("Bapak Joko Susilo, S.E.", "joko susilo"),
        ("Ny. Sri Wahyuni", "sri wahyuni"),
        ("Nn. Putri Ayu", "putri ayu"),
        ("Siti Aminah S.Pd", "siti aminah"),  # a degree without a comma
        ("Siti Aminah S. Pd", "siti aminah"),  # ... and written with a space
        ("Siti Aminah, S.Pd., M.Pd.", "siti aminah"),  # two degrees
        ("Aminah, Hj. Siti", "siti aminah"),  # a title after the comma
        ("Siti Aminah, Ibu", "siti aminah"),
        ("Siti Aminah ST", "siti aminah"),  # Sarjana Teknik, trailing
        ("St. Aminah", "siti aminah"),  # ... but leading, "St." is Siti
        ("Kapten Inf. Hendra Gunawan", "inf hendra gunawan"),  # unknown "Inf." is kept
    ],
)
def test_titles_and_honorifics_are_dropped(written, normal):
    assert normalise_name(written) == normal


def test_a_title_is_dropped_only_where_it_leads_and_never_the_whole_name():
    assert normalise_name("Ahmad H.") == "ahmad h"  # an initial, not the Hajj title
    assert normalise_name("Bapak Ibu") == "ibu"  # nothing else to go on
    assert normalise_name("Hj.") == ""  # "Hj." is never a name


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("Soekarno", "sukarno"),
        ("Djoko Soesilo", "joko susilo"),
        ("Tjahjadi", "cahyadi"),
        ("Soerjo", "suryo"),  # old j is y, in a word that shows old spelling
        ("Soerjadi", "suryadi"),
        ("Djaja", "jaya"),
        ("Pandji", "panji"),  # dj read before nj could take it
        ("Njoman", "nyoman"),
        ("Sjahrir", "syahrir"),
        ("Tjoet Nja' Dhien", "cut nya dien"),
        ("Chairul", "khairul"),
        ("Moehammad Joesoef", "muhamad yusuf"),
    ],
)
def test_old_spelling_is_folded_to_modern(old, new):
    assert normalise_name(old) == new


@pytest.mark.parametrize("modern", ["Joko", "Jaya", "Panjaitan", "Rajab", "Anjani", "Jumadi"])
def test_modern_j_and_nj_are_left_alone(modern):
    # The heuristic: only a word with "oe", "dj", "tj", "sj" or a leading "nj" is old spelling.
    assert normalise_name(modern) == modern.lower()


@pytest.mark.parametrize(
    "variant",
    [
        "Muhammad Rizki",
        "Muhamad Rizki",
        "Mohammad Rizki",
        "Mohamad Rizki",
        "Mochamad Rizki",
        "Muchammad Rizki",
        "Moh. Rizki",
        "Muh. Rizki",
        "M. Rizki",
        "M.Rizki",
        "Mhd Rizky",
        "Muhammad Rizqi",
    ],
)
def test_muhammad_variants_are_one_name(variant):
    assert normalise_name(variant) == "muhamad rizki"
    assert name_similarity(variant, "Muhammad Rizki") == 1.0


@pytest.mark.parametrize(
    "group",
    [
        ("Achmad Fauzi", "Ahmad Fauzi", "Akhmad Fauzi", "Ahmat Fauzi"),
        ("Nur Hidayah", "Noor Hidayah", "Nurul Hidayah"),
        ("Siti Aminah", "Sitti Aminah", "Sity Aminah"),
        ("Abdul Rahman", "Abd. Rahman", "Abdoel Rahman"),
        ("Hasanuddin", "Hasanudin"),
        ("Ramadhan", "Ramadan"),
        ("Taufiq", "Taufik"),
        ("Rizky", "Rizki"),
        ("Yusuf", "Jusuf", "Joesoef", "Yusup"),
        ("Khadijah", "Chadidjah", "Hadijah"),
    ],
)
def test_spelling_variants_are_one_name(group):
    assert len({normalise_name(name) for name in group}) == 1
    for a, b in combinations(group, 2):
        assert name_similarity(a, b) == 1.0


def test_patronymics_are_kept():
    assert normalise_name("Siti Aminah binti Abdullah") == "siti aminah binti abdulah"
    assert normalise_name("Siti Aminah bt. Abdullah") == "siti aminah binti abdulah"
    assert normalise_name("Ahmad bin Yusuf") == "ahmad bin yusuf"


def test_name_tokens_keep_written_order_and_turn_surname_first_round():
    assert name_tokens("Siti Nur Haliza") == ["siti", "nur", "haliza"]
    assert name_tokens("Nurhaliza, Siti") == ["siti", "nurhaliza"]
    assert name_tokens("Hj. Siti Aminah, S.Pd") == ["siti", "aminah"]
    assert name_tokens("") == []
    assert name_tokens(None) == []


# --- name_similarity -----------------------------------------------------------------------------

ISSUE_EXAMPLES = ["Siti Nurhaliza", "Nurhaliza, Siti", "Siti Nur Haliza"]


@pytest.mark.parametrize(("a", "b"), list(combinations(ISSUE_EXAMPLES, 2)))
def test_the_issues_examples_match(a, b):
    assert name_similarity(a, b) >= MATCH


def test_order_is_exact_and_spacing_nearly():
    assert name_similarity("Siti Nurhaliza", "Nurhaliza, Siti") == 1.0
    assert name_similarity("Siti Nurhaliza", "Nurhaliza Siti") == 1.0
    # Split or joined words: the same letters, not quite the same writing.
    assert MATCH <= name_similarity("Siti Nurhaliza", "Siti Nur Haliza") < 1.0
    assert MATCH <= name_similarity("Nurhaliza, Siti", "Siti Nur Haliza") < 1.0
    assert MATCH <= name_similarity("Gilang", "Gil Ang") < 1.0


# Different people with similar names: none may reach MATCH. Each differs from the other in a
# word that is itself a distinct, common Indonesian name, not a typo of it.
NEAR_MISSES = [
    # Same given name, second names sharing "Nurha-" but distinct (Haliza / Hasanah).
    ("Siti Nurhaliza", "Siti Nurhasanah"),
    # Lestari and Lestiani are both names; two letters apart in a short word.
    ("Dewi Lestari", "Dewi Lestiani"),
    # Setiawan and Setiadi: two surnames built on "Setia-".
    ("Agus Setiawan", "Agus Setiadi"),
    # Rizki and Rizal: the most common given name plus two different names.
    ("Muhammad Rizki", "Muhammad Rizal"),
    # Wahyuni and Wahyuningsih: the second is longer, not a spelling of the first.
    ("Sri Wahyuni", "Sri Wahyuningsih"),
    # Santoso and Susanto: the same letters, different names.
    ("Budi Santoso", "Budi Susanto"),
    # Sukarno (a man) and Sukarni (a woman).
    ("Sukarno", "Sukarni"),
    # Nurhaliza and Nurhalimah.
    ("Siti Nurhaliza", "Siti Nurhalimah"),
    # Father and son: "Ahmad son of Yusuf" is not "Yusuf son of Ahmad".
    ("Ahmad bin Yusuf", "Yusuf bin Ahmad"),
    # Same given name, different fathers.
    ("Ahmad bin Yusuf", "Ahmad bin Hasan"),
    # A given name alone is not the whole name.
    ("Siti", "Siti Nurhaliza"),
]


@pytest.mark.parametrize(("a", "b"), NEAR_MISSES)
def test_near_misses_do_not_match(a, b):
    assert name_similarity(a, b) < MATCH


@pytest.mark.parametrize(
    ("old", "new"),
    [("Soekarno", "Sukarno"), ("Djoko Soesilo", "Joko Susilo"), ("Tjahjadi", "Cahyadi")],
)
def test_old_spellings_match_exactly(old, new):
    assert name_similarity(old, new) == 1.0


def test_titles_do_not_count():
    assert name_similarity("Hj. Siti Aminah, S.Pd", "Siti Aminah") == 1.0
    assert name_similarity("Bripka Agus Setiawan", "Agus Setiawan, S.H.") == 1.0


def test_a_missing_middle_name_is_high_but_not_exact():
    one = name_similarity("Siti Nurhaliza", "Siti Nurhaliza Putri")
    assert MATCH <= one < 1.0
    two = name_similarity("Agus Setiawan", "Agus Setiawan Putra Pratama")
    assert POSSIBLE <= two < MATCH
    assert two < one


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Siti Nurhaliza", "Siti Nurhailza"),  # transposition
        ("Siti Nurhaliza", "Siti Nurhaliz"),  # deletion
        ("Agus Setiawan", "Agus Setiawab"),  # substitution
        ("Dewi Lestari", "Dewi Letsari"),  # transposition in a short name
        ("Agus Setiawan", "Agos Setiawan"),  # a typo in a short word
        ("Nurhaliza, Siti", "Siti Nurhalia"),  # typo and order
    ],
)
def test_a_small_typo_still_matches(a, b):
    assert MATCH <= name_similarity(a, b) < 1.0


def test_two_typos_are_for_the_clerk():
    assert POSSIBLE <= name_similarity("Siti Nurhaliza", "Siti Nrhalisa") < MATCH


def test_patronymic_may_be_left_out():
    assert MATCH <= name_similarity("Siti Aminah binti Abdullah", "Siti Aminah") < 1.0
    assert MATCH <= name_similarity("Ahmad bin Yusuf", "Ahmad Yusuf") < 1.0
    assert name_similarity("Ahmad bin Yusuf", "Achmad bin Joesoef") == 1.0


def test_an_initial_is_a_possible_match():
    assert POSSIBLE <= name_similarity("S. Aminah", "Siti Aminah") < MATCH


def test_nothing_to_compare_scores_zero():
    assert name_similarity("", "Siti") == 0.0
    assert name_similarity(None, "Siti") == 0.0
    assert name_similarity("Hj.", "Hj.") == 0.0
    assert name_similarity("...", "Siti") == 0.0


def test_thresholds_are_ordered():
    assert 0 < CANDIDATE_FLOOR < POSSIBLE < MATCH < 1


# --- properties ----------------------------------------------------------------------------------

POOL = [
    "Siti", "Nurhaliza", "Nur", "Haliza", "Dewi", "Lestari", "Agus", "Setiawan", "Muhammad",
    "Moh.", "Rizki", "Soekarno", "Djoko", "Tjahjadi", "Putri", "Ayu", "Wahyuni", "Achmad",
    "Noor", "Abd.", "Rahman", "Sitti", "Yusuf", "Joesoef", "Panjaitan", "Sri", "Bambang",
]  # fmt: skip


def plain_word(word: str) -> bool:
    """A word that stays a name word wherever it stands: no title, degree or patronymic."""
    words = name_tokens(word)
    return (
        name_tokens(f"{word} Budi") == [*words, "budi"]
        and name_tokens(f"Budi {word}") == ["budi", *words]
        and not {"bin", "binti"} & set(words)
    )


WORDS = st.one_of(
    st.sampled_from(POOL),
    st.text(alphabet="abcdeghijklmnoprstuwyz", min_size=1, max_size=9),
)
NAME_WORDS = st.lists(WORDS, min_size=1, max_size=5).filter(lambda ws: all(map(plain_word, ws)))
NAMES = NAME_WORDS.map(" ".join)
ANY_TEXT = st.one_of(NAMES, st.text(max_size=40))


@given(ANY_TEXT, ANY_TEXT)
@example("Siti Nurhaliza", "Siti Nur Haliza")
@example("Hj. Siti Aminah, S.Pd", "")
def test_similarity_is_symmetric_and_in_range(a, b):
    score = name_similarity(a, b)
    assert 0.0 <= score <= 1.0
    assert score == name_similarity(b, a)


@given(ANY_TEXT)
def test_a_name_is_exactly_itself(name):
    assume(name_tokens(name))
    assert name_similarity(name, name) == 1.0


@given(NAME_WORDS)
def test_word_order_does_not_matter(words):
    assume(name_tokens(" ".join(words)))
    assert name_similarity(" ".join(words), " ".join(reversed(words))) == 1.0


@given(st.one_of(NAMES, st.text(alphabet="abdehijmnostuyHMS .,'-", max_size=30)))
@example("H-H")  # a title only after the hyphen is gone
@example("MH,M")  # a degree left trailing only once turned round
@example("Dhr Ahmad")  # a title only once folded
def test_normalising_twice_changes_nothing(name):
    once = normalise_name(name)
    assert normalise_name(once) == once


# --- match_person --------------------------------------------------------------------------------

NIK_SITI = "3204124503990001"  # 32.04.12, woman, 5 March 1999


def test_an_equal_nik_decides():
    people = [
        {"name": "Siti Nurhaliza", "nik": "3204124503990002", "birth_date": date(1999, 3, 5)},
        {"name": "Dewi Lestari", "nik": NIK_SITI},
    ]
    question = {"name": "Siti Nurhaliza", "nik": NIK_SITI, "birth_date": date(1999, 3, 5)}
    found = match_person(question, people)
    assert found[0] == Candidate(
        people[1], 1.0, ["nik"], name_similarity("Siti Nurhaliza", "Dewi Lestari")
    )
    # The namesake is still listed, below, and says that its NIK is another.
    assert found[1].person is people[0]
    assert found[1].score < 1.0
    assert found[1].reasons == ["name 1.00", "birth_date", "nik differs"]


def test_a_nik_matches_with_separators_and_without_a_name():
    people = [{"name": "Siti Nurhaliza", "nik": NIK_SITI}]
    found = match_person({"nik": "3204 1245.0399-0001"}, people)
    assert [c.reasons for c in found] == [["nik"]]
    assert found[0].score == 1.0


def test_an_equal_birth_date_and_sex_rank_a_namesake_first():
    people = [
        {"name": "Siti Nurhaliza", "birth_date": date(1990, 1, 1), "sex": "F"},
        {"name": "Siti Nurhaliza", "birth_date": date(1999, 3, 5), "sex": "F"},
        {"name": "Siti Nurhaliza", "birth_date": date(1999, 3, 5), "sex": "M"},
    ]
    question = {"name": "Nurhaliza, Siti", "birth_date": date(1999, 3, 5), "sex": "F"}
    found = match_person(question, people)
    assert found[0].person is people[1]
    assert found[0].reasons == ["name 1.00", "birth_date", "sex"]
    assert found[0].score == NON_NIK_CEILING  # only a NIK scores 1.0
    # The same name with another sex or another birth date: the clerk decides.
    other_birthday, other_sex = sorted(found[1:], key=lambda c: c.person["sex"])  # F, M
    assert other_sex.reasons == ["name 1.00", "birth_date", "sex differs"]
    assert other_birthday.reasons == ["name 1.00", "birth_date differs", "sex"]
    assert POSSIBLE <= other_sex.score < MATCH
    assert POSSIBLE <= other_birthday.score < MATCH


def test_agreeing_raises_a_possible_match_and_differing_lowers_a_match():
    person = {"name": "Siti Aminah", "birth_date": "1999-03-05", "sex": "P"}  # P: perempuan
    name_only = match_person({"name": "S. Aminah"}, [person])[0]
    assert POSSIBLE <= name_only.score == name_only.name_score < MATCH
    assert name_only.reasons == [f"name {name_only.name_score:.2f}"]
    agreeing = match_person(
        {"name": "S. Aminah", "birth_date": date(1999, 3, 5), "sex": "F"}, [person]
    )[0]
    assert agreeing.score == pytest.approx(name_only.score + BIRTH_DATE_AGREES + SEX_AGREES)
    assert agreeing.score >= MATCH
    differing = match_person({"name": "Siti Aminah", "birth_date": "2007-03-05"}, [person])[0]
    assert differing.name_score == 1.0
    assert POSSIBLE <= differing.score < MATCH  # perhaps a minor stating an adult's birth date
    assert differing.reasons == ["name 1.00", "birth_date differs"]
    both = match_person({"name": "Siti Aminah", "birth_date": "2007-03-05", "sex": "M"}, [person])
    assert CANDIDATE_FLOOR <= both[0].score < POSSIBLE


def test_a_birth_date_may_be_a_date_a_datetime_or_iso_text():
    person = {"name": "Agus Setiawan", "birth_date": "1999-03-05"}
    for written in [date(1999, 3, 5), datetime(1999, 3, 5, 0, 0), "1999-03-05", " 1999-03-05 "]:
        found = match_person({"name": "Agus Setiawan", "birth_date": written}, [person])
        assert found[0].reasons == ["name 1.00", "birth_date"]
    unreadable = match_person({"name": "Agus Setiawan", "birth_date": "5/3/1999"}, [person])
    assert unreadable[0].reasons == ["name 1.00"]


def test_sex_is_read_in_english_and_indonesian():
    person = {"name": "Agus Setiawan", "sex": "L"}  # L: laki-laki
    assert match_person({"name": "Agus Setiawan", "sex": "M"}, [person])[0].reasons[-1] == "sex"
    assert match_person({"name": "Agus Setiawan", "sex": "F"}, [person])[0].reasons[-1] == (
        "sex differs"
    )


def test_unlikely_people_are_left_out_and_the_list_is_limited():
    people = [{"name": name} for name in ["Siti Nurhaliza", "Bambang Hartono", "Siti Nurhasanah"]]
    found = match_person({"name": "Siti Nurhaliza"}, people)
    assert [c.person["name"] for c in found] == ["Siti Nurhaliza", "Siti Nurhasanah"]
    assert all(c.score >= CANDIDATE_FLOOR for c in found)
    assert len(match_person({"name": "Siti Nurhaliza"}, people, limit=1)) == 1
    assert len(match_person({"name": "Siti Nurhaliza"}, people, minimum=0.0)) == 3


def test_equal_scores_keep_the_order_of_the_list():
    people = [{"name": "Dewi Lestari", "id": i} for i in range(5)]
    assert [c.person["id"] for c in match_person({"name": "Lestari, Dewi"}, people)] == [
        0, 1, 2, 3, 4,
    ]  # fmt: skip


# --- NameIndex -----------------------------------------------------------------------------------

FEMALE = [
    "Siti", "Dewi", "Sri", "Nur", "Putri", "Ayu", "Rina", "Wulan", "Indah", "Fitri", "Ratna",
    "Nurhaliza", "Aminah", "Fatimah", "Yuliana", "Wahyuni", "Rahmawati", "Kartika", "Anisa",
    "Dian", "Mega", "Novi", "Ratih", "Sari", "Tuti", "Umi", "Yanti", "Zahra", "Soeprapti",
]  # fmt: skip
MALE = [
    "Muhammad", "Ahmad", "Agus", "Budi", "Joko", "Rizki", "Andi", "Dedi", "Eko", "Fajar",
    "Hendra", "Irfan", "Kurniawan", "Lukman", "Slamet", "Bambang", "Heru", "Yusuf", "Abdul",
    "Arif", "Bayu", "Dimas", "Gilang", "Ilham", "Rudi", "Teguh", "Wahyu", "Djoko", "Soetrisno",
]  # fmt: skip
MIDDLE = [
    "Nur", "Dwi", "Tri", "Eka", "Sri", "Adi", "Indra", "Ayu", "Putra", "Putri", "Rahma",
    "Bagus", "Dewi", "Maria", "Aulia", "Surya", "Cahya",
]  # fmt: skip
LAST = [
    "Setiawan", "Setiadi", "Lestari", "Lestiani", "Nurhasanah", "Nurhaliza", "Susilo",
    "Santoso", "Susanto", "Wijaya", "Saputra", "Saputri", "Hidayat", "Hidayah", "Pratama",
    "Kusuma", "Rahayu", "Wibowo", "Siregar", "Nasution", "Harahap", "Simanjuntak", "Panjaitan",
    "Gunawan", "Kurniasih", "Maulana", "Firmansyah", "Ramadhan", "Syahputra", "Permana",
    "Hakim", "Cahyadi", "Suryadi", "Hartono", "Purnomo", "Handayani", "Wulandari", "Nugroho",
    "Prasetyo", "Utomo", "Tjahjadi", "Soesilo", "Soerjadi",
]  # fmt: skip
TITLES_BEFORE = ["Hj.", "H.", "Ibu", "Bpk.", "Dr.", "Bripka", "Ny."]
TITLES_AFTER = [", S.Pd", ", S.E.", ", M.M.", " S.H."]


def make_people(rng: random.Random, count: int) -> list[dict]:
    """Registry people with Indonesian names (1-3 words, namesakes on purpose)."""
    people = []
    for i in range(count):
        sex = rng.choice("FM")
        words = [rng.choice(FEMALE if sex == "F" else MALE)]
        size = rng.choice([1, 2, 2, 2, 3, 3])
        if size == 3:
            words.append(rng.choice(MIDDLE))
        if size >= 2:
            words.append(rng.choice(LAST))
        people.append(
            {
                "id": i,
                "name": " ".join(words),
                "sex": sex,
                "birth_date": date(1960, 1, 1) + timedelta(days=rng.randrange(365 * 45)),
                "nik": f"3204{i:012d}",
            }
        )
    return people


def typo(rng: random.Random, word: str) -> str:
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 2)
    kind = rng.choice(["substitute", "delete", "insert", "swap"])
    if kind == "substitute":
        return word[:i] + rng.choice("aeiounrst") + word[i + 1 :]
    if kind == "delete":
        return word[:i] + word[i + 1 :]
    if kind == "insert":
        return word[:i] + rng.choice("aeiounrst") + word[i:]
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def as_written(rng: random.Random, name: str) -> str:
    """How an application might write a registry name."""
    words = name.split()
    kind = rng.choice(["same", "typo", "order", "split", "title", "old", "drop", "two typos"])
    if kind in ("typo", "two typos"):
        for _ in range(1 if kind == "typo" else 2):
            i = rng.randrange(len(words))
            words[i] = typo(rng, words[i])
    elif kind == "order" and len(words) > 1:
        return f"{words[-1]}, {' '.join(words[:-1])}"
    elif kind == "split":
        i = rng.randrange(len(words))
        if len(words[i]) >= 6:
            cut = rng.randrange(2, len(words[i]) - 2)
            words[i : i + 1] = [words[i][:cut], words[i][cut:].capitalize()]
    elif kind == "title":
        return f"{rng.choice(TITLES_BEFORE)} {' '.join(words)}{rng.choice(TITLES_AFTER)}"
    elif kind == "old":
        words = [w.replace("u", "oe").replace("c", "tj") for w in words]
    elif kind == "drop" and len(words) == 3:
        del words[1]
    return " ".join(words)


def make_questions(rng: random.Random, people: list[dict], count: int) -> list[dict]:
    questions = []
    for _ in range(count):
        person = rng.choice(people)
        question = {"name": as_written(rng, person["name"])}
        if rng.random() < 0.7:
            question["birth_date"] = person["birth_date"]
        if rng.random() < 0.7:
            question["sex"] = person["sex"]
        if rng.random() < 0.1:
            question["nik"] = person["nik"]
        questions.append(question)
    for _ in range(count // 10):  # nobody in the registry
        questions.append({"name": f"{rng.choice(MALE)} {typo(rng, rng.choice(LAST))}xyz"})
    return questions


@pytest.fixture(scope="module")
def population():
    rng = random.Random(20250601)
    people = make_people(rng, 2500)
    return people, make_questions(rng, people, 100)


def test_the_index_finds_the_same_top_candidate_as_a_scan(population):
    people, questions = population
    started = time.process_time()
    index = NameIndex(people)
    built = time.process_time() - started

    started = time.process_time()
    scanned = [match_person(q, people, limit=None) for q in questions]
    scan_time = time.process_time() - started
    started = time.process_time()
    looked_up = [index.lookup(q, limit=5) for q in questions]
    lookup_time = time.process_time() - started
    blocks = [len(index.block(q)) for q in questions]

    compared = 0
    for question, scan, found in zip(questions, scanned, looked_up, strict=True):
        # Whatever the index finds, it scores as the scan does.
        by_id = {c.person["id"]: c for c in scan}
        for candidate in found:
            assert by_id[candidate.person["id"]] == candidate
        if scan and (scan[0].name_score >= POSSIBLE or scan[0].reasons == ["nik"]):
            compared += 1
            assert found, question
            assert found[0].score == scan[0].score, question
            assert found[0].person is scan[0].person, question
    assert compared >= 80
    assert max(blocks) <= MAX_BLOCK + 20  # plus the NIK and birthday buckets
    print(
        f"\n{len(people)} people, CPU time: index built in {built * 1000:.0f} ms; "
        f"{len(questions)} questions: scan {scan_time * 1000:.0f} ms, "
        f"index {lookup_time * 1000:.0f} ms (mean block {sum(blocks) / len(blocks):.0f} people)"
    )


def test_the_index_blocks_a_few_hundred_people_at_most(population):
    people, _ = population
    index = NameIndex(people * 12)  # 30,000 people, many namesakes
    block = index.block({"name": "Siti Nurhaliza", "birth_date": date(1999, 3, 5)})
    assert 0 < len(block) <= MAX_BLOCK + 20
    assert len(index) == 30_000


def test_the_index_finds_a_nik_and_every_kind_of_writing():
    people = [
        {"name": "Siti Nurhaliza", "nik": NIK_SITI},
        {"name": "Soekarno"},
        {"name": "Joko Susilo bin Slamet"},
        {"name": "Gilang"},
        {"name": "Agus Setiawan Putra"},
    ]
    index = NameIndex(people)
    assert index.lookup({"nik": NIK_SITI})[0].reasons == ["nik"]
    for written, person in [
        ("Nurhaliza, Siti", 0),
        ("Siti Nur Haliza", 0),
        ("Siti Nurhailza", 0),
        ("Sukarno", 1),
        ("Djoko Soesilo", 2),
        ("Gil Ang", 3),
        ("Agus Setiawan", 4),
        ("Hj. Siti Nurhaliza, S.Pd", 0),
    ]:
        found = index.lookup({"name": written})
        assert found and found[0].person is people[person], written
        assert found[0].score >= MATCH, written


def test_the_index_finds_the_namesake_born_that_day_among_hundreds():
    people = [
        {"name": "Siti Aminah", "birth_date": date(1970, 1, 1) + timedelta(days=i)}
        for i in range(400)
    ]
    people.append({"name": "Aminah, Siti", "birth_date": date(2001, 8, 17)})  # the last one
    people += [{"name": f"Budi {i}", "birth_date": date(2001, 8, 17)} for i in range(100)]
    index = NameIndex(people, max_block=50)
    question = {"name": "Siti Aminah", "birth_date": date(2001, 8, 17)}
    assert index.lookup(question)[0].person is people[400]
    assert match_person(question, people)[0].person is people[400]
    # Born that day but sharing no name key: not scored.
    assert len(index.block(question)) == 51
