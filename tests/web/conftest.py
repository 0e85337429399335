"""Fixtures shared by the web tests: a case at the civil registry desk, and one under review."""

import pytest

from fieldcheck import signing
from fieldcheck.models import Case
from tests import factories
from tests.factories import Phone, submit
from tests.helpers import Web


@pytest.fixture
def desk(app):
    """A case at the registry check: submitted from the field with two family members."""
    intake = factories.user("intake", "intake")
    factories.user("supervisor", "supervisor")
    team = factories.team()
    factories.user("field1", "field", team_=team)
    clerk = factories.user("clerk", "registry", regions=["32.04"])
    case = factories.case(kk="3204120101150001", documents=["ktp", "kk", "birth_certificate"])
    with app.app_context():
        from fieldcheck.cases import service

        service.assign(factories.actor(intake), case, team)
    return {"case": case, "clerk": clerk, "team": team, "intake": intake}


@pytest.fixture
def reviewed(app, client):
    """A case under review: submitted from the field, the registry gone past by the supervisor."""
    intake = factories.user("intake", "intake")
    supervisor = factories.user("supervisor", "supervisor")
    team = factories.team()
    factories.user("field1", "field", team_=team)
    case = factories.case()
    with app.app_context():
        from fieldcheck.cases import service
        from fieldcheck.registry import service as registry

        service.assign(factories.actor(intake), case, team)
    phone = Phone(client, "field1")
    phone.push(submit(case.id))
    with app.app_context():
        registry.proceed_without(
            factories.actor(supervisor), Case.get_by_id(case.id), "Dukcapil answers by letter"
        )
    signing.create_key(app.instance_path)
    web = Web(app.test_client())
    web.login("supervisor")
    return {"case": Case.get_by_id(case.id), "web": web, "phone": phone}
