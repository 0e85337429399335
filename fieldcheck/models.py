"""The peewee models of the web app. Schema changes go through fieldcheck/migrations."""

import json

import peewee
from flask import current_app, has_app_context
from werkzeug.security import check_password_hash, generate_password_hash

from fieldcheck.db import UTCDateTimeField, database
from fieldcheck.domain import case_states, roles


class BaseModel(peewee.Model):
    class Meta:
        database = database
        legacy_table_names = False


class Region(BaseModel):
    """A Kemendagri region: province (1), regency/city (2), district/kecamatan (3), village (4)."""

    code = peewee.CharField(primary_key=True, max_length=13)  # e.g. 32.04.12.2001
    name = peewee.CharField(max_length=200)
    level = peewee.SmallIntegerField(index=True)
    parent_code = peewee.CharField(max_length=13, null=True, index=True)

    def __str__(self):
        return f"{self.code} {self.name}"


class Office(BaseModel):
    """An immigration office (Kantor Imigrasi) and the regions it covers."""

    code = peewee.CharField(max_length=20, unique=True)
    name = peewee.CharField(max_length=200)
    time_zone = peewee.CharField(max_length=4, default="WIB")  # WIB / WITA / WIT
    # Changed by the database whenever one of the office's teams is (migration 9): never
    # written by the app, hence only_save_dirty.
    teams_version = peewee.BigIntegerField(default=0)

    class Meta:
        only_save_dirty = True

    @property
    def tz_name(self) -> str:
        return roles.TIME_ZONES[self.time_zone]

    def region_codes(self) -> list[str]:
        return [r.region_code for r in self.regions.order_by(OfficeRegion.region_code)]

    def __str__(self):
        return self.name


class OfficeRegion(BaseModel):
    office = peewee.ForeignKeyField(Office, backref="regions", on_delete="CASCADE")
    region_code = peewee.CharField(max_length=13)

    class Meta:
        indexes = ((("office", "region_code"), True),)


class Team(BaseModel):
    """A district supervision team (Timpora): its office, its district, its members."""

    office = peewee.ForeignKeyField(Office, backref="teams")
    name = peewee.CharField(max_length=200)
    district_code = peewee.CharField(max_length=13)
    active = peewee.BooleanField(default=True)

    class Meta:
        indexes = ((("office", "name"), True),)

    @property
    def district(self):
        return Region.get_or_none(Region.code == self.district_code)

    def __str__(self):
        return self.name


class User(BaseModel):
    """A person who signs in. Their role decides their pages, their office/team/regions the data."""

    username = peewee.CharField(max_length=64, unique=True)
    name = peewee.CharField(max_length=200)
    password_hash = peewee.CharField(max_length=256)
    role = peewee.CharField(max_length=16, index=True)
    office = peewee.ForeignKeyField(Office, backref="users", null=True)
    team = peewee.ForeignKeyField(Team, backref="members", null=True)
    agency = peewee.CharField(max_length=32, null=True)
    language = peewee.CharField(max_length=5, null=True)  # None: follow the browser
    active = peewee.BooleanField(default=True)
    must_change_password = peewee.BooleanField(default=False)
    created_at = UTCDateTimeField()
    last_login_at = UTCDateTimeField(null=True)
    # The second factor (fieldcheck.domain.second_factor): the TOTP secret once enrolled, and
    # the last time step a code was accepted for (a code counts once).
    totp_secret = peewee.CharField(max_length=64, null=True)
    totp_enrolled_at = UTCDateTimeField(null=True)
    totp_last_step = peewee.BigIntegerField(null=True)

    # Flask-Login's protocol.
    @property
    def is_authenticated(self):
        return True

    @property
    def is_active(self):
        return self.active

    @property
    def is_anonymous(self):
        return False

    def get_id(self):
        return str(self.id)

    def set_password(self, password: str):
        method = current_app.config["PASSWORD_HASH_METHOD"] if has_app_context() else "scrypt"
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def has_role(self, *wanted: str) -> bool:
        return self.role in wanted

    @property
    def has_second_factor(self) -> bool:
        return self.totp_enrolled_at is not None

    def region_codes(self) -> list[str]:
        return [r.region_code for r in self.regions.order_by(UserRegion.region_code)]

    def __str__(self):
        return f"{self.name} ({self.username})"


