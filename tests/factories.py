"""Plain functions that make test data through the same code the app uses, and `Phone`, a field
officer's phone that makes it through the sync API as the app's phones do."""

import functools
import uuid

from fieldcheck import accounts
from fieldcheck.clock import utcnow
from fieldcheck.demo import DEMO_PASSWORD, ensure_demo_regions
from fieldcheck.models import Office, Team, User

_app = None


def bind(app):
    """The app whose context (clock, database) the factories use; set by the `app` fixture."""
    global _app
    _app = app


def in_app(make):
    @functools.wraps(make)
    def wrapper(*args, **kwargs):
        with _app.app_context():
            return make(*args, **kwargs)

    return wrapper


def actor(user=None):
    return accounts.Actor(user, utcnow(), "127.0.0.1")


@in_app
def office(code="KANIM-BDG", name="Kantor Imigrasi Bandung", time_zone="WIB") -> Office:
    ensure_demo_regions()
    existing = Office.get_or_none(Office.code == code)
    return existing or accounts.create_office(
        actor(), code=code, name=name, time_zone=time_zone, region_codes=["32.04", "32.05"]
    )


@in_app
def team(office_=None, name="Timpora Kabupaten Bandung", district_code="32.04") -> Team:
    office_ = office_ or office()
    existing = Team.get_or_none((Team.office == office_) & (Team.name == name))
    return existing or accounts.save_team(
        actor(), None, office=office_, name=name, district_code=district_code
    )


@in_app
def user(username, role, office_=None, team_=None, password=DEMO_PASSWORD, **extra) -> User:
    office_ = office_ or office()
    if role == "field" and team_ is None:
        team_ = team(office_)
    if role == "registry":
        extra.setdefault("regions", ["32.04"])
    return accounts.create_user(
        actor(),
        username=username,
        name=extra.pop("name", username.title()),
        role=role,
        password=password,
        office=office_,
        team=team_,
        must_change_password=False,
        **extra,
    )


@in_app
def hq_admin(username="hqadmin") -> User:
    """A headquarters administrator: an administrator of no office (issue 16)."""
    return accounts.create_user(
        actor(),
        username=username,
        name="Ratna Headquarters",
        role="admin",
        password=DEMO_PASSWORD,
        office=None,
        must_change_password=False,
    )


@in_app
def prevention_entry(by=None, **overrides):
    """An entry of the prevention list, in force from a month ago for a year, added through
    the service as a headquarters administrator would."""
    from datetime import date, timedelta

    from fieldcheck.domain.identity import encode_nik
    from fieldcheck.prevention import service

    today = utcnow().date()
    data = {
        "name": "Siti Nurhaliza",
        "nik": encode_nik("32.04.12", "F", date(1999, 3, 5), 1),
        "birth_date": date(1999, 3, 5),
        "authority": "Bareskrim Polri",
        "letter_number": "B/1234/XI/2026/Bareskrim",
        "reason": "Diduga perekrut sindikat penipuan daring di Sihanoukville.",
        "valid_from": today - timedelta(days=30),
        "valid_until": today + timedelta(days=335),
    }
    data.update(overrides)
    return service.add_entry(actor(by), data)


@in_app
def repatriated_victim(office_, by=None, **overrides):
    """A repatriated trafficking victim's record, loaded through the service as a
    headquarters administrator's file of one line would be (matched, its recruiter linked)."""
    from datetime import date, timedelta

    from fieldcheck.domain.identity import encode_nik
    from fieldcheck.models import RepatriatedVictim
    from fieldcheck.repatriation import service

    record = {
        "name": "Wulan Sari",
        "nik": encode_nik("32.04.12", "F", date(2001, 7, 9), 77),
        "birth_date": date(2001, 7, 9),
        "sex": "F",
        "office": office_.id,
        "passport_number": "X7654321",
        "application_number": None,
        "returned_on": utcnow().date() - timedelta(days=10),
        "return_place": "Bandara Soekarno-Hatta",
        "destination_country": "KH",
        "exploitation": ["ForcedLabour"],
        "circumstances": "Dipaksa menipu lewat telepon di Sihanoukville.",
        "recruiter_name": None,
        "recruiter_phone": None,
        "recruiter_agency": None,
        "recruiter_handle": None,
        "recruiter_account": None,
    }
    record.update(overrides)
    batch = service.load_records(actor(by), [(2, record)], "kemlu.csv", "KBRI Phnom Penh")
    return RepatriatedVictim.get(RepatriatedVictim.batch == batch.id)


