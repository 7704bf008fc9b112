"""server/db.py read_ahead on the real engine (not the tests' rolled-back connection): the batches come in order from
a thread with its own session (on PostgreSQL; on SQLite they are read in place), a caller that stops early stops
the reader, and an error in the reader reaches the caller. Only SELECTs: nothing is written."""

import threading

import pytest
import sqlalchemy as sa

from server.db import read_ahead
from server.extensions import db


def numbers(count, fail_at=None):
    def make():
        for number in range(count):
            if number == fail_at:
                raise ValueError("the reader failed")
            yield [db.session.execute(sa.select(sa.literal(number) * 2)).scalar(), threading.get_ident()]
    return make


def test_batches_come_in_order_from_their_own_session(app):
    with app.app_context():
        batches = list(read_ahead(numbers(10)))
        assert [value for value, _ in batches] == list(range(0, 20, 2))
        readers = {reader for _, reader in batches}
        if db.engine.dialect.name == "postgresql":
            assert readers != {threading.get_ident()} and len(readers) == 1
        else:
            assert readers == {threading.get_ident()}


def test_a_caller_that_stops_early_stops_the_reader(app):
    with app.app_context():
        before = threading.active_count()
        batches = read_ahead(numbers(1000))
        assert next(batches)[0] == 0 and next(batches)[0] == 2
        batches.close()
        assert threading.active_count() == before  # the reader has ended (close waits for it)


def test_an_error_in_the_reader_reaches_the_caller(app):
    with app.app_context():
        seen = []
        with pytest.raises(ValueError, match="the reader failed"):
            for value, _ in read_ahead(numbers(10, fail_at=3)):
                seen.append(value)
        assert seen == [0, 2, 4]
