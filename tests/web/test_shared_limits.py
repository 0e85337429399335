"""Rate limits shared by the nodes of a cluster: two app nodes (each its own process, its own
instance folder; one database, one secret key) counting in one real Redis
(RATELIMIT_STORAGE_URI). Attempts spread over the nodes meet the limit as on one node; kept in
each node's memory instead, each node counts alone and lets twice as many through."""

import pytest

from tests import factories
from tests.helpers import Web
from tests.processes import Browser, app_nodes, free_ports
from tests.redis_store import key_prefix, keys_under


@pytest.fixture
def limits_prefix(redis_url):
    with key_prefix(redis_url) as prefix:
        yield prefix


def node_settings(app, tmp_path, name: str, storage_uri: str, prefix: str, **more) -> dict:
    return {
        "SECRET_KEY": "one-secret-for-the-cluster",
        "DATABASE_URL": app.config["DATABASE_URL"],
        "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
        "SECOND_FACTOR_ROLES": [],
        "AUDIT_SEAL_INTERVAL": 86400,  # no node seals the audit chain during the test
        "INSTANCE_PATH": str(tmp_path / name),
        "RATELIMIT_STORAGE_URI": storage_uri,
        "RATELIMIT_KEY_PREFIX": prefix,
        **more,
    }


def two_nodes(app, tmp_path, storage_uri, prefix, **more):
    return app_nodes(
        *(node_settings(app, tmp_path, name, storage_uri, prefix, **more) for name in "ab")
    )


@pytest.mark.parametrize(
    ("counts_in", "sixth_attempt"),
    [("redis", 429), ("memory", 303)],
    ids=["in-redis-the-limit-holds", "in-each-nodes-memory-it-does-not"],
)
def test_failed_sign_ins_spread_over_two_nodes_meet_the_per_username_limit(
    app, tmp_path, redis_url, limits_prefix, counts_in, sixth_attempt
):
    factories.user("field1", "field")
    storage_uri = redis_url if counts_in == "redis" else "memory://"
    with two_nodes(app, tmp_path, storage_uri, limits_prefix) as nodes:
        browser = Browser()
        for attempt in range(5):  # LOGIN_LIMIT_PER_USERNAME: 5 per 15 minutes
            assert browser.sign_in(nodes[attempt % 2], "field1", "wrong password") == 401
        # The right password, on the node that saw two of the five.
        assert browser.sign_in(nodes[1], "field1", Web.PASSWORD) == sixth_attempt
    assert bool(keys_under(redis_url, limits_prefix)) == (counts_in == "redis")


def test_device_tokens_issued_on_two_nodes_meet_the_per_user_limit(
    app, tmp_path, redis_url, limits_prefix
):
    factories.user("field1", "field")
    settings = {"TOKEN_LIMIT_PER_USER": "2 per day"}
    with two_nodes(app, tmp_path, redis_url, limits_prefix, **settings) as nodes:
        phone = Browser()
        asked = {"username": "field1", "password": Web.PASSWORD, "label": "HP lapangan"}
        issued = [
            phone.call("POST", f"{node}/api/v1/auth/token", json_body=asked)[0] for node in nodes
        ]
        assert issued == [201, 201]
        status, body = phone.call("POST", f"{nodes[0]}/api/v1/auth/token", json_body=asked)
        assert status == 429 and b'"rate_limited"' in body


def test_while_redis_cannot_be_reached_a_node_counts_alone_and_sign_in_stays_open(
    app, tmp_path, limits_prefix
):
    factories.user("field1", "field")
    factories.user("field2", "field")
    (nobody,) = free_ports(1)  # a Redis that is down: nothing listens there
    down = f"redis://127.0.0.1:{nobody}/0"
    with app_nodes(node_settings(app, tmp_path, "a", down, limits_prefix)) as (node,):
        assert Browser().sign_in(node, "field2", Web.PASSWORD) == 303
        for _ in range(5):
            assert Browser().sign_in(node, "field1", "wrong password") == 401
        assert Browser().sign_in(node, "field1", Web.PASSWORD) == 429