class UserRegion(BaseModel):
    """A region whose registry questions a registry clerk answers."""

    user = peewee.ForeignKeyField(User, backref="regions", on_delete="CASCADE")
    region_code = peewee.CharField(max_length=13)

    class Meta:
        indexes = ((("user", "region_code"), True),)


class Case(BaseModel):
    """A passport application referred for a field check: the applicant, the application, the
    referral, and where the case stands (fieldcheck.domain.case_states)."""

    # No index of its own: every index of the office's lists begins with it (m0019).
    office = peewee.ForeignKeyField(Office, backref="cases", index=False)
    state = peewee.CharField(max_length=16, default="referred")
    priority = peewee.CharField(max_length=8, default="normal")  # high / normal / low
    due_date = peewee.DateField(null=True)
    team = peewee.ForeignKeyField(Team, backref="cases", null=True, index=False)  # (team, state)
    officer = peewee.ForeignKeyField(User, backref="assigned_cases", null=True)
    # The application, as the passport system holds it.
    application_number = peewee.CharField(max_length=40)
    application_date = peewee.DateField()
    purpose = peewee.CharField(max_length=20)
    destination_country = peewee.CharField(max_length=2)
    sponsor = peewee.CharField(max_length=200, null=True)
    sponsor_is_employer = peewee.BooleanField(default=False)
    visa_type = peewee.CharField(max_length=10, default="unknown")
    documents = peewee.TextField(default="[]")  # JSON list of document codes
    # Issue 15, findings that count: intake's answers to two questions the field asks too
    # (fieldcheck.domain.visits CHANNELS and COSTS codes; None: not answered). Migration 16.
    job_offer_channel = peewee.CharField(max_length=20, null=True)
    costs_paid_by = peewee.CharField(max_length=10, null=True)
    # Issue 16: who offered the job, as intake heard it (all optional; the field asks again).
    # Linked across cases and offices by fieldcheck.recruiters (migration 17).
    recruiter_name = peewee.CharField(max_length=200, null=True)
    recruiter_phone = peewee.CharField(max_length=20, null=True)
    recruiter_agency = peewee.CharField(max_length=200, null=True)
    recruiter_handle = peewee.CharField(max_length=100, null=True)
    recruiter_account = peewee.CharField(max_length=40, null=True)
    # The applicant.
    applicant_name = peewee.CharField(max_length=200)
    search_name = peewee.CharField(max_length=200, index=True)  # lower case, single spaces
    nik = peewee.CharField(max_length=16, index=True)
    kk = peewee.CharField(max_length=16, null=True)
    birth_place = peewee.CharField(max_length=100, null=True)
    # Indexed (migration 18): the same applicant is looked for by name and birth date in other
    # offices' cases and in repatriated victims' records (fieldcheck.domain.watch).
    birth_date = peewee.DateField(index=True)
    sex = peewee.CharField(max_length=1)
    marital_status = peewee.CharField(max_length=10, default="single")
    address = peewee.TextField(default="")
    village_code = peewee.CharField(max_length=13, null=True)
    district_code = peewee.CharField(max_length=13, null=True)  # from the NIK, else the address
    phone = peewee.CharField(max_length=20, null=True)
    # The referral: why the office doubts the story.
    referral_reasons = peewee.TextField(default="[]")  # JSON list of reason codes
    referral_notes = peewee.TextField(default="")
    age_doubted = peewee.BooleanField(default=False)
    # The risk signals last evaluated (fieldcheck.domain.signals).
    risk_score = peewee.SmallIntegerField(default=0)
    risk_level = peewee.CharField(max_length=8, default="low")
    risk_signals = peewee.TextField(default="[]")  # JSON list of fired signals with reasons
    rules_version = peewee.CharField(max_length=40, null=True)
    created_by = peewee.ForeignKeyField(User, backref="created_cases", null=True)
    created_at = UTCDateTimeField()
    updated_at = UTCDateTimeField()
    version = peewee.IntegerField(default=1)  # bumped by every change: the phone's conflict check

    class Meta:
        table_name = "case"
        indexes = (
            (("office", "application_number"), True),
            (("office", "state", "created_at"), False),
            (("office", "risk_level", "created_at"), False),
            (("office", "created_at"), False),
            (("office", "due_date"), False),
            (("office", "risk_score"), False),
            (("office", "risk_level", "risk_score", "id"), False),  # ?risk=...&sort=risk
            (("office", "search_name"), False),
            (("office", "district_code"), False),
            (("team", "state"), False),
        )

    def open_registry_questions(self) -> int:
        """How many of the case's registry questions wait for an answer."""
        return (
            RegistryQuestion.select()
            .where((RegistryQuestion.case == self) & (RegistryQuestion.status == "open"))
            .count()
        )

    def latest_visit(self) -> "FieldVisit | None":
        """The submission that counts: the newest one not flagged late, second or conflict."""
        return (
            FieldVisit.select()
            .where((FieldVisit.case == self) & FieldVisit.flag.is_null())
            .order_by(FieldVisit.received_at.desc(), FieldVisit.id.desc())
            .first()
        )

    @classmethod
    def overdue_on(cls, today):
        """The one 'overdue' rule as SQL (case_states.overdue): still open and past its due date
        on `today`, the office's day (i18n.local_today); a case without a due date never is."""
        return cls.state.in_(case_states.OPEN_STATES) & (cls.due_date < today)


