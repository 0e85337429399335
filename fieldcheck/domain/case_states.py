"""The life of a case as a table: which action moves a case from which state to which, who may
take it, and what it must say. DESIGN.md, "Case states".

Only fieldcheck.cases.service.move calls `transition()` (the pages, the sync handlers, the
registry and the review all move a case through it), and it records the audit event in the same
transaction. Errors carry stable codes; fieldcheck.errors puts them in the reader's words.
"""

from dataclasses import dataclass, field
from datetime import date

from fieldcheck.domain import roles

REFERRED = "referred"
ASSIGNED = "assigned"
IN_FIELD = "in_field"
SUBMITTED = "submitted"
REGISTRY_CHECK = "registry_check"
UNDER_REVIEW = "under_review"
RETURNED = "returned"
VERIFIED = "verified"
REFUSED = "refused"
REVOKED = "revoked"
CANCELLED = "cancelled"

STATES = (
    REFERRED,
    ASSIGNED,
    IN_FIELD,
    SUBMITTED,
    REGISTRY_CHECK,
    UNDER_REVIEW,
    RETURNED,
    VERIFIED,
    REFUSED,
    REVOKED,
    CANCELLED,
)
# The cases a field officer's phone holds: the team's work still to be visited or corrected.
ON_PHONE = (ASSIGNED, IN_FIELD, RETURNED)
OPEN_STATES = (REFERRED, ASSIGNED, IN_FIELD, SUBMITTED, REGISTRY_CHECK, UNDER_REVIEW, RETURNED)
FINAL_STATES = (REFUSED, REVOKED, CANCELLED)


def overdue(state: str, due: date | None, today: date) -> bool:
    """Past its due date and still open: the check is late. A decided or closed case is not,
    and a case without a due date never is."""
    return due is not None and due < today and state in OPEN_STATES


# Automatic steps (the sync engine, the registry queue) act as this pseudo-role.
SYSTEM = "system"

OFFICE_DESK = (roles.INTAKE, roles.SUPERVISOR)


@dataclass(frozen=True)
class Action:
    """One move of the case: from these states to one, by these roles, saying what it must."""

    name: str
    sources: tuple[str, ...]
    target: str
    by: tuple[str, ...]
    needs: tuple[str, ...] = field(default=())  # "reason" and/or "comment"


ACTIONS = {
    a.name: a
    for a in (
        Action("assign", (REFERRED,), ASSIGNED, OFFICE_DESK),
        Action("reassign", (ASSIGNED, IN_FIELD), ASSIGNED, OFFICE_DESK, ("reason",)),
        Action("take_to_field", (ASSIGNED,), IN_FIELD, (roles.FIELD, SYSTEM)),
        Action("submit", (ASSIGNED, IN_FIELD), SUBMITTED, (roles.FIELD, SYSTEM)),
        Action("begin_registry_check", (SUBMITTED,), REGISTRY_CHECK, (SYSTEM, roles.SUPERVISOR)),
        # Leaving the registry check with questions still open needs a supervisor's reason.
        Action(
            "begin_review", (SUBMITTED, REGISTRY_CHECK), UNDER_REVIEW, (SYSTEM, roles.SUPERVISOR)
        ),
        Action(
            "return_for_correction", (UNDER_REVIEW,), RETURNED, (roles.SUPERVISOR,), ("comment",)
        ),
        Action("resubmit", (RETURNED,), SUBMITTED, (roles.FIELD, SYSTEM)),
        Action("verify", (UNDER_REVIEW,), VERIFIED, (roles.SUPERVISOR,)),
        Action("refuse", (UNDER_REVIEW,), REFUSED, (roles.SUPERVISOR,), ("reason",)),
        Action("revoke", (VERIFIED,), REVOKED, (roles.SUPERVISOR,), ("reason",)),
        Action("cancel", OPEN_STATES, CANCELLED, OFFICE_DESK, ("reason",)),
    )
}


class TransitionError(Exception):
    """A move the table does not allow; `code` is stable, `params` fill its message (in the
    reader's words: fieldcheck.errors.message(error.code, error.params))."""

    def __init__(self, code: str, **params):
        self.code = code
        self.params = params
        super().__init__(f"{code} {params}")


def allowed_actions(state: str, role: str) -> list[str]:
    """The actions this role may take on a case in this state (for buttons on a page)."""
    return [a.name for a in ACTIONS.values() if state in a.sources and role in a.by]


def transition(
    state: str,
    action: str,
    role: str,
    *,
    reason: str | None = None,
    comment: str | None = None,
    open_questions: int = 0,
) -> str:
    """The state a case moves to, or TransitionError saying why it may not."""
    if state not in STATES:
        raise TransitionError("unknown_state", state=state)
    move = ACTIONS.get(action)
    if move is None:
        raise TransitionError("unknown_action", action=action)
    if state not in move.sources:
        raise TransitionError("illegal_transition", state=state, action=action)
    if role not in move.by:
        raise TransitionError("role_not_allowed", role=role, action=action)
    if "reason" in move.needs and not (reason or "").strip():
        raise TransitionError("reason_required", action=action)
    if "comment" in move.needs and not (comment or "").strip():
        raise TransitionError("comment_required", action=action)
    held = action == "begin_review" and state == REGISTRY_CHECK and open_questions > 0
    if held and (role != roles.SUPERVISOR or not (reason or "").strip()):
        raise TransitionError("registry_open", open_questions=open_questions)
    return move.target
