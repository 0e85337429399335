"""Risk signals: every default signal fires and stays quiet when it should, unknown facts are
never evidence, reasons speak Indonesian and English, and a broken rules file is refused with
its line and problem."""

import builtins
import re
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fieldcheck.domain import signals
from fieldcheck.domain.signals import (
    BOOL,
    DATE,
    DOCUMENTS,
    FACTS,
    INT,
    LIST,
    RulesError,
    check_facts,
    default_rules_path,
    evaluate,
    load_rules,
    load_rules_file,
)

DEFAULT = load_rules_file(default_rules_path())

# (signal id, facts that fire it, facts that come closest without firing it)
SIGNAL_ROWS = [
    ("female_applicant", {"applicant.sex": "F"}, {"applicant.sex": "M"}),
    (
        "young_woman",
        {"applicant.sex": "F", "applicant.age": 29},
        {"applicant.sex": "F", "applicant.age": 30},
    ),
    (
        "minor_without_parents_consent",
        {
            "applicant.age": 16,
            "applicant.marital_status": "single",
            "application.documents": ["ktp", "kk"],
        },
        {
            "applicant.age": 16,
            "applicant.marital_status": "single",
            "application.documents": ["ktp", "kk", "parents_consent"],
        },
    ),
    (
        "married_woman_without_husband_statement",
        {
            "applicant.sex": "F",
            "applicant.marital_status": "married",
            "application.documents": ["ktp", "marriage_certificate"],
        },
        {
            "applicant.sex": "F",
            "applicant.marital_status": "married",
            "application.documents": ["ktp", "marriage_certificate", "husband_statement"],
        },
    ),
    ("age_doubted", {"referral.age_doubted": True}, {"referral.age_doubted": False}),
    (
        "high_risk_destination",
        {"application.destination_country": "KH"},
        {"application.destination_country": "MY"},
    ),
    (
        "job_offered_online",
        {"interview.job_offer_channel": "messaging_app"},
        {"interview.job_offer_channel": "friend_or_family"},
    ),
    (
        "job_through_recruiter",
        {"interview.job_offer_channel": "agency"},
        {"interview.job_offer_channel": "social_media"},
    ),
    (
        "costs_paid_by_others",
        {"interview.costs_paid_by": "employer"},
        {"interview.costs_paid_by": "family"},
    ),
    (
        "visit_visa_for_work",
        {
            "application.visa_type": "tourist",
            "application.purpose": "tourism",
            "interview.job_offer_channel": "online_ad",
        },
        {
            "application.visa_type": "tourist",
            "application.purpose": "tourism",
            "interview.job_offer_channel": "none",
        },
    ),
    (
        "work_without_contract",
        {"application.purpose": "work", "interview.contract_seen": False},
        # A contract seen (in the field, or among intake's documents: the facts say which
        # counts) is enough, whatever the documents list.
        {
            "application.purpose": "work",
            "interview.contract_seen": True,
            "application.documents": ["ktp"],
        },
    ),
    (
        "salary_unusually_high",
        {"interview.promised_salary_idr": 15_000_000},
        {"interview.promised_salary_idr": 14_999_999},
    ),
    ("nik_data_mismatch", {"identity.nik_mismatch_count": 1}, {"identity.nik_mismatch_count": 0}),
    (
        "nik_outside_office_area",
        {"identity.outside_office_area": True},
        {"identity.outside_office_area": False},
    ),
    ("registry_mismatch", {"registry.mismatch_count": 2}, {"registry.mismatch_count": 0}),
    ("registry_not_found", {"registry.not_found_count": 1}, {"registry.not_found_count": 0}),
    (
        "family_card_mismatch",
        {"family.card_mismatch_count": 1},
        {"family.card_mismatch_count": 0},
    ),
    ("household_unaware", {"household.aware_of_trip": False}, {"household.aware_of_trip": True}),
    (
        "household_different_purpose",
        {"household.purpose_matches": False},
        {"household.purpose_matches": True},
    ),
    (
        "recruiter_seen_before",
        {"recruiter.seen_in_other_cases": 3, "recruiter.offices": 2},
        {"recruiter.seen_in_other_cases": 0},
    ),
    (
        "recruiter_tied_to_refused_cases",
        {
            "recruiter.seen_in_other_cases": 4,
            "recruiter.offices": 3,
            "recruiter.refused_cases": 2,
        },
        {"recruiter.seen_in_other_cases": 4, "recruiter.refused_cases": 0},
    ),
    (
        "recruiter_tied_to_repatriated_victims",
        {"recruiter.seen_in_other_cases": 0, "recruiter.repatriated_victims": 2},
        {"recruiter.seen_in_other_cases": 4, "recruiter.repatriated_victims": 0},
    ),
    # Issue 16: seen in another office (the facts are given only when a sighting counts).
    (
        "refused_in_other_office",
        {
            "history.refused_office": "Kantor Imigrasi Cirebon",
            "history.refused_on": date(2026, 1, 5),
        },
        {"history.in_check_office": "Kantor Imigrasi Cirebon"},
    ),
    (
        "in_check_at_other_office",
        {"history.in_check_office": "Kantor Imigrasi Cirebon"},
        {"history.refused_office": "Kantor Imigrasi Cirebon"},
    ),
    ("prevention_list", {"prevention.listed": True}, {"prevention.listed": False}),
]

