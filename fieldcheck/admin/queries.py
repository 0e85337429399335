"""What the admin pages read: an office's people and teams. An administrator sees only their
own office, so every function takes the office and finds nothing outside it."""

import peewee

from fieldcheck.domain import roles
from fieldcheck.models import Region, Team, User


def _managed(office_id: int | None):
    """The users an administrator manages: an office's, its own office's people; headquarters'
    (office None), headquarters' administrators and the analysts, who have no office (issue
    16). No office's administrator manages an analyst, who reads every office's recruiters."""
    if office_id is None:
        return User.office.is_null()
    return (User.office == office_id) & User.role.in_(roles.manageable_roles(office_id))


def office_user(office_id: int | None, user_id: int) -> User | None:
    """A user the office's administrator manages, or None: other offices' people and
    headquarters' are not theirs."""
    return User.get_or_none((User.id == user_id) & _managed(office_id))


def office_team(office_id: int, team_id: int) -> Team | None:
    """A team of the office, or None."""
    return Team.get_or_none((Team.id == team_id) & (Team.office == office_id))


def office_users(office_id: int, *, role: str = "", inactive: bool = False) -> list[User]:
    """The office's users by name, with their teams: of one role if one is named, the active
    ones only unless `inactive`."""
    query = (
        User.select(User, Team)
        .join(Team, peewee.JOIN.LEFT_OUTER)
        .where(_managed(office_id))
        .order_by(User.name)
    )
    if role in roles.ROLES:
        query = query.where(User.role == role)
    if not inactive:
        query = query.where(User.active == True)  # noqa: E712  (peewee builds SQL from it)
    return list(query)


def office_teams(office_id: int) -> list[Team]:
    """The office's teams by name, active or not, each with its `district_name` (None for a
    code not in the region table) and `member_count`: one statement for the whole list."""
    return list(
        Team.select(
            Team,
            Region.name.alias("district_name"),
            peewee.fn.COUNT(User.id).alias("member_count"),
        )
        .join(Region, peewee.JOIN.LEFT_OUTER, on=(Region.code == Team.district_code))
        .switch(Team)
        .join(User, peewee.JOIN.LEFT_OUTER, on=(User.team == Team.id))
        .where(Team.office == office_id)
        .group_by(Team.id, Region.name)
        .order_by(Team.name)
        .objects()
    )


def team_members(team: Team | None) -> list[User]:
    """A team's members by name (none for a team not made yet)."""
    if team is None:
        return []
    return list(team.members.order_by(User.name))