class CaseFinding(BaseModel):
    """Something found about a case: by its identity numbers, in the field, or by the registry."""

    case = peewee.ForeignKeyField(Case, backref="findings", on_delete="CASCADE")
    source = peewee.CharField(max_length=16)  # identity / field / registry
    code = peewee.CharField(max_length=40)
    severity = peewee.CharField(max_length=8, default="warning")
    params = peewee.TextField(default="{}")
    created_at = UTCDateTimeField()

    class Meta:
        indexes = ((("case", "source"), False),)


class FieldVisit(BaseModel):
    """What a field officer recorded at the household: one submission from the phone.

    `uuid` is made on the phone. `status` says whether all its photos arrived (complete /
    incomplete); `flag` marks what a supervisor must look at: late (the case moved on while
    the officer was offline), second (another submission for the same case), conflict (an
    amendment made on an old version). Nothing is ever merged or overwritten.
    """

    uuid = peewee.CharField(max_length=36, unique=True)
    case = peewee.ForeignKeyField(Case, backref="visits", index=False)  # (case, received_at)
    officer = peewee.ForeignKeyField(User, backref="visits")
    op_id = peewee.CharField(max_length=36)
    amends = peewee.ForeignKeyField("self", null=True, backref="amendments")
    base_version = peewee.IntegerField(null=True)  # the case version the officer worked from
    status = peewee.CharField(max_length=12, default="complete")
    flag = peewee.CharField(max_length=12, null=True)
    flag_reason = peewee.CharField(max_length=200, null=True)
    returned_comment = peewee.TextField(null=True)  # set when a supervisor returns it
    visited_at = UTCDateTimeField()
    received_at = UTCDateTimeField()
    # Household visit.
    address_found = peewee.BooleanField()
    met_name = peewee.CharField(max_length=200, null=True)
    met_relation = peewee.CharField(max_length=40, null=True)
    applicant_lives_there = peewee.BooleanField(null=True)
    household_aware_of_trip = peewee.BooleanField(null=True)
    household_purpose_matches = peewee.BooleanField(null=True)
    household_account = peewee.TextField(default="")
    living_conditions = peewee.TextField(default="")
    gps_lat = peewee.DoubleField(null=True)
    gps_lon = peewee.DoubleField(null=True)
    gps_accuracy_m = peewee.FloatField(null=True)
    gps_status = peewee.CharField(max_length=16, default="fixed")  # fixed / denied / unavailable
    # Interview, as JSON (purpose, job offer channel, recruiter, salary, who pays, contract...).
    interview = peewee.TextField(default="{}")
    # Kept as written; recruiters are found through RecruiterIdentifier, not by this column.
    recruiter_phone = peewee.CharField(max_length=20, null=True)
    recruiter_name = peewee.CharField(max_length=200, null=True)
    photos = peewee.TextField(default="[]")  # JSON list of {"sha256", "caption"}
    assessment = peewee.TextField(default="")
    recommendation = peewee.CharField(max_length=12)  # verify / refuse / unclear

    class Meta:
        indexes = ((("case", "received_at"), False),)