SIGNAL_IDS = [row[0] for row in SIGNAL_ROWS]


def fired_ids(rules, facts, language="id"):
    return [signal.id for signal in evaluate(rules, facts, language).fired]


def one_signal(condition: str, reason: str = "Alasan.", weight: int = 10) -> str:
    """A rules text with a single signal `s` whose condition line is `condition`."""
    return f"""\
version = "1"
[levels]
medium = 30
high = 60
[lists]
far = ["KH", "MM"]
[[signal]]
id = "s"
weight = {weight}
title_id = "Sinyal"
title_en = "Signal"
reason_id = "{reason}"
reason_en = "{reason}"
{condition}
"""


@pytest.mark.parametrize(("signal_id", "fires", "quiet"), SIGNAL_ROWS, ids=SIGNAL_IDS)
def test_default_signal_fires_on_its_facts(signal_id, fires, quiet):
    assert signal_id in fired_ids(DEFAULT, fires)


@pytest.mark.parametrize(("signal_id", "fires", "quiet"), SIGNAL_ROWS, ids=SIGNAL_IDS)
def test_default_signal_stays_quiet_on_near_miss(signal_id, fires, quiet):
    assert signal_id not in fired_ids(DEFAULT, quiet)


def test_every_default_signal_has_a_test_row():
    rows = [row[0] for row in SIGNAL_ROWS]
    assert sorted(rows) == sorted(signal.id for signal in DEFAULT.signals)
    assert len(rows) == len(set(rows))


def test_test_rows_use_only_the_facts_vocabulary():
    for signal_id, fires, quiet in SIGNAL_ROWS:
        assert check_facts(fires) == [], signal_id
        assert check_facts(quiet) == [], signal_id


def test_default_rules_cover_the_papers_signals():
    assert len(DEFAULT.signals) >= 14
    assert all(1 <= signal.weight <= 100 for signal in DEFAULT.signals)
    assert DEFAULT.lists["high_risk_destinations"] == ("KH", "MM", "LA", "PH")
    assert DEFAULT.thresholds == {"medium": 30, "high": 60}


def test_no_facts_fire_nothing():
    for facts in ({}, dict.fromkeys(FACTS)):
        result = evaluate(DEFAULT, facts)
        assert (result.fired, result.score, result.level) == ([], 0, "low")


SEX, AGE, DOUBTED = "applicant.sex", "applicant.age", "referral.age_doubted"
DEST, DOCS = "application.destination_country", "application.documents"
ABSENT = object()

