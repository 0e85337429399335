"""The civil registry desk: questions and answers, registry extracts and their people."""

import peewee

from fieldcheck.db import UTCDateTimeField


def upgrade(db, migrator):
    class Base(peewee.Model):
        class Meta:
            database = db
            legacy_table_names = False

    class User(Base):
        pass

    class Case(Base):
        class Meta:
            table_name = "case"

    class RegistryQuestion(Base):
        case = peewee.ForeignKeyField(Case, on_delete="CASCADE")
        kind = peewee.CharField(max_length=20)
        subject = peewee.CharField(max_length=64)
        region_code = peewee.CharField(max_length=13, index=True)
        claimed = peewee.TextField()
        source = peewee.CharField(max_length=8)
        status = peewee.CharField(max_length=8, default="open", index=True)
        created_at = UTCDateTimeField()
        answer = peewee.CharField(max_length=10, null=True)
        registry_value = peewee.TextField(null=True)
        note = peewee.TextField(default="")
        answered_by = peewee.ForeignKeyField(User, null=True)
        answered_at = UTCDateTimeField(null=True)
        suggestion = peewee.TextField(null=True)

        class Meta:
            indexes = (
                (("case", "kind", "subject"), True),
                (("case", "status"), False),
                (("status", "created_at"), False),
            )

    class RegistryExtract(Base):
        filename = peewee.CharField(max_length=120)
        loaded_by = peewee.ForeignKeyField(User)
        loaded_at = UTCDateTimeField()
        purge_after = UTCDateTimeField(index=True)
        rows = peewee.IntegerField(default=0)

    class RegistryPerson(Base):
        extract = peewee.ForeignKeyField(RegistryExtract, on_delete="CASCADE")
        nik = peewee.CharField(max_length=16, index=True)
        kk = peewee.CharField(max_length=16, null=True, index=True)
        name = peewee.CharField(max_length=200)
        sex = peewee.CharField(max_length=1, null=True)
        birth_place = peewee.CharField(max_length=100, null=True)
        birth_date = peewee.DateField(null=True)
        kk_relation = peewee.CharField(max_length=20, null=True)
        father_name = peewee.CharField(max_length=200, null=True)
        mother_name = peewee.CharField(max_length=200, null=True)
        region_code = peewee.CharField(max_length=13, index=True)

    db.create_tables([RegistryQuestion, RegistryExtract, RegistryPerson])