@in_app
def one_per_role(office_=None) -> dict[str, User]:
    """One account per role, named like the role."""
    roles = ["admin", "intake", "field", "registry", "supervisor", "passport"]
    return {r: user(r, r, office_) for r in roles}


CASE_DEFAULTS = {
    "application_date": None,  # today, by the app's clock
    "applicant_name": "Siti Nurhaliza",
    "sex": "F",
    "birth_date": None,  # 1999-03-05
    "marital_status": "single",
    "address": "Kp. Cangkuang RT 02 RW 05, Dayeuhkolot",
    "phone": "+6281234567890",
    "purpose": "work",
    "destination_country": "KH",
    "sponsor": "Golden Sun Co. Ltd",
    "sponsor_is_employer": True,
    "visa_type": "visit",
    "documents": ["ktp", "kk"],
    "referral_reasons": ["doubtful_purpose"],
    "referral_notes": "Says she will work in a restaurant in Phnom Penh.",
    "age_doubted": False,
    "priority": "normal",
    "due_date": None,
}

_numbers = iter(range(1, 10**9))


@in_app
def case(office_=None, actor_user=None, district="32.04.12", **overrides):
    """A case made by intake's own function, with a NIK consistent with its applicant."""
    from datetime import date

    from fieldcheck.cases import service
    from fieldcheck.domain.identity import encode_nik

    office_ = office_ or office()
    data = dict(CASE_DEFAULTS)
    data["application_date"] = utcnow().date()
    data["birth_date"] = date(1999, 3, 5)
    data["application_number"] = f"2026-BDG-{next(_numbers):06d}"
    data.update(overrides)
    if "nik" not in overrides:
        data["nik"] = encode_nik(district, data["sex"], data["birth_date"], 1)
    return service.create_case(actor(actor_user), office_, data)


@in_app
def issued_report(supervisor, officer, registry_clerk, **case_overrides):
    """A verified case's signed field report, the case moved there by the services' own
    functions as the demo moves its own (a signing key is made when the instance has none)."""
    from fieldcheck import signing
    from fieldcheck.cases import service
    from fieldcheck.models import RegistryQuestion
    from fieldcheck.registry import service as registry
    from fieldcheck.review import service as review

    made = case(actor_user=supervisor, **case_overrides)
    service.assign(actor(supervisor), made, officer.team, officer)
    for action in ("take_to_field", "submit"):
        service.move(actor(officer), made, action)
    service.move(actor(None), made, "begin_registry_check", role="system")
    for question in RegistryQuestion.select().where(
        (RegistryQuestion.case == made) & (RegistryQuestion.status == "open")
    ):
        registry.answer(actor(registry_clerk), question, "match", None, "Sesuai data Dukcapil.")
    if not signing.list_keys(review.keys_folder()):
        signing.create_key(review.keys_folder())
    return review.verify(actor(supervisor), type(made).get_by_id(made.id))


@in_app
def refused_case(supervisor, officer, registry_clerk, **case_overrides):
    """A case refused by `supervisor` after a field check, moved there as issued_report moves
    its own (issue 16: the same applicant refused in one office, seen in another)."""
    from fieldcheck.cases import service
    from fieldcheck.models import RegistryQuestion
    from fieldcheck.registry import service as registry
    from fieldcheck.review import service as review

    made = case(actor_user=supervisor, **case_overrides)
    service.assign(actor(supervisor), made, officer.team, officer)
    for action in ("take_to_field", "submit"):
        service.move(actor(officer), made, action)
    service.move(actor(None), made, "begin_registry_check", role="system")
    for question in RegistryQuestion.select().where(
        (RegistryQuestion.case == made) & (RegistryQuestion.status == "open")
    ):
        registry.answer(actor(registry_clerk), question, "match", None, "Sesuai data Dukcapil.")
    made = type(made).get_by_id(made.id)
    review.refuse(actor(supervisor), made, ["trafficking_signs"], "Tanda TPPO.", False, None)
    return type(made).get_by_id(made.id)