# (field, op, value as TOML or None, the fact's value or ABSENT, fires): every operator true,
# false, and false on an unknown fact (except `missing`)
OPERATOR_ROWS = [
    (SEX, "eq", '"F"', "F", True),
    (SEX, "eq", '"F"', "M", False),
    (SEX, "ne", '"F"', "M", True),
    (SEX, "ne", '"F"', "F", False),
    (SEX, "ne", '"F"', ABSENT, False),
    (DEST, "in", '["KH"]', "KH", True),
    (DEST, "in", '"@far"', "MM", True),
    (DEST, "in", '"@far"', "MY", False),
    (DEST, "not_in", '"@far"', "MY", True),
    (DEST, "not_in", '"@far"', "KH", False),
    (DEST, "not_in", '"@far"', ABSENT, False),
    (AGE, "in", "[16, 17]", 17, True),
    (AGE, "lt", "17", 16, True),
    (AGE, "lt", "17", 17, False),
    (AGE, "le", "17", 17, True),
    (AGE, "le", "17", 18, False),
    (AGE, "gt", "17", 18, True),
    (AGE, "gt", "17", 17, False),
    (AGE, "ge", "17", 17, True),
    (AGE, "ge", "17", 16, False),
    (AGE, "lt", "17", ABSENT, False),
    (DOUBTED, "is_true", None, True, True),
    (DOUBTED, "is_true", None, False, False),
    (DOUBTED, "is_false", None, False, True),
    (DOUBTED, "is_false", None, True, False),
    (DOUBTED, "is_false", None, ABSENT, False),
    (DOCS, "contains", '"ktp"', ["ktp"], True),
    (DOCS, "contains", '"ktp"', [], False),
    (DOCS, "not_contains", '"ktp"', ["kk"], True),
    (DOCS, "not_contains", '"ktp"', ["ktp"], False),
    (DOCS, "not_contains", '"ktp"', ABSENT, False),
    (AGE, "exists", None, 0, True),
    (AGE, "exists", None, None, False),
    (AGE, "missing", None, ABSENT, True),
    (AGE, "missing", None, None, True),
    (AGE, "missing", None, 20, False),
]


def condition(field: str, op: str, value: str | None) -> str:
    """One condition item as TOML text."""
    tail = f", value = {value}" if value is not None else ""
    return f'{{ field = "{field}", op = "{op}"{tail} }}'


@pytest.mark.parametrize(("field", "op", "value", "fact", "fires"), OPERATOR_ROWS)
def test_operator(field, op, value, fact, fires):
    rules = load_rules(one_signal(f"all = [{condition(field, op, value)}]"))
    facts = {} if fact is ABSENT else {field: fact}
    assert (fired_ids(rules, facts) == ["s"]) is fires


def test_unknown_fact_is_never_evidence_except_for_missing():
    for field, op, value, _, _ in OPERATOR_ROWS:
        if op == "missing":
            continue
        rules = load_rules(one_signal(f"all = [{condition(field, op, value)}]"))
        assert fired_ids(rules, {}) == [], op
        assert fired_ids(rules, {field: None}) == [], op


NESTED = one_signal(
    "all = [\n"
    '    { field = "applicant.sex", op = "eq", value = "F" },\n'
    '    { any = [{ field = "applicant.age", op = "lt", value = 18 }, { all = ['
    '{ field = "application.destination_country", op = "in", value = "@far" }, '
    '{ field = "household.aware_of_trip", op = "is_false" }] }] },\n'
    "]"
)


@pytest.mark.parametrize(
    ("sex", "age", "destination", "aware", "fires"),
    [
        ("F", 17, None, None, True),
        ("F", 30, "KH", False, True),
        ("F", None, "KH", False, True),
        ("F", 30, "KH", True, False),
        ("F", 30, "MY", False, False),
        ("F", 30, None, None, False),
        ("M", 17, "KH", False, False),
        (None, 17, "KH", False, False),
    ],
)
def test_nested_any_and_all_groups(sex, age, destination, aware, fires):
    facts = {
        "applicant.sex": sex,
        "applicant.age": age,
        "application.destination_country": destination,
        "household.aware_of_trip": aware,
    }
    assert (fired_ids(load_rules(NESTED), facts) == ["s"]) is fires


LEVELS = """\
version = "1"
[levels]
medium = 30
high = 60
[[signal]]
id = "a"
weight = 29
title_id = "A"
title_en = "A"
reason_id = "A"
reason_en = "A"
all = [{ field = "referral.age_doubted", op = "is_true" }]
[[signal]]
id = "b"
weight = 1
title_id = "B"
title_en = "B"
reason_id = "B"
reason_en = "B"
all = [{ field = "identity.outside_office_area", op = "is_true" }]
[[signal]]
id = "c"
weight = 30
title_id = "C"
title_en = "C"
reason_id = "C"
reason_en = "C"
all = [{ field = "household.aware_of_trip", op = "is_false" }]
"""


