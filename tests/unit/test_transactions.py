"""A transaction that reads, then writes, while another connection writes in between: it waits
its turn, never fails with "database is locked" (SQLite's deferred transactions did, at once:
a browser test's setup met it while the live server sealed the audit trail)."""

import threading

import pytest

from fieldcheck.db import open_database


@pytest.fixture
def db(database_url):
    db = open_database(database_url, pool=True)
    db.connect()
    db.execute_sql("CREATE TABLE IF NOT EXISTS txn_probe (id INTEGER PRIMARY KEY, note TEXT)")
    db.execute_sql("DELETE FROM txn_probe")
    db.execute_sql("INSERT INTO txn_probe (id, note) VALUES (1, 'first')")
    db.close()
    yield db
    db.connect(reuse_if_open=True)
    db.execute_sql("DROP TABLE txn_probe")
    db.close()
    db.close_all()


def test_read_then_write_waits_for_a_writer_instead_of_failing(db):
    has_read, other_is_writing = threading.Event(), threading.Event()
    errors = []

    def reader_then_writer():
        try:
            with db.atomic():
                assert db.execute_sql("SELECT note FROM txn_probe").fetchone() == ("first",)
                has_read.set()
                other_is_writing.wait(5)
                threading.Event().wait(0.2)  # the other write is under way meanwhile
                db.execute_sql("UPDATE txn_probe SET note = 'read, then written' WHERE id = 1")
        except Exception as exc:  # shown by the assertion below
            errors.append(exc)
        finally:
            db.close()

    def other_writer():
        try:
            has_read.wait(5)
            other_is_writing.set()
            with db.atomic():
                db.execute_sql("INSERT INTO txn_probe (id, note) VALUES (2, 'other')")
        except Exception as exc:
            errors.append(exc)
        finally:
            db.close()

    threads = [threading.Thread(target=reader_then_writer), threading.Thread(target=other_writer)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    db.connect(reuse_if_open=True)
    rows = db.execute_sql("SELECT id, note FROM txn_probe ORDER BY id").fetchall()
    db.close()
    assert [tuple(row) for row in rows] == [(1, "read, then written"), (2, "other")]
