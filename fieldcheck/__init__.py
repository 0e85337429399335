"""FieldCheck: field verification of doubtful passport applications.

Only `create_app` lives here, and it imports the web stack lazily so that the sync engine, the
domain rules and the CLI do not pay for what they do not use.
"""

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config=None):
    """Build the Flask app: config, database, security, request sizes, languages, blueprints."""
    from flask import Flask
    from flask_compress import Compress
    from werkzeug.middleware.proxy_fix import ProxyFix

    from fieldcheck import cli, config, db, files, i18n, limits, security, views
    from fieldcheck.clock import SystemClock

    app = Flask(
        __name__,
        instance_path=(test_config or {}).get("INSTANCE_PATH")
        or os.environ.get("FIELDCHECK_INSTANCE_PATH", str(ROOT / "instance")),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.from_object(config)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.update(config.from_environment())
    else:
        app.config.update(test_config)

    files.private_folder(app.instance_path)
    files.warn_if_open(app.instance_path, app.logger)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = load_or_create_secret(Path(app.instance_path) / "secret_key")
    app.extensions["clock"] = app.config.get("CLOCK") or SystemClock()
    if app.config["PROXY_COUNT"]:
        n = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)

    db.init_app(app)
    Compress(app)
    app.extensions["risk_rules"] = load_risk_rules(app)
    init_sync(app)
    security.init_app(app)
    limits.init_app(app)
    i18n.init_app(app)
    views.register(app)
    cli.register(app)
    return app


def init_sync(app):
    """The sync engine on the app's database, with the app's handlers; photo storage."""
    from fieldcheck.db import database
    from fieldcheck.sync_handlers import handlers
    from sync import SyncEngine
    from sync.media import FileStorage

    clock = app.extensions["clock"]
    app.extensions["sync"] = SyncEngine(database, handlers, now=clock.now)
    app.extensions["media"] = FileStorage(
        app.config.get("MEDIA_ROOT") or Path(app.instance_path) / "media"
    )


def load_risk_rules(app):
    """The risk-signal rules: instance/risk_signals.toml if there, else the shipped ones.

    A broken file stops the start with its line and problem (signals.RulesError).
    """
    from fieldcheck.domain import signals

    path = app.config.get("RISK_RULES_FILE") or Path(app.instance_path) / "risk_signals.toml"
    return signals.load_rules_file(path if Path(path).exists() else signals.default_rules_path())


def load_or_create_secret(path: Path) -> str:
    """The secret key kept in the instance folder, made on first start (readable by owner only)."""
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(key)
    return key
