"""Photos in an S3 object store (MEDIA_STORAGE=s3, a real SeaweedFS): a phone's photo goes
through the API into the bucket, completes the visit waiting for it, and is served to whoever
may see its case (its own type, never sniffed) and to nobody else."""

import hashlib
import io

import pytest
from PIL import Image

from fieldcheck import media_storage
from fieldcheck.models import AuditEvent, FieldVisit
from sync.s3 import S3Storage
from tests import factories
from tests.factories import Phone, submit
from tests.helpers import Web
from tests.processes import free_ports


@pytest.fixture
def app_settings(object_store):
    bucket = object_store.new_bucket()
    return {**object_store.settings(bucket), "TEST_BUCKET": bucket}


@pytest.fixture
def field_case(app):
    intake = factories.user("intake", "intake")
    team = factories.team()
    factories.user("field1", "field", team_=team)
    factories.user("supervisor", "supervisor")
    case = factories.case()
    with app.app_context():
        from fieldcheck.cases import service

        service.assign(factories.actor(intake), case, team)
    return case


def test_the_app_keeps_photos_in_the_bucket_its_settings_name(app, object_store):
    storage = app.extensions["media"]
    assert isinstance(storage, S3Storage) and storage.bucket == app.config["TEST_BUCKET"]


def test_a_pushed_photo_is_kept_in_the_bucket_and_served_to_who_may_see_its_case(
    app, client, object_store, field_case
):
    phone = Phone(client, "field1")
    data, sha = factories.photo(101)
    op = submit(field_case.id, photos=[{"sha256": sha, "caption": "Rumah"}])
    pushed = phone.push(op).json["results"][0]["result"]
    assert pushed["status"] == "incomplete" and pushed["missing_photos"] == [sha]

    put = phone.put_photo(data, sha)
    assert put.status_code == 201 and put.json["completed"] == [op["record_id"]]
    assert FieldVisit.get().status == "complete"
    stored = object_store.client().get_object(Bucket=app.config["TEST_BUCKET"], Key=sha)
    assert stored["Body"].read() == data and stored["ContentType"] == "image/jpeg"
    assert phone.put_photo(data, sha).status_code == 200  # again: harmless, nothing replaced

    supervisor = Web(app.test_client())
    supervisor.login("supervisor")
    got = supervisor.client.get(f"/api/v1/media/{sha}")
    assert got.status_code == 200 and got.data == data
    assert got.mimetype == "image/jpeg"
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert got.headers["Cache-Control"] == "private, no-store"
    assert AuditEvent.select().where(AuditEvent.action == "media.read").count() == 1

    other_team = factories.team(name="Timpora Garut", district_code="32.05")
    factories.user("field9", "field", team_=other_team)
    stranger = Phone(client, "field9")
    refused = client.get(f"/api/v1/media/{sha}", headers=stranger.headers)
    assert refused.status_code == 404 and refused.json["error"]["code"] == "not_found"
    assert AuditEvent.select().where(AuditEvent.action == "media.read").count() == 1


def test_a_photo_named_but_not_yet_in_the_bucket_is_not_found(app, client, field_case):
    phone = Phone(client, "field1")
    _, sha = factories.photo(102)
    phone.push(submit(field_case.id, photos=[{"sha256": sha}]))
    missing = client.get(f"/api/v1/media/{sha}", headers=phone.headers)
    assert missing.status_code == 404 and missing.json["error"]["code"] == "not_found"
    assert AuditEvent.select().where(AuditEvent.action == "media.read").count() == 0


def test_a_png_is_served_as_a_png(app, client, field_case):
    image = io.BytesIO()
    Image.new("RGB", (2, 2), "white").save(image, "PNG")
    data = image.getvalue()
    sha = hashlib.sha256(data).hexdigest()
    phone = Phone(client, "field1")
    phone.push(submit(field_case.id, photos=[{"sha256": sha}]))
    assert phone.put_photo(data, sha).status_code == 201
    got = client.get(f"/api/v1/media/{sha}", headers=phone.headers)
    assert got.status_code == 200 and got.data == data
    assert got.mimetype == "image/png" and got.headers["X-Content-Type-Options"] == "nosniff"


def test_while_the_store_cannot_be_reached_a_photo_is_refused_for_later(app, client, field_case):
    (nobody,) = free_ports(1)  # the store is down: nothing listens there
    app.extensions["media"] = media_storage(
        {**app.config, "MEDIA_S3_ENDPOINT_URL": f"http://127.0.0.1:{nobody}"}, None
    )
    phone = Phone(client, "field1")
    data, sha = factories.photo(103)
    op = submit(field_case.id, photos=[{"sha256": sha}])
    assert phone.push(op).json["results"][0]["result"]["status"] == "incomplete"
    put = phone.put_photo(data, sha)
    assert put.status_code == 503 and put.json["error"]["code"] == "storage_unavailable"
    assert put.headers["Retry-After"] == "60"
    assert FieldVisit.get().status == "incomplete"  # still waiting for its photo
    assert client.head(f"/api/v1/media/{sha}", headers=phone.headers).status_code == 404
    got = client.get(f"/api/v1/media/{sha}", headers=phone.headers)
    assert got.status_code == 503 and got.json["error"]["code"] == "storage_unavailable"