class FamilyMember(BaseModel):
    """A member of the applicant's family as the officer recorded them (SHDK relationship)."""

    # Indexed by (visit, uuid) below.
    visit = peewee.ForeignKeyField(FieldVisit, backref="family", on_delete="CASCADE", index=False)
    uuid = peewee.CharField(max_length=36)
    relation = peewee.CharField(max_length=20)
    kk_relation = peewee.CharField(max_length=20, null=True)  # SHDK code as on the card
    name = peewee.CharField(max_length=200)
    nik = peewee.CharField(max_length=16, null=True)
    birth_date = peewee.DateField(null=True)
    alive = peewee.BooleanField(default=True)
    present = peewee.BooleanField(default=False)

    class Meta:
        indexes = ((("visit", "uuid"), True),)


class CaseNote(BaseModel):
    """A note an officer adds to a case from the phone."""

    uuid = peewee.CharField(max_length=36, unique=True)
    case = peewee.ForeignKeyField(Case, backref="notes")
    author = peewee.ForeignKeyField(User)
    text = peewee.TextField()
    flag = peewee.CharField(max_length=12, null=True)  # late, when the case had moved on
    written_at = UTCDateTimeField()
    received_at = UTCDateTimeField()


class DeviceToken(BaseModel):
    """A phone's bearer token: only its hash is kept; listed and revocable by its owner and by
    an administrator. A revoked device wipes its case data at its next contact."""

    user = peewee.ForeignKeyField(User, backref="device_tokens")
    token_hash = peewee.CharField(max_length=64, unique=True)
    label = peewee.CharField(max_length=100, default="")
    # What the token opens (fieldcheck.domain.roles.TOKEN_SCOPES): "sync" for a field
    # officer's phone, "verify" for a passport officer's scanner. No token opens a desk page.
    scope = peewee.CharField(max_length=8, default="")
    created_at = UTCDateTimeField()
    last_used_at = UTCDateTimeField(null=True)
    expires_at = UTCDateTimeField()
    revoked_at = UTCDateTimeField(null=True)

    @property
    def active(self) -> bool:
        return self.revoked_at is None


# --- Phone enrolment (issue 15): a one-time code a supervisor gives a field officer's phone ---


class EnrolmentCode(BaseModel):
    """A one-time code that enrols one field officer's phone (fieldcheck.enrolment): shown once
    on the desk as a QR code and as 8 characters, kept only as a keyed hash, valid for minutes,
    used at most once (the device token it gave is named)."""

    officer = peewee.ForeignKeyField(User, backref="enrolment_codes", on_delete="CASCADE")
    made_by = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
    code_hash = peewee.CharField(max_length=64, unique=True)
    created_at = UTCDateTimeField()
    expires_at = UTCDateTimeField()
    used_at = UTCDateTimeField(null=True)
    device_token = peewee.ForeignKeyField(DeviceToken, null=True, on_delete="SET NULL")


# --- end of phone enrolment ---


class RecoveryCode(BaseModel):
    """A one-time code that stands in for the second factor once (kept as a hash)."""

    user = peewee.ForeignKeyField(User, backref="recovery_codes", on_delete="CASCADE")
    code_hash = peewee.CharField(max_length=64)
    created_at = UTCDateTimeField()
    used_at = UTCDateTimeField(null=True)

    class Meta:
        indexes = ((("user", "code_hash"), True),)


class UserSession(BaseModel):
    """A signed-in browser session, kept on the server: the cookie carries only a random id,
    whose hash is stored here. Ending the record ends the session at once, whatever cookie a
    browser still holds (sign-out, a password change, deactivation, "sign out everywhere")."""

    user = peewee.ForeignKeyField(User, backref="sessions", on_delete="CASCADE")
    sid_hash = peewee.CharField(max_length=64, unique=True)
    created_at = UTCDateTimeField()
    last_seen_at = UTCDateTimeField()
    address = peewee.CharField(max_length=45, null=True)
    user_agent = peewee.CharField(max_length=200, default="")
    ended_at = UTCDateTimeField(null=True)
    end_reason = peewee.CharField(max_length=20, null=True)

    class Meta:
        indexes = ((("user", "ended_at"), False),)

    @property
    def active(self) -> bool:
        return self.ended_at is None