PHOTO_JPEG = (  # a real 1x1 JPEG: the server recognises photos by their bytes
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xdb\x00C\x00"
    + bytes(range(1, 65))
    + b"\xff\xc0\x00\x0b\x08\x00\x01\x00\x01\x01\x01\x11\x00\xff\xc4\x00\x14\x00\x01"
    + b"\x00" * 15
    + b"\x03\xff\xc4\x00\x14\x10\x01"
    + b"\x00" * 16
    + b"\xff\xda\x00\x08\x01\x01\x00\x00?\x00\x37\xff\xd9"
)


def photo(seed: int = 0) -> tuple[bytes, str]:
    """Distinct JPEG bytes (a comment segment varies) and their SHA-256."""
    import hashlib

    data = PHOTO_JPEG[:2] + b"\xff\xfe\x00\x06" + seed.to_bytes(4, "big") + PHOTO_JPEG[2:]
    return data, hashlib.sha256(data).hexdigest()


def visit_payload(case_id: int, visited_at: str = "2026-11-02T08:00:00+07:00", **overrides):
    """What a phone sends for a field verification (fieldcheck.domain.visits)."""
    payload = {
        "case_id": case_id,
        "visited_at": visited_at,
        "household": {
            "address_found": True,
            "met_name": "Ibu Euis",
            "met_relation": "mother",
            "applicant_lives_there": True,
            "aware_of_trip": False,
            "purpose_matches": False,
            "account": "Ibu mengira anaknya akan bekerja di Jakarta.",
            "living_conditions": "Rumah semi permanen, dua kamar.",
        },
        "gps": {"status": "fixed", "lat": -6.9856, "lon": 107.6284, "accuracy_m": 12.5},
        "family": [
            {
                "uuid": "7d1f3c1e-1111-4a4a-9a9a-000000000001",
                "relation": "mother",
                "name": "Euis Sumarni",
                "birth_date": "1975-04-02",
                "alive": True,
                "present": True,
            },
            {
                "uuid": "7d1f3c1e-1111-4a4a-9a9a-000000000002",
                "relation": "father",
                "name": "Ujang Suryana",
                "alive": True,
                "present": False,
            },
        ],
        "interview": {
            "purpose": "work",
            "job_offer_channel": "social_media",
            "recruiter_name": "Bu Rina",
            "recruiter_phone": "+85512345678",
            "promised_salary_idr": 18_000_000,
            "costs_paid_by": "recruiter",
            "contract_seen": False,
            "visa_type": "visit",
        },
        "photos": [],
        "assessment": "Keluarga tidak tahu tujuan sebenarnya.",
        "recommendation": "refuse",
    }
    payload.update(overrides)
    return payload