@pytest.mark.parametrize(
    ("doubted", "outside", "unaware", "score", "level"),
    [
        (False, False, False, 0, "low"),
        (True, False, False, 29, "low"),
        (True, True, False, 30, "medium"),
        (True, False, True, 59, "medium"),
        (True, True, True, 60, "high"),
    ],
)
def test_level_at_the_thresholds(doubted, outside, unaware, score, level):
    facts = {
        "referral.age_doubted": doubted,
        "identity.outside_office_area": outside,
        "household.aware_of_trip": not unaware,
    }
    result = evaluate(load_rules(LEVELS), facts)
    assert (result.score, result.level) == (score, level)


def test_evaluation_names_the_rules_version():
    assert evaluate(DEFAULT, {}).rules_version == DEFAULT.version


def test_reasons_in_indonesian_and_english_fill_placeholders_with_labels():
    facts = {
        "application.destination_country": "KH",
        "interview.promised_salary_idr": 25_000_000,
        "applicant.age": 16,
        "applicant.marital_status": "single",
        "application.documents": ["ktp", "kk"],
    }
    indonesian = {s.id: s for s in evaluate(DEFAULT, facts, "id").fired}
    english = {s.id: s for s in evaluate(DEFAULT, facts, "en").fired}
    assert indonesian["high_risk_destination"].title == "Negara tujuan berisiko tinggi"
    assert english["high_risk_destination"].title == "High-risk destination"
    assert "Negara tujuan, Kamboja, termasuk" in indonesian["high_risk_destination"].reason
    assert "The destination, Cambodia, is" in english["high_risk_destination"].reason
    assert "Rp25.000.000 per bulan" in indonesian["salary_unusually_high"].reason
    assert "IDR 25,000,000 a month" in english["salary_unusually_high"].reason
    assert "diserahkan: KTP, KK." in indonesian["minor_without_parents_consent"].reason
    assert "presented: identity card (KTP), family card (KK)." in (
        english["minor_without_parents_consent"].reason
    )
    for fired in [*indonesian.values(), *english.values()]:
        assert "{" not in fired.reason and "}" not in fired.reason


def test_reason_writes_each_kind_of_value_in_each_language():
    rules = load_rules(
        one_signal(
            'all = [{ field = "applicant.age", op = "exists" }]',
            reason="{applicant.age}; {interview.promised_salary_idr}; {application.documents}; "
            "{household.aware_of_trip}; {application.purpose}; {{braces}}",
        )
    )
    facts = {
        "applicant.age": 16,
        "interview.promised_salary_idr": 1_500_000,
        "application.documents": [],
        "household.aware_of_trip": False,
    }
    [indonesian] = evaluate(rules, facts, "id").fired
    [english] = evaluate(rules, facts, "en").fired
    assert indonesian.reason == "16; 1.500.000; tidak ada; tidak; tidak diketahui; {braces}"
    assert english.reason == "16; 1,500,000; none; no; unknown; {braces}"