class RegistryQuestion(BaseModel):
    """What a case asks the civil registry (Dukcapil) about one record, and its answer.

    `kind`: nik_identity (is this NIK this person, born then?), kk_membership (are these people
    on this family card, with these relationships?), birth_certificate (does it exist?),
    member_identity (a family member's NIK and relationship). `claimed` holds the values the
    case states; the answer is match / mismatch (with the registry's value) / not_found.
    Corrections replace the answer here; every earlier answer stays in the audit trail.
    """

    # Indexed by (case, kind, subject) and (case, status) below.
    case = peewee.ForeignKeyField(
        Case, backref="registry_questions", on_delete="CASCADE", index=False
    )
    kind = peewee.CharField(max_length=20)
    subject = peewee.CharField(max_length=64)  # "applicant" or a family member's uuid
    region_code = peewee.CharField(max_length=13, index=True)  # the district it belongs to
    claimed = peewee.TextField()  # JSON
    source = peewee.CharField(max_length=8)  # intake / field
    status = peewee.CharField(max_length=8, default="open")  # open / answered; (status, created_at)
    created_at = UTCDateTimeField()
    answer = peewee.CharField(max_length=10, null=True)  # match / mismatch / not_found
    registry_value = peewee.TextField(null=True)
    note = peewee.TextField(default="")
    answered_by = peewee.ForeignKeyField(User, null=True, backref="registry_answers")
    answered_at = UTCDateTimeField(null=True)
    suggestion = peewee.TextField(null=True)  # JSON: a registry extract's pre-answer, to confirm

    class Meta:
        indexes = (
            (("case", "kind", "subject"), True),
            (("case", "status"), False),
            (("status", "created_at"), False),
        )


class RegistryExtract(BaseModel):
    """A registry extract a clerk loaded, used only to pre-answer questions, purged after days."""

    filename = peewee.CharField(max_length=120)
    loaded_by = peewee.ForeignKeyField(User, backref="extracts")
    loaded_at = UTCDateTimeField()
    purge_after = UTCDateTimeField(index=True)
    rows = peewee.IntegerField(default=0)


class RegistryPerson(BaseModel):
    """One person of a registry extract (most never applied for anything: matching only)."""

    extract = peewee.ForeignKeyField(RegistryExtract, backref="people", on_delete="CASCADE")
    nik = peewee.CharField(max_length=16, index=True)
    kk = peewee.CharField(max_length=16, null=True, index=True)
    name = peewee.CharField(max_length=200)
    sex = peewee.CharField(max_length=1, null=True)
    birth_place = peewee.CharField(max_length=100, null=True)
    birth_date = peewee.DateField(null=True)
    kk_relation = peewee.CharField(max_length=20, null=True)  # SHDK code
    father_name = peewee.CharField(max_length=200, null=True)
    mother_name = peewee.CharField(max_length=200, null=True)
    region_code = peewee.CharField(max_length=13, index=True)


class Decision(BaseModel):
    """A supervisor's decision on a case: verified, or refused with reasons (and perhaps a
    referral to the Police). A verification can later be revoked, with a reason."""

    case = peewee.ForeignKeyField(Case, backref="decisions")
    outcome = peewee.CharField(max_length=10)  # verified / refused
    reasons = peewee.TextField(default="[]")  # JSON list of reason codes
    note = peewee.TextField(default="")
    police_referral = peewee.BooleanField(default=False)
    police_unit = peewee.CharField(max_length=200, null=True)
    supervisor = peewee.ForeignKeyField(User, backref="decisions")
    decided_at = UTCDateTimeField()
    revoked_at = UTCDateTimeField(null=True)
    revoked_by = peewee.ForeignKeyField(User, null=True, backref="revocations")
    revoke_reason = peewee.TextField(null=True)


class FieldReport(BaseModel):
    """The field report of a verified case: what the QR code signs, attached to the case."""

    report_id = peewee.CharField(max_length=36, unique=True)
    case = peewee.ForeignKeyField(Case, backref="reports")
    decision = peewee.ForeignKeyField(Decision, backref="reports")
    issued = peewee.DateField()
    expires = peewee.DateField()
    key_id = peewee.CharField(max_length=16)
    digest = peewee.CharField(max_length=32)
    decision_data = peewee.TextField()  # the canonical JSON the digest covers
    qr_text = peewee.TextField()
    created_at = UTCDateTimeField()
    revoked_at = UTCDateTimeField(null=True)


