"""The chained recorders pass the `eventsourcing` library's own recorder conformance tests.

Set up as the library's own tests do: SQLite in memory and in a temporary file
(`tmpfile_uris`, and the shared-cache in-memory URI for the concurrency cases),
both originator id types; PostgreSQL with the maximally long events table name
the library uses (63 characters, so the chain table's name must be shortened),
in a throwaway schema per test. Every case also checks that the chain the
recorder wrote verifies.
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar, Literal
from urllib.parse import unquote, urlparse
from uuid import UUID, uuid4

import psycopg
import pytest
from eventsourcing.persistence import ProgrammingError
from eventsourcing.postgres import PostgresDatastore
from eventsourcing.sqlite import SQLiteDatastore
from eventsourcing.tests.persistence import (
    ApplicationRecorderTestCase,
    NonInterleavingNotificationIDsBaseCase,
    tmpfile_uris,
)
from psycopg.sql import SQL, Identifier

from adapters.chain import verify
from adapters.chain_recorders import (
    ChainedPostgresApplicationRecorder,
    ChainedSQLiteApplicationRecorder,
    chain_table_name,
)
from tests.fixtures.services import postgres_dsn  # noqa: F401  (fixture)

# The library's tests use a maximally long events table name on PostgreSQL.
EVENTS_TABLE_NAME = "s" * 50 + "stored_events"


class _VerifiesChain:
    """After each conformance case, the chain written by the recorder must verify."""

    recorders: list[Any]

    def setUp(self) -> None:
        self.recorders = []
        super().setUp()  # type: ignore[misc]

    def tearDown(self) -> None:
        try:
            for recorder in self.recorders:
                report = verify(recorder)
                assert report.ok, report
        finally:
            super().tearDown()  # type: ignore[misc]


class WithTextOriginatorID:
    originator_id_type: Literal["uuid", "text"] = "text"

    def new_originator_id(self) -> UUID | str:
        return "test-" + str(uuid4())


# ---------------------------------------------------------------- SQLite


class TestChainedSQLiteApplicationRecorder(
    _VerifiesChain, ApplicationRecorderTestCase[ChainedSQLiteApplicationRecorder]
):
    db_uri = ":memory:"
    originator_id_type: Literal["uuid", "text"] = "uuid"

    def create_recorder(self) -> ChainedSQLiteApplicationRecorder:
        recorder = ChainedSQLiteApplicationRecorder(
            SQLiteDatastore(db_name=self.db_uri, pool_size=100, originator_id_type=self.originator_id_type)
        )
        recorder.create_table()
        self.recorders.append(recorder)
        return recorder

    def test_insert_select(self) -> None:
        super().test_insert_select()

    def test_concurrent_no_conflicts(self, initial_position: int = 0) -> None:
        self.uris = tmpfile_uris()
        self.db_uri = next(self.uris)
        super().test_concurrent_no_conflicts()

    def test_concurrent_no_conflicts_in_memory_db(self) -> None:
        self.db_uri = "file::memory:?cache=shared"
        super().test_concurrent_no_conflicts()

    def test_concurrent_throughput(self) -> None:
        self.uris = tmpfile_uris()
        self.db_uri = next(self.uris)
        super().test_concurrent_throughput()

    def test_concurrent_throughput_in_memory_db(self) -> None:
        self.db_uri = "file::memory:?cache=shared"
        super().test_concurrent_throughput()

    def test_insert_select_file_db(self) -> None:
        self.uris = tmpfile_uris()
        self.db_uri = next(self.uris)
        super().test_insert_select()


class TestChainedSQLiteApplicationRecorderWithTextOriginatorID(
    WithTextOriginatorID, TestChainedSQLiteApplicationRecorder
):
    pass


class TestChainedSQLiteNonInterleaving(_VerifiesChain, NonInterleavingNotificationIDsBaseCase):
    def create_recorder(self) -> ChainedSQLiteApplicationRecorder:
        self.uris = tmpfile_uris()
        recorder = ChainedSQLiteApplicationRecorder(SQLiteDatastore(db_name=next(self.uris)))
        recorder.create_table()
        self.recorders.append(recorder)
        return recorder


# ---------------------------------------------------------------- PostgreSQL


@pytest.fixture(autouse=True)
def _pg_dsn(request: pytest.FixtureRequest) -> None:
    """Hand the session's PostgreSQL DSN to the unittest-style cases marked postgres."""
    if request.node.get_closest_marker("postgres") is not None and request.instance is not None:
        request.instance.dsn = request.getfixturevalue("postgres_dsn")