def test_a_reason_rendered_once_is_rendered_again_for_other_values(monkeypatch):
    """Reasons are kept rendered by the values of the facts they name: the same values give the
    kept text, any other value (a list, a yes for a 1, a date) a text of its own, and the kept
    texts are dropped when there are too many."""
    rules = load_rules(
        one_signal(
            'all = [{ field = "applicant.age", op = "exists" }]',
            reason="{applicant.age}; {application.documents}; {household.aware_of_trip}; "
            "{history.refused_on}",
        )
    )
    seen = [
        ({"applicant.age": 16}, "16; tidak diketahui; tidak diketahui; tidak diketahui"),
        ({"applicant.age": 17}, "17; tidak diketahui; tidak diketahui; tidak diketahui"),
        (
            {"applicant.age": 16, "application.documents": ["ktp"]},
            "16; ktp; tidak diketahui; tidak diketahui",
        ),
        (
            {"applicant.age": 16, "application.documents": ["ktp", "kk"]},
            "16; ktp, kk; tidak diketahui; tidak diketahui",
        ),
        (
            {"applicant.age": 1, "household.aware_of_trip": True},
            "1; tidak diketahui; ya; tidak diketahui",
        ),
        (
            {"applicant.age": 1, "household.aware_of_trip": 1},
            "1; tidak diketahui; 1; tidak diketahui",
        ),
        (
            {"applicant.age": 16, "history.refused_on": date(2026, 3, 5)},
            "16; tidak diketahui; tidak diketahui; 5 Maret 2026",
        ),
    ]
    for _ in range(2):  # the second time from what was kept
        for facts, reason in seen:
            assert [s.reason for s in evaluate(rules, facts, "id").fired] == [reason]
    assert 0 < len(rules.rendered) <= len(seen)
    monkeypatch.setattr(signals, "RENDERED_KEPT", 2)
    rules.rendered.clear()
    for facts, reason in seen:
        assert [s.reason for s in evaluate(rules, facts, "id").fired] == [reason]
        assert len(rules.rendered) <= 2


def test_a_date_fact_is_written_in_words_in_each_language():
    rules = load_rules(
        one_signal(
            'all = [{ field = "history.refused_on", op = "exists" }]',
            reason="{history.refused_office}, {history.refused_on}",
        )
    )
    facts = {
        "history.refused_office": "Kantor Imigrasi Cirebon",
        "history.refused_on": date(2026, 3, 5),
    }
    [indonesian] = evaluate(rules, facts, "id").fired
    [english] = evaluate(rules, facts, "en").fired
    assert indonesian.reason == "Kantor Imigrasi Cirebon, 5 Maret 2026"
    assert english.reason == "Kantor Imigrasi Cirebon, 5 March 2026"
    assert check_facts({"history.refused_on": "2026-03-05"}) == [
        "history.refused_on is a date, not '2026-03-05'"
    ]


def test_a_date_fact_takes_only_exists_and_missing():
    with pytest.raises(RulesError, match="does not apply to history.refused_on, a date fact"):
        load_rules(one_signal('all = [{ field = "history.refused_on", op = "gt", value = 1 }]'))


def test_evaluate_refuses_an_unknown_language():
    with pytest.raises(ValueError, match="language"):
        evaluate(DEFAULT, {}, "fr")


def test_version_is_the_file_version_and_a_hash_of_the_content():
    text = one_signal('all = [{ field = "applicant.sex", op = "eq", value = "F" }]')
    version = load_rules(text).version
    assert re.fullmatch(r"1\+[0-9a-f]{8}", version)
    assert load_rules(text).version == version
    assert re.fullmatch(r"2026\.12\.2\+[0-9a-f]{8}", DEFAULT.version)


def test_version_changes_when_the_content_changes():
    text = one_signal('all = [{ field = "applicant.sex", op = "eq", value = "F" }]')
    version = load_rules(text).version
    assert load_rules(text.replace("weight = 10", "weight = 11")).version != version
    assert load_rules(text + "# a comment\n").version != version


