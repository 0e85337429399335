"""What the benchmarks print about where they ran."""

import hashlib

import pytest

from bench import describe_server, monday


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("postgresql://postgres@127.0.0.1:5432/postgres", "127.0.0.1:5432"),
        ("postgresql://u:secret@db.example/x", "db.example:5432"),
        (
            "postgresql://postgres@/postgres?host=/var/run/postgresql",
            "the Unix socket in /var/run/postgresql (port 5432)",
        ),
        ("postgresql://postgres@:5433/postgres?host=/tmp", "the Unix socket in /tmp (port 5433)"),
    ],
)
def test_where_the_server_is_is_said_without_its_password(url, said):
    assert describe_server(url) == said
    assert "secret" not in describe_server(url)


def test_the_monday_phones_send_distinct_photos_each_named_by_its_visit():

    phone = {"index": 7, "token": "fc1_x", "case_ids": list(range(100, 100 + monday.SUBMISSIONS))}
    made = monday.operations(phone)
    shas = [hashlib.sha256(data).hexdigest() for _, data in made]
    assert len(set(shas)) == monday.SUBMISSIONS
    assert [op["payload"]["photos"] for op, _ in made] == [[{"sha256": sha}] for sha in shas]
    assert len({op["op_id"] for op, _ in made}) == monday.SUBMISSIONS
    assert monday.percentile([0.3, 0.1, 0.2, 0.4], 0.5) == 0.3