def largest_visit_payload(case_id: int, letter: str = "a", **overrides):
    """The largest visit the server takes: every text at its longest, 40 family members with
    every field, 20 photos with captions (fieldcheck.domain.visits' limits)."""
    from datetime import date, timedelta

    from fieldcheck.domain import visits
    from fieldcheck.domain.identity import encode_nik

    def text(length):
        return letter * length

    born = date(1960, 1, 1)
    family = [
        {
            "uuid": f"7d1f3c1e-2222-4a4a-9a9a-{i:012d}",
            "relation": "other_relative",
            "kk_relation": "other_relative",
            "name": text(visits.MAX_NAME),
            "nik": encode_nik("32.04.12", "M", born + timedelta(days=300 * i), i + 1),
            "birth_date": (born + timedelta(days=300 * i)).isoformat(),
            "alive": True,
            "present": False,
        }
        for i in range(visits.MAX_FAMILY)
    ]
    photos = [
        {"sha256": photo(1000 + i)[1], "caption": text(visits.MAX_NAME)}
        for i in range(visits.MAX_PHOTOS)
    ]
    household = {
        "address_found": True,
        "met_name": text(visits.MAX_NAME),
        "met_relation": "village_official",
        "applicant_lives_there": True,
        "aware_of_trip": False,
        "purpose_matches": False,
        "account": text(4000),
        "living_conditions": text(2000),
    }
    interview = {
        "purpose": "family_visit",
        "job_offer_channel": "friend_or_family",
        "recruiter_name": text(visits.MAX_NAME),
        "recruiter_phone": "+6281234567890",
        "recruiter_agency": text(visits.MAX_NAME),
        "recruiter_handle": text(visits.MAX_HANDLE),
        "recruiter_account": text(visits.MAX_ACCOUNT),
        "promised_salary_idr": visits.MAX_SALARY_IDR,
        "costs_paid_by": "recruiter",
        "contract_seen": False,
        "visa_type": "student",
        "knowledge": text(2000),
    }
    gps = {"status": "fixed", "lat": -6.98561234567, "lon": 107.62841234567, "accuracy_m": 12.5}
    return visit_payload(
        case_id,
        household=household,
        gps=gps,
        family=family,
        interview=interview,
        photos=photos,
        assessment=text(8000),
        recommendation="unclear",
        amends=overrides.pop("amends", None),
        **overrides,
    )


def submit(
    case_id, record_id=None, op_id=None, kind="visit.submit", base_version=None, **overrides
) -> dict:
    """A sync operation carrying a field verification (visit_payload with `overrides`)."""
    op = {
        "op_id": op_id or str(uuid.uuid4()),
        "type": kind,
        "record_id": record_id or str(uuid.uuid4()),
        "payload": visit_payload(case_id, **overrides),
    }
    if base_version is not None:
        op["base_version"] = base_version
    return op


class Phone:
    """A field officer's phone talking to the API with its device token."""

    def __init__(self, client, username, password=DEMO_PASSWORD):
        self.client = client
        response = client.post(
            "/api/v1/auth/token",
            json={"username": username, "password": password, "label": "Android"},
        )
        assert response.status_code == 201, response.json
        self.token = response.json["token"]
        self.headers = {"Authorization": f"Bearer {self.token}"}

    def push(self, *ops):
        return self.client.post(
            "/api/v1/sync/push", headers=self.headers, json={"version": 1, "operations": list(ops)}
        )

    def pull(self, since=""):
        return self.client.get(f"/api/v1/sync/pull?since={since}", headers=self.headers)

    def put_photo(self, data, sha):
        return self.client.put(f"/api/v1/media/{sha}", data=data, headers=self.headers)


def submit_with_family(client, case) -> dict:
    """field1's phone submits a visit naming the mother (with a NIK) and the father; the op."""
    phone = Phone(client, "field1")
    op = submit(
        case.id,
        family=[
            {
                "uuid": str(uuid.uuid4()),
                "relation": "mother",
                "name": "Euis Sumarni",
                "nik": "3204124204750001",
                "birth_date": "1975-04-02",
            },
            {"uuid": str(uuid.uuid4()), "relation": "father", "name": "Ujang Suryana"},
        ],
    )
    result = phone.push(op).json["results"][0]
    assert result["status"] == "applied", result
    return op