VALID = """\
version = "1.0"

[levels]
medium = 30
high = 60

[lists]
far = ["KH", "MM"]

[[signal]]
id = "woman"
weight = 10
title_id = "Perempuan"
title_en = "Woman"
reason_id = "Pemohon {applicant.sex}."
reason_en = "Applicant {applicant.sex}."
all = [{ field = "applicant.sex", op = "eq", value = "F" }]

[[signal]]
id = "far_away"
weight = 20
title_id = "Jauh"
title_en = "Far"
reason_id = "Tujuan {application.destination_country}."
reason_en = "Destination {application.destination_country}."
all = [
    { field = "applicant.age", op = "lt", value = 30 },
    { field = "application.destination_country", op = "in", value = "@far" },
]
"""
# Each case edits VALID; "# <-" marks the line the error must name.
BROKEN = [
    pytest.param(
        [("weight = 10", "weight = = 10  # <-")],
        "Invalid value",
        id="toml-syntax-error",
    ),
    pytest.param(
        [('op = "eq", value = "F" }]', 'op = "equals", value = "F" }]  # <-')],
        "signal 'woman': unknown operator 'equals'",
        id="unknown-operator",
    ),
    pytest.param(
        [
            (
                '"applicant.age", op = "lt", value = 30 },',
                '"applicant.gender", op = "lt", value = 30 },  # <-',
            )
        ],
        "signal 'far_away': unknown field 'applicant.gender'",
        id="unknown-field",
    ),
    pytest.param(
        [('id = "far_away"', 'id = "woman"  # <-')],
        "signal 'woman': duplicate id (first at line 11)",
        id="duplicate-id",
    ),
    pytest.param(
        [('id = "far_away"', 'id = "far_away"  # <-'), ('title_en = "Far"\n', "")],
        "signal 'far_away': missing key 'title_en'",
        id="missing-title-en",
    ),
    pytest.param(
        [("weight = 20", "weight = 150  # <-")],
        "signal 'far_away': weight must be a whole number from 1 to 100, not 150",
        id="weight-out-of-range",
    ),
    pytest.param(
        [("weight = 20", "weight = 0  # <-")],
        "signal 'far_away': weight must be a whole number from 1 to 100, not 0",
        id="weight-zero",
    ),
    pytest.param(
        [('value = "@far" },', 'value = "@near" },  # <-')],
        "signal 'far_away': list '@near' is not defined in [lists]",
        id="missing-list",
    ),
    pytest.param(
        [('reason_en = "Applicant {applicant.sex}."', 'reason_en = "A {applicant.name}."  # <-')],
        "signal 'woman': reason_en: placeholder {applicant.name} is not a known fact",
        id="unknown-placeholder",
    ),
    pytest.param(
        [
            (
                'reason_id = "Pemohon {applicant.sex}."',
                'reason_id = "{applicant.sex.__class__}"  # <-',
            )
        ],
        "signal 'woman': reason_id: placeholder {applicant.sex.__class__} is not a known fact",
        id="attribute-placeholder",
    ),
    pytest.param(
        [('reason_id = "Pemohon {applicant.sex}."', 'reason_id = "{applicant.sex!r}"  # <-')],
        "signal 'woman': reason_id: placeholder {applicant.sex} takes no format or conversion",
        id="placeholder-conversion",
    ),
    pytest.param(
        [('reason_id = "Pemohon {applicant.sex}."', 'reason_id = "Pemohon {applicant.sex"  # <-')],
        "signal 'woman': reason_id: expected '}' before end of string",
        id="unbalanced-brace",
    ),
    pytest.param(
        [('op = "lt", value = 30 },', 'op = "lt", value = "30" },  # <-')],
        "signal 'far_away': operator 'lt' needs a number, not '30'",
        id="number-operator-given-text",
    ),
    pytest.param(
        [('value = "@far" },', 'value = "KH" },  # <-')],
        "signal 'far_away': operator 'in' needs a non-empty list or a \"@list_name\", not 'KH'",
        id="in-given-a-bare-value",
    ),
    pytest.param(
        [('value = "F" }]', 'value = "female" }]  # <-')],
        "signal 'woman': operator 'eq': 'female' is not a value of applicant.sex (one of: F, M)",
        id="value-outside-vocabulary",
    ),
    pytest.param(
        [('value = "F" }]', "value = 1 }]  # <-")],
        "signal 'woman': operator 'eq': applicant.sex holds text, not 1",
        id="eq-given-a-number-for-text",
    ),
    pytest.param(
        [
            ('far = ["KH", "MM"]', 'far = ["KH", "Myanmar"]'),
            ('value = "@far" },', 'value = "@far" },  # <-'),
        ],
        "signal 'far_away': 'Myanmar' is not a valid application.destination_country "
        "(an ISO 3166 code such as 'KH') (in list '@far')",
        id="list-value-outside-vocabulary",
    ),
    pytest.param(
        [('op = "eq", value = "F" }]', 'op = "lt", value = 1 }]  # <-')],
        "signal 'woman': operator 'lt' does not apply to applicant.sex, a text fact "
        "(use one of: eq, exists, in, missing, ne, not_in)",
        id="operator-for-another-kind",
    ),
    pytest.param(
        [
            (
                'field = "applicant.sex", op = "eq", value = "F" }]',
                'field = "referral.age_doubted", op = "is_true", value = true }]  # <-',
            )
        ],
        "signal 'woman': operator 'is_true' takes no value",
        id="value-for-operator-without-value",
    ),
    pytest.param(
        [("weight = 10", "weight = 10\nwieght = 5  # <-")],
        "signal 'woman': unknown key 'wieght'",
        id="misspelt-signal-key",
    ),
    pytest.param(
        [
            ('id = "woman"', 'id = "woman"  # <-'),
            ('\nall = [{ field = "applicant.sex", op = "eq", value = "F" }]', ""),
        ],
        "signal 'woman': needs exactly one condition, `all = [...]` or `any = [...]`",
        id="no-condition",
    ),
    pytest.param(
        [('title_en = "Woman"', 'title_en = "Woman {applicant.age}"  # <-')],
        "signal 'woman': title_en is plain text: put facts in the reason",
        id="placeholder-in-title",
    ),
    pytest.param(
        [("high = 60", "high = 30  # <-")],
        "[levels]: thresholds must ascend, but medium (30) is not below high (30)",
        id="thresholds-not-ascending",
    ),
    pytest.param(
        [("medium = 30", "meduim = 30  # <-")],
        "[levels]: unknown level 'meduim' (expected medium and high; below medium is low)",
        id="unknown-level",
    ),
    pytest.param(
        [('version = "1.0"', "# <-")],
        "missing top-level key 'version' (e.g. version = \"2026.11.1\")",
        id="missing-version",
    ),
]


