"""The `fieldcheck` command."""

from pathlib import Path

from fieldcheck.demo import DEMO_PASSWORD
from fieldcheck.models import AuditEvent, Office, Region, Team, User
from tests.helpers import alerts, main_text


def test_init_reports_the_schema_version(runner):
    result = runner.invoke(args=["init"])
    assert result.exit_code == 0, result.output
    assert "Schema version" in result.output


def test_db_upgrade_is_idempotent(runner):
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0 and "schema version" in result.output


def test_demo_makes_an_office_two_teams_and_one_account_per_role(runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    users = {u.username: u for u in User.select()}
    assert sorted(users) == [
        "admin",
        "analyst",
        "field1",
        "field2",
        "hqadmin",
        "intake",
        "passport",
        "registry",
        "supervisor",
    ]
    assert all(u.check_password(DEMO_PASSWORD) for u in users.values())
    assert users["hqadmin"].role == "admin" and users["hqadmin"].office_id is None  # issue 16
    assert users["field1"].team_id == users["field2"].team_id is not None
    assert users["registry"].region_codes() == ["32.04", "32.05"]
    assert users["analyst"].office_id is None  # headquarters: no office
    assert Office.select().count() == 1 and Team.select().count() == 2
    assert Region.get_by_id("32.04").name == "Kabupaten Bandung"
    assert AuditEvent.select().where(AuditEvent.chain_seq.is_null()).count() == 0


def test_demo_turns_the_second_factor_off_for_its_instance_and_says_so(runner, app, monkeypatch):
    from fieldcheck import create_app

    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0 and "no second factor" in result.output
    config = Path(app.instance_path) / "config.py"
    assert config.stat().st_mode & 0o777 == 0o600
    runner.invoke(args=["demo", "--if-empty"])
    assert config.read_text().count("DEMO_INSTANCE = True") == 1
    # The next start of the app reads it: no second factor asked, and the sign-in page says so.
    monkeypatch.setenv("FIELDCHECK_INSTANCE_PATH", app.instance_path)
    monkeypatch.setenv("FIELDCHECK_DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("FIELDCHECK_SECRET_KEY", "demo-test-secret")
    demo_app = create_app()  # as `fieldcheck run` starts it, reading the instance's config.py
    assert demo_app.config["SECOND_FACTOR_ROLES"] == () and demo_app.config["DEMO_INSTANCE"]
    page = demo_app.test_client().get("/login", headers={"Accept-Language": "en"})
    assert "no second factor is asked" in alerts(page.text)
    plain = app.test_client().get("/login", headers={"Accept-Language": "en"})
    assert "no second factor is asked" not in main_text(plain.text)


def test_demo_refuses_a_database_with_users(runner):
    runner.invoke(args=["demo"])
    result = runner.invoke(args=["demo"])
    assert result.exit_code != 0 and "already has user accounts" in result.output
    result = runner.invoke(args=["demo", "--if-empty"])
    assert result.exit_code == 0 and "not added" in result.output


def test_user_create(runner):
    runner.invoke(args=["demo"])
    result = runner.invoke(
        args=[
            "user",
            "create",
            "--username",
            "clerk2",
            "--name",
            "Nur Aini",
            "--role",
            "registry",
            "--office",
            "KANIM-BDG",
            "--region",
            "32.05",
            "--password",
            "a-long-password",
        ]
    )
    assert result.exit_code == 0, result.output
    clerk = User.get(User.username == "clerk2")
    assert clerk.region_codes() == ["32.05"] and clerk.must_change_password


def test_user_create_explains_what_is_wrong(runner):
    runner.invoke(args=["demo"])
    base = ["user", "create", "--username", "x1", "--name", "X", "--password", "a-long-password"]
    cases = [
        (["--role", "intake", "--office", "NOPE"], "no office with code"),
        (["--role", "field", "--office", "KANIM-BDG"], "needs --team"),
        (["--role", "registry", "--office", "KANIM-BDG"], "at least one --region"),
        (["--role", "registry", "--office", "KANIM-BDG", "--region", "99"], "unknown region"),
        (
            [
                "--role",
                "registry",
                "--office",
                "KANIM-BDG",
                "--region",
                "32.04",
                "--region",
                "33.01",
            ],
            "KANIM-BDG: regions outside the office's area (32.04, 32.05, 32.73): 33.01",
        ),
        (["--role", "field", "--office", "KANIM-BDG", "--team", "Nope"], "has no team"),
    ]
    for extra, message in cases:
        result = runner.invoke(args=base + extra)
        assert result.exit_code != 0 and message in result.output, result.output
    assert not User.select().where(User.username == "x1").exists()


def test_user_create_makes_a_headquarters_administrator_without_an_office(runner):
    """Issue 16: an administrator of no office keeps the national lists; no one else may be
    without an office."""
    base = ["user", "create", "--name", "Ratna Sari", "--password", "a-long-password"]
    made = runner.invoke(args=[*base, "--username", "hq1", "--role", "admin"])
    assert made.exit_code == 0, made.output
    assert User.get(User.username == "hq1").office_id is None
    refused = runner.invoke(args=[*base, "--username", "hq2", "--role", "supervisor"])
    assert refused.exit_code != 0 and "give the --office" in refused.output
    assert not User.select().where(User.username == "hq2").exists()


def test_user_create_refuses_a_weak_password_saying_why(runner):
    runner.invoke(args=["demo"])
    base = ["user", "create", "--name", "Nur Aini", "--role", "intake", "--office", "KANIM-BDG"]
    cases = [
        (["--username", "x1", "--password", "iloveyou1234"], "one of the most common passwords"),
        (["--username", "x1", "--password", "short-one"], "At least 12 characters."),
        (["--username", "nuraini", "--password", "nuraini-nuraini-2026"], "from the username"),
        (["--username", "x1", "--password", "Imigrasi-Bandung!"], "from the office's name"),
    ]
    for extra, message in cases:
        result = runner.invoke(args=base + extra)
        assert result.exit_code != 0, result.output
        assert "the password is refused" in result.output and message in result.output
    assert not User.select().where(User.username.in_(["x1", "nuraini"])).exists()


def test_regions_import_reports_bad_lines_and_loads_nothing(runner, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("code,name\n11,Aceh\n11.0x,Bad\n")
    result = runner.invoke(args=["regions", "import", str(bad)])
    assert result.exit_code != 0
    assert "line 3" in result.output and "nothing was imported" in result.output
    assert Region.select().count() == 0


def test_regions_import_loads_and_audits(runner, tmp_path):
    good = tmp_path / "good.csv"
    good.write_text("code,name\n11,Aceh\n11.01,Kabupaten Aceh Selatan\n")
    result = runner.invoke(args=["regions", "import", str(good)])
    assert result.exit_code == 0 and "2 added" in result.output
    result = runner.invoke(args=["regions", "import", str(good)])
    assert "0 added, 0 renamed, 2 unchanged" in result.output
    assert AuditEvent.select().where(AuditEvent.action == "regions.import").count() == 2
