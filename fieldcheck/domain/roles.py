"""The roles of FieldCheck's users, and the agencies a district supervision team draws on."""

ADMIN = "admin"
INTAKE = "intake"
FIELD = "field"
REGISTRY = "registry"
SUPERVISOR = "supervisor"
PASSPORT = "passport"
# The directorate's syndicate analyst at headquarters (issue 16): no office; reads recruiters,
# agencies, their links and counts across every office, never an applicant, never a case.
ANALYST = "analyst"

ROLES = (ADMIN, INTAKE, FIELD, REGISTRY, SUPERVISOR, PASSPORT, ANALYST)

# Who reads the repatriated victims' records sent to their office (issue 16): the issuing
# office's supervisors and administrators, never another office's.
REPATRIATION_READERS = (SUPERVISOR, ADMIN)

# A district supervision team combines these agencies (the paper: Immigration, Police,
# the Army (TNI) and the regional government).
IMMIGRATION = "immigration"
POLICE = "police"
ARMY = "army"
REGIONAL_GOVERNMENT = "regional_government"

AGENCIES = (IMMIGRATION, POLICE, ARMY, REGIONAL_GOVERNMENT)

# Indonesia's three time zones, as an office states them, and their IANA names.
TIME_ZONES = {"WIB": "Asia/Jakarta", "WITA": "Asia/Makassar", "WIT": "Asia/Jayapura"}


def at_headquarters(role: str, office_id) -> bool:
    """A headquarters administrator: an administrator of no office. Keeps the national lists
    (issue 16: the prevention list, repatriated victims' records), which no office's staff may."""
    return role == ADMIN and office_id is None


def manageable_roles(office_id) -> tuple[str, ...]:
    """The roles an administrator of this office (None: headquarters) gives and edits: an
    office's administrator its own office's roles; headquarters' administrator headquarters'
    (its administrators and the analysts, who read every office's recruiters)."""
    if office_id is None:
        return (ADMIN, ANALYST)
    return tuple(role for role in ROLES if has_office(role))


def needs_team(role: str) -> bool:
    """Field officers belong to a district supervision team."""
    return role == FIELD


def has_office(role: str) -> bool:
    """Every role works in an office but the headquarters analyst."""
    return role != ANALYST


def needs_regions(role: str) -> bool:
    """Registry clerks answer for the regions set on them."""
    return role == REGISTRY


# What a bearer token may open. A field officer's phone syncs (push, pull, media, and its own
# phone pages to keep offline); a passport officer's scanner verifies reports. Other roles
# work at a desk with a session and get no token.
SYNC_SCOPE = "sync"
VERIFY_SCOPE = "verify"
TOKEN_SCOPES = {FIELD: SYNC_SCOPE, PASSPORT: VERIFY_SCOPE}


def token_scope(role: str) -> str | None:
    """The scope of the token a user of this role may hold, or None: no token for them."""
    return TOKEN_SCOPES.get(role)