@pytest.mark.parametrize(("edits", "problem"), BROKEN)
def test_broken_rules_are_refused_with_line_and_problem(edits, problem):
    text = VALID
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    [expected_line] = [n for n, line in enumerate(text.splitlines(), 1) if "# <-" in line]
    with pytest.raises(RulesError) as caught:
        load_rules(text, "risk_signals.toml")
    assert caught.value.problem.startswith(problem)
    assert caught.value.line == expected_line
    assert caught.value.source == "risk_signals.toml"


def test_valid_base_of_the_broken_cases_loads():
    assert [signal.id for signal in load_rules(VALID).signals] == ["woman", "far_away"]


def test_error_message_names_file_line_and_problem():
    text = VALID.replace('op = "eq", value = "F"', 'op = "equals", value = "F"')
    with pytest.raises(RulesError) as caught:
        load_rules(text, "risk_signals.toml")
    assert str(caught.value) == (
        "risk_signals.toml line 17: signal 'woman': unknown operator 'equals'"
    )


def test_rules_file_error_names_its_path(tmp_path):
    path = tmp_path / "risk_signals.toml"
    path.write_text(VALID.replace("weight = 20", "weight = 101"), encoding="utf-8")
    with pytest.raises(RulesError) as caught:
        load_rules_file(path)
    assert str(caught.value).startswith(f"{path} line 21: signal 'far_away': weight")


def test_missing_rules_file_is_refused(tmp_path):
    with pytest.raises(RulesError) as caught:
        load_rules_file(tmp_path / "nowhere.toml")
    assert caught.value.line is None
    assert "cannot read" in caught.value.problem


