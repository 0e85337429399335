"""Every legal and illegal move of the case state machine (DESIGN.md, "Case states")."""

import itertools

import pytest

from fieldcheck.domain import case_states as cs
from fieldcheck.domain.case_states import TransitionError, allowed_actions, transition

OPEN = [
    "referred",
    "assigned",
    "in_field",
    "submitted",
    "registry_check",
    "under_review",
    "returned",
]

# Written out from DESIGN.md independently of the module: (action, from) -> to.
EXPECTED = {
    ("assign", "referred"): "assigned",
    ("reassign", "assigned"): "assigned",
    ("reassign", "in_field"): "assigned",
    ("take_to_field", "assigned"): "in_field",
    ("submit", "assigned"): "submitted",
    ("submit", "in_field"): "submitted",
    ("begin_registry_check", "submitted"): "registry_check",
    ("begin_review", "submitted"): "under_review",
    ("begin_review", "registry_check"): "under_review",
    ("return_for_correction", "under_review"): "returned",
    ("resubmit", "returned"): "submitted",
    ("verify", "under_review"): "verified",
    ("refuse", "under_review"): "refused",
    ("revoke", "verified"): "revoked",
    **{("cancel", state): "cancelled" for state in OPEN},
}
WHO = {
    "assign": "intake",
    "reassign": "supervisor",
    "take_to_field": "field",
    "submit": "field",
    "begin_registry_check": "system",
    "begin_review": "system",
    "return_for_correction": "supervisor",
    "resubmit": "field",
    "verify": "supervisor",
    "refuse": "supervisor",
    "revoke": "supervisor",
    "cancel": "intake",
}
WORDS = {"reason": "Applicant withdrew", "comment": "Please add the mother's NIK"}


def test_the_table_knows_exactly_the_documented_states_and_actions():
    assert set(cs.STATES) == {
        "referred",
        "assigned",
        "in_field",
        "submitted",
        "registry_check",
        "under_review",
        "returned",
        "verified",
        "refused",
        "revoked",
        "cancelled",
    }
    assert set(cs.ACTIONS) == set(WHO)


@pytest.mark.parametrize(("action", "state"), sorted(EXPECTED))
def test_legal_transition(action, state):
    assert transition(state, action, WHO[action], **WORDS) == EXPECTED[(action, state)]


ILLEGAL = [(a, s) for a, s in itertools.product(sorted(WHO), cs.STATES) if (a, s) not in EXPECTED]


@pytest.mark.parametrize(("action", "state"), ILLEGAL)
def test_illegal_transition_is_refused(action, state):
    with pytest.raises(TransitionError) as error:
        transition(state, action, WHO[action], **WORDS)
    assert error.value.code == "illegal_transition"
    assert state in str(error.value)


def test_final_states_have_no_way_out():
    for state in ("refused", "revoked", "cancelled"):
        for role in ("intake", "field", "supervisor", "admin", "system"):
            assert allowed_actions(state, role) == []


@pytest.mark.parametrize(
    ("action", "state", "role"),
    [
        ("assign", "referred", "field"),
        ("verify", "under_review", "intake"),
        ("verify", "under_review", "system"),
        ("refuse", "under_review", "field"),
        ("submit", "in_field", "intake"),
        ("cancel", "assigned", "field"),
        ("revoke", "verified", "passport"),
        ("return_for_correction", "under_review", "registry"),
    ],
)
def test_role_not_allowed(action, state, role):
    with pytest.raises(TransitionError) as error:
        transition(state, action, role, **WORDS)
    assert error.value.code == "role_not_allowed"


@pytest.mark.parametrize(
    ("action", "state", "missing"),
    [
        ("refuse", "under_review", "reason"),
        ("revoke", "verified", "reason"),
        ("cancel", "referred", "reason"),
        ("reassign", "assigned", "reason"),
        ("return_for_correction", "under_review", "comment"),
    ],
)
def test_moves_that_must_say_why(action, state, missing):
    words = {k: v for k, v in WORDS.items() if k != missing}
    with pytest.raises(TransitionError) as error:
        transition(state, action, WHO[action], **words)
    assert error.value.code == f"{missing}_required"
    with pytest.raises(TransitionError):
        transition(state, action, WHO[action], **{**words, missing: "   "})


def test_open_registry_questions_hold_the_case_unless_a_supervisor_gives_a_reason():
    with pytest.raises(TransitionError) as error:
        transition("registry_check", "begin_review", "system", open_questions=2)
    assert error.value.code == "registry_open"
    with pytest.raises(TransitionError):
        transition("registry_check", "begin_review", "supervisor", open_questions=2)
    assert (
        transition(
            "registry_check",
            "begin_review",
            "supervisor",
            open_questions=2,
            reason="Dukcapil office closed for two weeks",
        )
        == "under_review"
    )
    assert (
        transition("registry_check", "begin_review", "system", open_questions=0) == "under_review"
    )


def test_unknown_state_and_action():
    with pytest.raises(TransitionError) as error:
        transition("lost", "assign", "intake")
    assert error.value.code == "unknown_state"
    with pytest.raises(TransitionError) as error:
        transition("referred", "approve", "intake")
    assert error.value.code == "unknown_action"


def test_allowed_actions_for_buttons():
    assert allowed_actions("under_review", "supervisor") == [
        "return_for_correction",
        "verify",
        "refuse",
        "cancel",
    ]
    assert allowed_actions("referred", "intake") == ["assign", "cancel"]
    assert allowed_actions("under_review", "field") == []


@pytest.mark.parametrize("state", cs.STATES)
def test_a_case_is_overdue_only_while_open_and_past_its_due_date(state):
    from datetime import date

    today = date(2026, 12, 3)
    assert cs.overdue(state, date(2026, 12, 2), today) is (state in OPEN)
    assert cs.overdue(state, today, today) is False  # due today is not late yet
    assert cs.overdue(state, date(2026, 12, 4), today) is False
    assert cs.overdue(state, None, today) is False