def _drop_schema(dsn: str, schema: str) -> None:
    # eventsourcing.tests.postgres_utils.drop_tables does this per table but imports the
    # library's examples package, which the wheel does not ship; a throwaway schema
    # per test, dropped with CASCADE, removes the tables, types and functions alike.
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(Identifier(schema)))


class _SetupPostgresDatastore:
    dsn: str
    pool_size: ClassVar[int] = 1
    max_overflow: ClassVar[int] = 0
    originator_id_type: Literal["uuid", "text"] = "uuid"

    def setUp(self) -> None:
        super().setUp()  # type: ignore[misc]
        self.schema = f"chain_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            conn.execute(SQL("CREATE SCHEMA {}").format(Identifier(self.schema)))
        url = urlparse(self.dsn)
        self.datastore = PostgresDatastore(
            url.path.lstrip("/"),
            url.hostname or "127.0.0.1",
            str(url.port or 5432),
            unquote(url.username or ""),
            unquote(url.password or ""),
            pool_size=self.pool_size,
            max_overflow=self.max_overflow,
            schema=self.schema,
            originator_id_type=self.originator_id_type,
        )

    def tearDown(self) -> None:
        try:
            super().tearDown()  # type: ignore[misc]
        finally:
            self.datastore.close()
            _drop_schema(self.dsn, self.schema)


@pytest.mark.postgres
class TestChainedPostgresApplicationRecorder(
    _SetupPostgresDatastore, _VerifiesChain, ApplicationRecorderTestCase[ChainedPostgresApplicationRecorder]
):
    def create_recorder(self, table_name: str = EVENTS_TABLE_NAME) -> ChainedPostgresApplicationRecorder:
        recorder = ChainedPostgresApplicationRecorder(self.datastore, events_table_name=table_name)
        recorder.create_table()
        self.recorders.append(recorder)
        return recorder

    def test_insert_select(self) -> None:
        super().test_insert_select()

    def test_performance(self) -> None:
        super().test_performance()

    def test_concurrent_no_conflicts(self, initial_position: int = 0) -> None:
        super().test_concurrent_no_conflicts()

    def test_concurrent_throughput(self) -> None:
        self.datastore.pool.open()
        self.datastore.pool.resize(4, 4)
        super().test_concurrent_throughput()

    def test_insert_subscribe(self) -> None:
        self.datastore.pool.open()
        self.datastore.pool.resize(2, 2)
        super().optional_test_insert_subscribe()

    def test_chain_table_name_fits_the_identifier_limit(self) -> None:
        recorder = self.create_recorder()
        assert len(recorder.chain_table_name) <= 63
        assert recorder.chain_table_name.endswith("_chain")
        assert chain_table_name("lif_events", 63) == "lif_events_chain"

    def test_refuses_db_functions(self) -> None:
        self.datastore.enable_db_functions = True
        with pytest.raises(ProgrammingError):
            ChainedPostgresApplicationRecorder(self.datastore, events_table_name="stored_events")


@pytest.mark.postgres
class TestChainedPostgresApplicationRecorderWithTextOriginatorID(
    WithTextOriginatorID, TestChainedPostgresApplicationRecorder
):
    pass


@pytest.mark.postgres
class TestChainedPostgresNonInterleaving(
    _SetupPostgresDatastore, _VerifiesChain, NonInterleavingNotificationIDsBaseCase
):
    pool_size: ClassVar[int] = 2

    def create_recorder(self) -> ChainedPostgresApplicationRecorder:
        recorder = ChainedPostgresApplicationRecorder(self.datastore, events_table_name=EVENTS_TABLE_NAME)
        recorder.create_table()
        self.recorders.append(recorder)
        return recorder