class AuditEvent(BaseModel):
    """One thing that happened: who did what (`noun.verb`) to which subject, when, from where.

    `chain_seq` and `chain_hash` are set when the event is sealed into the hash chain
    (fieldcheck.audit.seal), not on insert, so that audited reads never wait for each other.
    The events still to seal have a partial index of their own (migration 8).
    """

    at = UTCDateTimeField()  # (read by subject, action or chain position: m0022)
    actor = peewee.ForeignKeyField(
        User, null=True, backref="audit_events", on_delete="SET NULL", index=False
    )
    actor_name = peewee.CharField(max_length=64, null=True)
    action = peewee.CharField(max_length=64, index=True)
    subject_type = peewee.CharField(max_length=32, null=True)
    subject_id = peewee.CharField(max_length=64, null=True)
    details = peewee.TextField(default="{}")
    address = peewee.CharField(max_length=64, null=True)
    chain_seq = peewee.BigIntegerField(null=True, unique=True)
    chain_hash = peewee.CharField(max_length=64, null=True)

    class Meta:
        # A subject's events, by action too (the case page counts its reads): migration 10.
        indexes = ((("subject_type", "subject_id", "action"), False),)

    @property
    def details_dict(self) -> dict:
        return json.loads(self.details or "{}")


class ScanLog(BaseModel):
    """One check of a report's QR text by a passport officer or supervisor: when, by whom, on
    which device (their verify token; none in a signed-in browser), what it said, and which
    report when the signature checked out. Kept SCAN_LOG_DAYS; the audit trail holds only the
    first scan of a report by a device in each hour (fieldcheck.reports.scans)."""

    at = UTCDateTimeField(index=True)
    user = peewee.ForeignKeyField(User, backref="scans", index=False)
    device_token = peewee.ForeignKeyField(DeviceToken, null=True, backref="scans", index=False)
    status = peewee.CharField(max_length=12)
    report_id = peewee.CharField(max_length=64, null=True)

    class Meta:
        # The officer's own log, newest first; a report's scans within the hour.
        indexes = ((("user", "at"), False), (("report_id", "at"), False))


# --- Recruiters and agencies (issue 16): who offered the job, linked across cases and offices ---


class Agency(BaseModel):
    """A recruitment agency named in cases, one per folded name
    (fieldcheck.domain.recruiters.fold_agency)."""

    name = peewee.CharField(max_length=200)  # as first written
    key = peewee.CharField(max_length=200, unique=True)
    created_at = UTCDateTimeField()


class Recruiter(BaseModel):
    """A person who offered jobs, as far as their phones, handles, bank accounts, or name with
    an agency tie the cases that name them together (fieldcheck.domain.recruiters). Two
    recruiters found to be one are merged: the later one's identifiers and links move to the
    earlier, and it keeps only `merged_into`."""

    name = peewee.CharField(max_length=200, null=True)  # the first name given, to show
    created_at = UTCDateTimeField()
    merged_into = peewee.ForeignKeyField("self", null=True, backref="merged", on_delete="SET NULL")


class RecruiterIdentifier(BaseModel):
    """A phone, handle, bank account or name-with-agency that is one recruiter's: normalised
    (`value`) and as first written (`written`)."""

    recruiter = peewee.ForeignKeyField(Recruiter, backref="identifiers", on_delete="CASCADE")
    kind = peewee.CharField(max_length=12)  # phone / handle / account / name_agency
    value = peewee.CharField(max_length=420)
    written = peewee.CharField(max_length=420)
    created_at = UTCDateTimeField()

    class Meta:
        indexes = ((("kind", "value"), True),)


class RecruiterLink(BaseModel):
    """A case names a recruiter (and perhaps an agency), or only an agency: once per source,
    its intake ("intake") or one of its visits ("visit:<uuid>")."""

    # Their own indexes are the composite ones below.
    case = peewee.ForeignKeyField(Case, backref="recruiter_links", on_delete="CASCADE", index=False)
    recruiter = peewee.ForeignKeyField(
        Recruiter, null=True, backref="links", on_delete="CASCADE", index=False
    )
    agency = peewee.ForeignKeyField(Agency, null=True, backref="links", on_delete="CASCADE")
    source = peewee.CharField(max_length=48)
    name = peewee.CharField(max_length=200, null=True)  # the recruiter's name as given there
    created_at = UTCDateTimeField()

    class Meta:
        indexes = ((("case", "source"), True), (("recruiter", "case"), False))


