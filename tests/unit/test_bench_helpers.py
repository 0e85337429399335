"""What the benchmarks print about where they ran."""

import pytest

from bench import describe_server


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
