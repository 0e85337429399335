"""What the sign-in pages read besides the session (fieldcheck.sessions) and the devices
(fieldcheck.devices)."""

from fieldcheck.models import User


def active_user(user_id) -> User | None:
    """The active account with this id, or None (no such account, or deactivated)."""
    if not isinstance(user_id, int):
        return None
    user = User.get_or_none(User.id == user_id)
    return user if user is not None and user.active else None