# --- end of recruiters and agencies ---
# --- Seen before (issue 16): other offices, the prevention list, repatriated victims ---


class CaseLink(BaseModel):
    """The same applicant in a case of another office (fieldcheck.domain.watch.sightings):
    `case` is the newer one, `other` the earlier one, refused or under a field check when the
    newer was made. Each office's supervisors see the other's office, state and date, nothing
    else of its case."""

    case = peewee.ForeignKeyField(Case, backref="links", on_delete="CASCADE")
    other = peewee.ForeignKeyField(Case, backref="linked_from", on_delete="CASCADE")
    matched_by = peewee.CharField(max_length=20)  # nik / name_birth_date
    created_at = UTCDateTimeField()

    class Meta:
        indexes = ((("case", "other"), True),)


class PreventionEntry(BaseModel):
    """A person on the national prevention list (daftar cegah): someone the Police or another
    authority asked immigration to watch, by letter, for a time. Managed by headquarters
    administrators; removed entries are kept (removed_at) for their hits and the audit trail."""

    name = peewee.CharField(max_length=200)
    nik = peewee.CharField(max_length=16, null=True, index=True)
    birth_date = peewee.DateField(null=True, index=True)
    authority = peewee.CharField(max_length=200)
    letter_number = peewee.CharField(max_length=100)
    reason = peewee.TextField()
    valid_from = peewee.DateField()
    valid_until = peewee.DateField()
    created_by = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = UTCDateTimeField()
    updated_at = UTCDateTimeField()
    removed_at = UTCDateTimeField(null=True)


class PreventionHit(BaseModel):
    """A case that named someone on the prevention list: the applicant (subject "applicant") or
    a family member recorded in the field (their uuid), found at intake, in an import or in a
    field submission. It waits on the supervisor's start page until handled; until then the
    case is on hold (it cannot be assigned)."""

    entry = peewee.ForeignKeyField(PreventionEntry, backref="hits")
    case = peewee.ForeignKeyField(Case, backref="prevention_hits", on_delete="CASCADE")
    source = peewee.CharField(max_length=8)  # intake / import / field
    subject = peewee.CharField(max_length=64)
    relation = peewee.CharField(max_length=20, null=True)  # a family member's relation
    matched_by = peewee.CharField(max_length=20)  # nik / name_birth_date
    found_at = UTCDateTimeField()
    handled_at = UTCDateTimeField(null=True)
    handled_by = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
    handled_note = peewee.TextField(default="")

    class Meta:
        indexes = ((("case", "entry", "subject"), True),)


class RepatriationImport(BaseModel):
    """A file of repatriated trafficking victims' records a headquarters administrator loaded
    from a partner agency, and what became of its records."""

    filename = peewee.CharField(max_length=120)
    source_agency = peewee.CharField(max_length=200)
    loaded_by = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
    loaded_at = UTCDateTimeField()
    rows = peewee.IntegerField(default=0)
    matched = peewee.IntegerField(default=0)


class RepatriatedVictim(BaseModel):
    """A citizen repatriated as a victim of trafficking, sent back to the office that issued the
    passport (the paper: "to make it easier to find who the human trafficking syndicate is").

    `case` is the office's case that preceded the passport, matched by `matched_by`
    (application_number / nik / name_birth_date); None: the passport was issued without a
    field check. A verified case's record waits for the supervisor's review (`review_state`
    "pending", then "done"): the loop by which an office learns what its field check missed.
    The recruiter is kept as separate fields, to be linked to other cases' recruiters.
    """

    batch = peewee.ForeignKeyField(RepatriationImport, backref="records", on_delete="CASCADE")
    line = peewee.IntegerField()
    office = peewee.ForeignKeyField(Office, backref="repatriated_victims")
    name = peewee.CharField(max_length=200)
    nik = peewee.CharField(max_length=16, null=True, index=True)
    birth_date = peewee.DateField(null=True)
    sex = peewee.CharField(max_length=1, null=True)
    passport_number = peewee.CharField(max_length=20, null=True)
    application_number = peewee.CharField(max_length=40, null=True)
    returned_on = peewee.DateField()
    return_place = peewee.CharField(max_length=200, default="")
    destination_country = peewee.CharField(max_length=2, null=True)
    exploitation = peewee.TextField(default="[]")  # JSON: HTCDS vic_TypeOfExploitation codes
    circumstances = peewee.TextField(default="")
    recruiter_name = peewee.CharField(max_length=200, null=True)
    recruiter_phone = peewee.CharField(max_length=20, null=True, index=True)
    recruiter_agency = peewee.CharField(max_length=200, null=True)
    recruiter_handle = peewee.CharField(max_length=200, null=True)
    recruiter_account = peewee.CharField(max_length=40, null=True)  # migration 20
    case = peewee.ForeignKeyField(Case, null=True, backref="repatriations", on_delete="SET NULL")
    matched_by = peewee.CharField(max_length=20, null=True)
    report = peewee.ForeignKeyField(FieldReport, null=True, on_delete="SET NULL")
    review_state = peewee.CharField(max_length=8, null=True)  # pending / done
    reviewed_by = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
    reviewed_at = UTCDateTimeField(null=True)
    review_note = peewee.TextField(default="")

    class Meta:
        indexes = ((("office", "returned_on"), False), (("office", "review_state"), False))


