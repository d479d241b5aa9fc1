"""Fixtures shared by every test layer: real PostgreSQL and Kafka, started on demand."""

from tests.fixtures.services import kafka_bootstrap, postgres_dsn  # noqa: F401
