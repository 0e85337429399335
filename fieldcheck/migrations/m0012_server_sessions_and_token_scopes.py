"""Sessions kept on the server (user_session), and a scope on every device token.

Tokens issued before this version take the scope their owner's role would get now: sync for
field officers, verify for passport officers. Any other role's old token gets none ("") and
opens nothing: those roles work with a session.
"""

import peewee
from playhouse.migrate import migrate

from fieldcheck.db import UTCDateTimeField


def upgrade(db, migrator):
    class Base(peewee.Model):
        class Meta:
            database = db
            legacy_table_names = False

    class User(Base):
        role = peewee.CharField(max_length=16)

    class DeviceToken(Base):
        user = peewee.ForeignKeyField(User)
        scope = peewee.CharField(max_length=8, default="")

    class UserSession(Base):
        user = peewee.ForeignKeyField(User, on_delete="CASCADE")
        sid_hash = peewee.CharField(max_length=64, unique=True)
        created_at = UTCDateTimeField()
        last_seen_at = UTCDateTimeField()
        address = peewee.CharField(max_length=45, null=True)
        user_agent = peewee.CharField(max_length=200, default="")
        ended_at = UTCDateTimeField(null=True)
        end_reason = peewee.CharField(max_length=20, null=True)

        class Meta:
            indexes = ((("user", "ended_at"), False),)

    db.create_tables([UserSession])
    migrate(
        migrator.add_column("device_token", "scope", peewee.CharField(max_length=8, default=""))
    )
    for role, scope in (("field", "sync"), ("passport", "verify")):
        owners = User.select(User.id).where(User.role == role)
        DeviceToken.update(scope=scope).where(DeviceToken.user.in_(owners)).execute()
