"""A realistic demo office for trying FieldCheck: `fieldcheck demo`. Never run in production."""

from fieldcheck import accounts, audit
from fieldcheck.domain import roles
from fieldcheck.models import Region, User

DEMO_PASSWORD = "fieldcheck-demo"  # noqa: S105  (documented demo accounts, made only by `demo`)

# The regions the demo uses, with their real Kemendagri codes, so that it runs without the
# full table; `fieldcheck regions import` loads all 91,599.
DEMO_REGIONS = [
    ("32", "Jawa Barat"),
    ("32.04", "Kabupaten Bandung"),
    ("32.05", "Kabupaten Garut"),
    ("32.73", "Kota Bandung"),
    ("32.04.05", "Cileunyi"),
    ("32.04.12", "Dayeuhkolot"),
    ("32.04.13", "Banjaran"),
    ("32.04.15", "Pangalengan"),
    ("32.05.01", "Garut Kota"),
    ("32.05.04", "Tarogong Kaler"),
    ("32.05.10", "Kadungora"),
    ("32.04.05.2001", "Cileunyi Kulon"),
    ("32.04.05.2002", "Cileunyi Wetan"),
    ("32.04.12.2002", "Dayeuhkolot"),
    ("32.04.12.2003", "Cangkuang Wetan"),
    ("32.04.13.2001", "Kamasan"),
    ("32.04.13.2003", "Banjaran"),
    ("32.04.15.2001", "Pangalengan"),
    ("32.04.15.2002", "Margaluyu"),
    ("32.05.01.1001", "Kota Kulon"),
    ("32.05.01.1002", "Kota Wetan"),
    ("32.05.04.2001", "Sukajadi"),
    ("32.05.10.2001", "Kadungora"),
]

DEMO_USERS = [
    # username, name, role, team index, agency
    ("admin", "Rina Marlina", roles.ADMIN, None, roles.IMMIGRATION),
    ("intake", "Dewi Anggraini", roles.INTAKE, None, roles.IMMIGRATION),
    ("field1", "Agus Setiawan", roles.FIELD, 0, roles.IMMIGRATION),
    ("field2", "Bripka Yusuf Hidayat", roles.FIELD, 0, roles.POLICE),
    ("registry", "Siti Rahmawati", roles.REGISTRY, None, roles.REGIONAL_GOVERNMENT),
    ("supervisor", "Hendra Gunawan", roles.SUPERVISOR, None, roles.IMMIGRATION),
    ("passport", "Putri Ayu Lestari", roles.PASSPORT, None, roles.IMMIGRATION),
]


class DemoExists(Exception):
    """The database already has accounts: the demo only fills an empty one."""


def ensure_demo_regions():
    """Add the demo's regions that the database does not have yet."""
    from fieldcheck.regions import level_of, parent_of

    known = {c for (c,) in Region.select(Region.code).tuples()}
    missing = [
        {"code": c, "name": n, "level": level_of(c), "parent_code": parent_of(c)}
        for c, n in DEMO_REGIONS
        if c not in known
    ]
    if missing:
        Region.insert_many(missing).execute()


def create_demo(actor: accounts.Actor) -> list[User]:
    """One immigration office, two district teams, one account per role and a second officer."""
    if User.select().exists():
        raise DemoExists("the database already has user accounts")
    ensure_demo_regions()
    office = accounts.create_office(
        actor,
        code="KANIM-BDG",
        name="Kantor Imigrasi Kelas I TPI Bandung",
        time_zone="WIB",
        region_codes=["32.04", "32.05", "32.73"],
    )
    teams = [
        accounts.save_team(
            actor, None, office=office, name="Timpora Kabupaten Bandung", district_code="32.04"
        ),
        accounts.save_team(
            actor, None, office=office, name="Timpora Kabupaten Garut", district_code="32.05"
        ),
    ]
    made = []
    for username, name, role, team, agency in DEMO_USERS:
        made.append(
            accounts.create_user(
                actor,
                username=username,
                name=name,
                role=role,
                password=DEMO_PASSWORD,
                office=office,
                team=teams[team] if team is not None else None,
                agency=agency,
                regions=["32.04", "32.05"] if role == roles.REGISTRY else (),
                must_change_password=False,
            )
        )
    actor.record(audit.DEMO_CREATE, office, {"users": [u.username for u in made]})
    return made