@in_app
def statistics_cases(clock) -> dict:
    """A small office history for the statistics (issue 17), every count written out in
    tests/unit/test_statistics_queries.py. Office KANIM-BDG (WIB), team Timpora Kabupaten
    Bandung; another office, KANIM-SBY, has one case that must never be counted with them.

    A: referred 5 Oct (KH, work, 32.04), first visit 10 Oct, returned 25 Oct, refused 20 Oct.
    B: referred 5 Oct (KH, work, 32.04), visits 1 Nov (one flagged second), verified 2 Nov.
    C: referred 5 Oct (MY, tourism, 32.05), due 30 Oct, still open: overdue on 2 Nov.
    D: referred 31 Oct 18:00 UTC = 1 Nov 01:00 WIB (KH, tourism, 32.04), due 10 Nov.
    Registry answers: A nik_identity mismatch (12 Oct), B nik_identity match (1 Nov).
    """
    from datetime import UTC, date, datetime

    from fieldcheck.models import Case, Decision, FieldVisit, RegistryQuestion

    def at(month, day, hour=1):
        return datetime(2026, month, day, hour, 0, tzinfo=UTC)

    supervisor = user("supervisor", "supervisor")
    the_team = team()
    officer = user("field1", "field", team_=the_team)
    clock.at = at(10, 5)
    a = case()
    b = case()
    c = case(
        destination_country="MY",
        purpose="tourism",
        district="32.05.01",
        due_date=date(2026, 10, 30),
    )
    clock.at = at(10, 31, 18)
    d = case(purpose="tourism", due_date=date(2026, 11, 10))
    other = office("KANIM-SBY", "Kantor Imigrasi Surabaya")
    e = case(office_=other)
    Case.update(team=the_team).where(Case.id.in_([a.id, b.id])).execute()

    def visit(made, when, flag=None):
        return FieldVisit.create(
            uuid=str(uuid.uuid4()),
            case=made,
            officer=officer,
            op_id=str(uuid.uuid4()),
            visited_at=when,
            received_at=when,
            address_found=True,
            recommendation="unclear",
            flag=flag,
        )

    visit(a, at(10, 10))
    visit(b, at(11, 1))
    visit(b, at(11, 1, 3), flag="second")
    visit(e, at(10, 10))
    Decision.create(case=a, outcome="refused", supervisor=supervisor, decided_at=at(10, 20))
    Decision.create(case=b, outcome="verified", supervisor=supervisor, decided_at=at(11, 2))
    Decision.create(case=e, outcome="refused", supervisor=supervisor, decided_at=at(10, 20))
    Case.update(state="refused").where(Case.id.in_([a.id, e.id])).execute()
    Case.update(state="verified").where(Case.id == b.id).execute()
    from fieldcheck import audit

    for made in (a, e):
        audit.record("case.return_for_correction", actor=supervisor, subject=made, at=at(10, 25))
    for made, answer, when in (
        (a, "mismatch", at(10, 12)),
        (b, "match", at(11, 1)),
        (e, "match", at(10, 12)),
    ):
        RegistryQuestion.update(
            status="answered", answer=answer, answered_at=when, answered_by=supervisor
        ).where(
            (RegistryQuestion.case == made) & (RegistryQuestion.kind == "nik_identity")
        ).execute()
    clock.at = at(11, 2)
    return {
        "a": a,
        "b": b,
        "c": c,
        "d": d,
        "e": e,
        "office": a.office,
        "other": other,
        "team": the_team,
    }


@in_app
def victim_record(office_, returned_on, case_=None, flagged=False, **fields):
    """A repatriated victim's record sent to `office_` (issue 16), stored as matched without the
    loading service (for the statistics): its case the field check that preceded the passport
    (None: no check), `flagged`: that check's report flagged for review."""
    import uuid as uuid_

    from fieldcheck.models import Decision, FieldReport, RepatriatedVictim, RepatriationImport

    batch = RepatriationImport.create(
        filename="ctdc.csv", source_agency="IOM", loaded_at=utcnow(), rows=1
    )
    report = None
    if flagged:
        report = FieldReport.create(
            report_id=str(uuid_.uuid4()),
            case=case_,
            decision=Decision.get(Decision.case == case_),
            issued=returned_on,
            expires=returned_on,
            key_id="k1",
            digest="0" * 32,
            decision_data="{}",
            qr_text="",
            created_at=utcnow(),
        )
    data = {
        "name": "Dewi Lestari Wulandari",
        "nik": "3204125512010003",
        "sex": "F",
        "destination_country": "KH",
    }
    data.update(fields)
    return RepatriatedVictim.create(
        batch=batch,
        line=1,
        office=office_,
        returned_on=returned_on,
        case=case_,
        report=report,
        review_state="pending" if flagged else None,
        **data,
    )
