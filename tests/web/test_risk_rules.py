"""Risk rules: shipped default, instance override, refused at start when broken, and cases
re-evaluated when they gain findings."""

import json
from pathlib import Path

import pytest

from fieldcheck import create_app
from fieldcheck.cases import service
from fieldcheck.domain import signals
from fieldcheck.domain.identity import Finding
from fieldcheck.models import AuditEvent, Case
from tests import factories


def test_default_rules_are_loaded(app):
    assert app.extensions["risk_rules"].version.startswith("2026.")


def test_rules_in_the_instance_folder_override_the_default(migrated_url, tmp_path, monkeypatch):
    text = (
        signals.default_rules_path()
        .read_text()
        .replace('version = "2026.12.2"', 'version = "2026.12.2-bandung"')
    )
    (tmp_path / "risk_signals.toml").write_text(text)
    monkeypatch.setenv("FIELDCHECK_INSTANCE_PATH", str(tmp_path))
    app = create_app({"SECRET_KEY": "x", "DATABASE_URL": migrated_url})
    assert app.extensions["risk_rules"].version.startswith("2026.12.2-bandung+")


def test_a_broken_rules_file_stops_the_start_with_line_and_problem(
    migrated_url, tmp_path, monkeypatch
):
    text = signals.default_rules_path().read_text()
    broken = text.replace('op = "eq"', 'op = "equals"', 1)
    (tmp_path / "risk_signals.toml").write_text(broken)
    monkeypatch.setenv("FIELDCHECK_INSTANCE_PATH", str(tmp_path))
    with pytest.raises(signals.RulesError) as error:
        create_app({"SECRET_KEY": "x", "DATABASE_URL": migrated_url})
    line = next(i for i, t in enumerate(broken.splitlines(), 1) if "equals" in t)
    assert error.value.line == line
    assert "equals" in str(error.value) and "risk_signals.toml" in str(error.value)


def test_a_case_is_reevaluated_when_it_gains_findings(app):
    case = factories.case(
        destination_country="JP",
        purpose="tourism",
        visa_type="tourist",
        sponsor=None,
        sponsor_is_employer=False,
    )
    before = case.risk_score
    with app.app_context():
        service.add_findings(
            factories.actor(), case, "registry", [Finding("registry_kk_mismatch", {"field": "kk"})]
        )
    case = Case.get_by_id(case.id)
    fired = {s["id"] for s in json.loads(case.risk_signals)}
    assert "registry_mismatch" in fired and case.risk_score > before
    event = AuditEvent.get(AuditEvent.action == "case.risk")
    assert event.details_dict["findings"] == ["registry_kk_mismatch"]


def test_signals_store_their_reasons_in_both_languages(app):
    case = factories.case()
    stored = json.loads(case.risk_signals)
    destination = next(s for s in stored if s["id"] == "high_risk_destination")
    assert "Cambodia" in destination["reason"]["en"]
    assert "Kamboja" in destination["reason"]["id"]
    assert Path(signals.default_rules_path()).name == "risk_signals.toml"
