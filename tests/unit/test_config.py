"""Configuration: defaults, then instance/config.py, then FIELDCHECK_* variables."""

import os
import re
import stat
from datetime import timedelta
from pathlib import Path

import peewee

from fieldcheck import config, create_app
from fieldcheck.clock import FixedClock, SystemClock
from fieldcheck.db import database


def make_app(tmp_path, monkeypatch, env=None, instance_config=None):
    instance = tmp_path / "instance"
    monkeypatch.setenv("FIELDCHECK_INSTANCE_PATH", str(instance))
    for key in [
        k for k in os.environ if k.startswith("FIELDCHECK_") and k != "FIELDCHECK_INSTANCE_PATH"
    ]:
        monkeypatch.delenv(key)
    for key, value in (env or {}).items():
        monkeypatch.setenv(key, value)
    if instance_config is not None:
        instance.mkdir(parents=True, exist_ok=True)
        (instance / "config.py").write_text(instance_config)
    return create_app()


def test_defaults_give_a_sqlite_file_in_the_instance_folder(tmp_path, monkeypatch):
    app = make_app(tmp_path, monkeypatch)
    assert app.config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'instance' / 'fieldcheck.db'}"
    assert app.config["IDLE_TIMEOUT"] == timedelta(minutes=30)
    assert isinstance(app.extensions["clock"], SystemClock)
    assert not app.config["HTTPS"]


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path, monkeypatch):
    make_app(tmp_path, monkeypatch)
    database.connect(reuse_if_open=True)
    try:
        assert database.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert database.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
    finally:
        database.close()


def test_instance_config_overrides_defaults(tmp_path, monkeypatch):
    app = make_app(tmp_path, monkeypatch, instance_config="HTTPS = True\n")
    assert app.config["HTTPS"] is True
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_environment_overrides_instance_config(tmp_path, monkeypatch):
    app = make_app(
        tmp_path,
        monkeypatch,
        env={
            "FIELDCHECK_HTTPS": "false",
            "FIELDCHECK_IDLE_TIMEOUT": "600",
            "FIELDCHECK_LANGUAGES": "id, en",
            "FIELDCHECK_DATABASE_URL": f"sqlite:///{tmp_path / 'other.db'}",
        },
        instance_config="HTTPS = True\n",
    )
    assert app.config["HTTPS"] is False
    assert app.config["IDLE_TIMEOUT"] == timedelta(minutes=10)
    assert app.config["LANGUAGES"] == ("id", "en")
    assert app.config["DATABASE_URL"].endswith("other.db")


def test_postgres_url_picks_postgresql(tmp_path, monkeypatch):
    make_app(
        tmp_path,
        monkeypatch,
        env={"FIELDCHECK_DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/test"},
    )
    assert isinstance(database.obj, peewee.PostgresqlDatabase)


def test_secret_key_is_generated_once_into_the_instance_folder(tmp_path, monkeypatch):
    first = make_app(tmp_path, monkeypatch)
    key_file = tmp_path / "instance" / "secret_key"
    assert key_file.read_text() == first.config["SECRET_KEY"]
    assert len(first.config["SECRET_KEY"]) == 64
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    second = make_app(tmp_path, monkeypatch)
    assert second.config["SECRET_KEY"] == first.config["SECRET_KEY"]


def test_no_secret_key_in_the_code():
    assert not hasattr(config, "SECRET_KEY")


def test_test_config_sets_the_clock(tmp_path, monkeypatch):
    clock = FixedClock()
    monkeypatch.setenv("FIELDCHECK_INSTANCE_PATH", str(tmp_path))
    app = create_app(
        {"SECRET_KEY": "x", "CLOCK": clock, "DATABASE_URL": f"sqlite:///{tmp_path / 't.db'}"}
    )
    with app.app_context():
        from fieldcheck.clock import utcnow

        before = utcnow()
        clock.advance(minutes=5)
        assert utcnow() - before == timedelta(minutes=5)


def test_unknown_database_url_is_refused_clearly(tmp_path, monkeypatch):
    import pytest

    with pytest.raises(ValueError, match="unsupported database URL"):
        make_app(tmp_path, monkeypatch, env={"FIELDCHECK_DATABASE_URL": "oracle://x"})


README = Path(__file__).resolve().parents[2] / "README.md"


def documented_settings(readme: str) -> set[str]:
    """The settings the README names in backquotes: `NAME`, `FIELDCHECK_NAME=...`, `NAME = ...`."""
    return set(re.findall(r"`(?:FIELDCHECK_)?([A-Z][A-Z0-9_]*)(?=[`= ])", readme))


def test_every_setting_is_documented_in_the_readme():
    settings = {name for name in vars(config) if name.isupper()}
    assert settings, "no settings found in fieldcheck/config.py"
    assert sorted(settings - documented_settings(README.read_text())) == []


def test_the_readme_check_sees_an_undocumented_setting():
    readme = "Set `FIELDCHECK_HTTPS=1`; `IDLE_TIMEOUT` (30 minutes); `DEMO_INSTANCE = True`."
    assert documented_settings(readme) == {"HTTPS", "IDLE_TIMEOUT", "DEMO_INSTANCE"}
    assert "PROXY_COUNT" not in documented_settings(readme + " PROXY_COUNT, unquoted")