def test_loader_and_evaluate_never_run_code(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("code was evaluated")

    for name in ("eval", "exec", "compile"):
        monkeypatch.setattr(builtins, name, refuse)
    rules = load_rules_file(default_rules_path())
    code = "__import__('os').system('x')"
    compared = load_rules(
        one_signal(
            'all = [{ field = "application.destination_country", op = "ne", value = "KH" }]',
            reason="{application.destination_country}",
        )
    )
    [fired] = evaluate(compared, {"application.destination_country": code}).fired
    assert fired.reason == code
    assert evaluate(rules, {"application.destination_country": code}).fired == []


def test_code_in_a_rule_value_is_only_a_value():
    code = "__import__('os').system('x')"
    text = one_signal(f'all = [{{ field = "applicant.sex", op = "eq", value = "{code}" }}]')
    with pytest.raises(RulesError) as caught:
        load_rules(text)
    assert caught.value.problem.startswith(f"signal 's': operator 'eq': {code!r} is not a value")


def test_fact_value_with_braces_is_not_formatted_again():
    rules = load_rules(
        one_signal(
            f"all = [{condition('application.purpose', 'exists', None)}]", "{application.purpose}"
        )
    )
    [fired] = evaluate(rules, {"application.purpose": "{applicant.age}"}).fired
    assert fired.reason == "{applicant.age}"


def test_check_facts_reports_unknown_keys_wrong_kinds_and_values():
    problems = check_facts(
        {
            "applicant.gender": "F",
            "applicant.age": "16",
            "applicant.sex": "female",
            "referral.age_doubted": 1,
            "application.documents": ["ktp", "passport"],
            "household.aware_of_trip": None,
        }
    )
    assert problems == [
        "unknown fact 'applicant.gender'",
        "applicant.age is a number, not '16'",
        "'female' is not a value of applicant.sex (one of: F, M)",
        "referral.age_doubted is yes/no (true or false), not 1",
        "'passport' is not a value of application.documents (one of: "
        + ", ".join(sorted(DOCUMENTS))
        + ")",
    ]


def test_every_fact_is_documented_at_the_top_of_the_module():
    for name in FACTS:
        assert re.search(rf"^{re.escape(name)} ", signals.__doc__, re.MULTILINE), name


def fact_values(name):
    fact = FACTS[name]
    if fact.kind == INT:
        return st.integers(min_value=0, max_value=50_000_000)
    if fact.kind == BOOL:
        return st.booleans()
    if fact.kind == LIST:
        return st.lists(st.sampled_from(sorted(fact.values)), unique=True)
    if fact.kind == DATE:
        return st.dates()
    return st.sampled_from(sorted(fact.values) or ["KH", "MM", "MY", "SA"])


FACTS_STRATEGY = st.fixed_dictionaries(
    {}, optional={name: st.none() | fact_values(name) for name in FACTS}
)


@given(FACTS_STRATEGY)
def test_score_is_the_sum_of_fired_weights_and_sets_the_level(facts):
    assert check_facts(facts) == []
    indonesian = evaluate(DEFAULT, facts, "id")
    english = evaluate(DEFAULT, facts, "en")
    assert [s.id for s in indonesian.fired] == [s.id for s in english.fired]
    assert indonesian.score == sum(s.weight for s in indonesian.fired)
    assert indonesian.level == DEFAULT.level_for(indonesian.score)
    order = [signal.id for signal in DEFAULT.signals]
    assert [s.id for s in indonesian.fired] == sorted(
        (s.id for s in indonesian.fired), key=order.index
    )


@given(FACTS_STRATEGY, st.sets(st.sampled_from(sorted(FACTS))))
def test_forgetting_facts_never_fires_a_new_signal(facts, forgotten):
    known = set(fired_ids(DEFAULT, facts))
    fewer = {name: value for name, value in facts.items() if name not in forgotten}
    assert set(fired_ids(DEFAULT, fewer)) <= known


def test_a_case_stores_its_fired_signals_as_the_json_list_of_them_in_both_languages():
    """What cases.service stores (each signal encoded once for the texts it fires with) is the
    very JSON of the list, whichever signals fire, however often the same texts recur."""
    import json

    from fieldcheck.cases.service import stored_signals

    many = {}
    for _, fires, _ in SIGNAL_ROWS:
        many.update(fires)
    for facts in [{}, many, *(fires for _, fires, _ in SIGNAL_ROWS), many]:
        by_language = signals.evaluate_in(DEFAULT, facts, ("id", "en"))
        english = {s.id: s for s in by_language["en"].fired}
        expected = [
            {
                "id": s.id,
                "weight": s.weight,
                "title": {"id": s.title, "en": english[s.id].title},
                "reason": {"id": s.reason, "en": english[s.id].reason},
            }
            for s in by_language["id"].fired
        ]
        assert stored_signals(by_language) == json.dumps(expected, ensure_ascii=False)
    assert len(json.loads(stored_signals(signals.evaluate_in(DEFAULT, many, ("id", "en"))))) > 5