class RecruiterVictimLink(BaseModel):
    """A repatriated victim's record names a recruiter (and perhaps an agency), or only an
    agency: the recruiter joins the network of the cases that name them (migration 20). Kept
    apart from RecruiterLink, whose every row is a case's: a victim's record may match none."""

    victim = peewee.ForeignKeyField(
        RepatriatedVictim, backref="recruiter_links", on_delete="CASCADE", unique=True
    )
    recruiter = peewee.ForeignKeyField(
        Recruiter, null=True, backref="victim_links", on_delete="CASCADE"
    )
    agency = peewee.ForeignKeyField(Agency, null=True, backref="victim_links", on_delete="CASCADE")
    name = peewee.CharField(max_length=200, null=True)  # the recruiter's name as the record gave it
    created_at = UTCDateTimeField()


# --- end of seen before ---


# --- statistics' summary (issue 17) ---


class StatisticsCount(BaseModel):
    """The statistics dashboard's counts, summed by the office's day (`grain` "d") and by its
    month ("m", `period` its first day), per team, destination and what is counted (`measure`,
    with its `key`: a regency code, a purpose, a signal...); "D" and "M" the same summed over
    every team and destination. Rebuilt as a whole from the cases
    (fieldcheck.statistics.summary) and read instead of them: at 100,000 cases a year's
    dashboard sums a few thousand rows, not every case. `team` is the team's id as the case
    held it at the rebuild (no foreign key: the rows are replaced wholesale)."""

    office = peewee.ForeignKeyField(Office, on_delete="CASCADE")
    grain = peewee.CharField(max_length=1)
    period = peewee.DateField()
    team = peewee.IntegerField(null=True)
    destination = peewee.CharField(max_length=2, null=True)
    measure = peewee.CharField(max_length=20)
    key = peewee.CharField(max_length=64, default="")
    count = peewee.IntegerField()

    class Meta:
        indexes = ((("office", "measure", "grain", "period"), False),)


class StatisticsRefresh(BaseModel):
    """When StatisticsCount was last rebuilt (one row): the "as of" the dashboard shows. Its
    row is also the lock two rebuilds take in turn."""

    as_of = UTCDateTimeField()


class SchemaVersion(BaseModel):
    """Which migrations have been applied to this database."""

    version = peewee.IntegerField(primary_key=True)
    name = peewee.CharField(max_length=100)
    applied_at = UTCDateTimeField()


MODELS = (
    Region,
    Office,
    OfficeRegion,
    Team,
    User,
    UserRegion,
    Case,
    CaseFinding,
    FieldVisit,
    FamilyMember,
    CaseNote,
    DeviceToken,
    UserSession,
    RecoveryCode,
    RegistryQuestion,
    RegistryExtract,
    RegistryPerson,
    Decision,
    FieldReport,
    AuditEvent,
    ScanLog,
    EnrolmentCode,  # phone enrolment (issue 15)
    Agency,  # recruiters and agencies (issue 16)
    Recruiter,
    RecruiterIdentifier,
    RecruiterLink,
    CaseLink,  # seen before (issue 16)
    PreventionEntry,
    PreventionHit,
    RepatriationImport,
    RepatriatedVictim,
    StatisticsCount,  # statistics' summary (issue 17)
    StatisticsRefresh,
    RecruiterVictimLink,
)
