"""Looking for a data subject's details in raw bytes: the markers, their written forms, and
where they are read from (files, Kafka topics, PostgreSQL rows, table files and WAL).

`Markers` are a made-up child's name, date of birth and two addresses, unique to one run, so
that finding one anywhere can only mean that this run's details leaked. Each is looked for in
UTF-8 and UTF-16 (either byte order) in any letter case, and in base64 at each of the three
alignments a string can take inside a longer one.
"""

from __future__ import annotations

import base64
import random
import string
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition

_INWARD = "ABDEFGHJLNPQRSTUWXYZ"


def _word(stem: str, rng: random.Random) -> str:
    return stem + "".join(rng.choices(string.ascii_lowercase, k=6))


@dataclass(frozen=True)
class Markers:
    first_name: str
    surname: str
    date_of_birth: date
    address: str
    moved_to: str
    """The address recorded by the correction (the first one is the opening's)."""

    @classmethod
    def new(cls) -> Markers:
        rng = random.Random()
        street, other = _word("Larksp", rng).title(), _word("Quarryb", rng).title()
        postcode = f"WA9 {rng.randint(1, 9)}{rng.choice(_INWARD)}{rng.choice(_INWARD)}"
        return cls(
            first_name=_word("Ysol", rng).title(),
            surname=_word("Brackent", rng).title(),
            date_of_birth=date(rng.randint(2012, 2016), rng.randint(1, 12), rng.randint(13, 28)),
            address=f"{rng.randint(2, 98)} {street} Lane, Thatto Heath, St Helens {postcode}",
            moved_to=f"{rng.randint(2, 98)} {other} Mews\nParr\nSt Helens",
        )

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.surname}"

    def texts(self) -> dict[str, str]:
        """Each detail in the ways it could be written, labelled for the failure message."""
        dob = self.date_of_birth
        texts = {"name": self.name, "first name": self.first_name, "surname": self.surname}
        for label, form in (
            ("iso", f"{dob:%Y-%m-%d}"), ("dd/mm/yyyy", f"{dob:%d/%m/%Y}"), ("dd-mm-yyyy", f"{dob:%d-%m-%Y}"),
            ("dd.mm.yyyy", f"{dob:%d.%m.%Y}"), ("written", f"{dob.day} {dob:%B %Y}"), ("yyyymmdd", f"{dob:%Y%m%d}"),
            ("ddmmyyyy", f"{dob:%d%m%Y}"),
        ):
            texts[f"date of birth ({label})"] = form
        for label, address in (("address", self.address), ("corrected address", self.moved_to)):
            first_line = address.replace("\n", ",").split(",")[0]
            texts[f"{label}: first line"] = first_line
            texts[f"{label}: street"] = first_line.split(" ", 1)[1]
            texts[f"{label}: whole"] = address
        postcode = self.address.rsplit(" ", 2)
        texts["postcode"] = f"{postcode[-2]} {postcode[-1]}"
        texts["postcode (no space)"] = postcode[-2] + postcode[-1]
        return texts


def _base64_forms(raw: bytes) -> Iterator[bytes]:
    """What base64 of a longer text shows of `raw` wherever it starts: the characters that
    depend on `raw`'s bytes alone, at each of the three alignments."""
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + raw).rstrip(b"=")
        head = -(-shift * 8 // 6)  # characters that hold bits of the padding
        tail = 2 if (shift + len(raw)) % 3 else 0  # a last group that holds bits of what follows
        yield encoded[head : len(encoded) - tail]


@dataclass(frozen=True)
class Form:
    label: str
    needle: bytes
    folded: bool
    """Looked for in the lower-cased bytes (any letter case), else in the bytes as they are."""


def forms(markers: Markers) -> list[Form]:
    found: list[Form] = []
    for label, text in markers.texts().items():
        low = text.lower()
        found += [
            Form(f"{label}, utf-8", low.encode(), True),
            Form(f"{label}, utf-16-le", low.encode("utf-16-le"), True),
            Form(f"{label}, utf-16-be", low.encode("utf-16-be"), True),
        ]
        for written in dict.fromkeys((text, low, text.upper())):
            found += [Form(f"{label}, base64", b64, False) for b64 in _base64_forms(written.encode())]
    return found


def secret_forms(label: str, secret: bytes) -> list[Form]:
    """A key as bytes, in hex and in base64 (how a store or a log could hold it)."""
    return [
        Form(f"{label}, bytes", secret, False), Form(f"{label}, hex", secret.hex().encode(), True),
        *(Form(f"{label}, base64", b64, False) for b64 in _base64_forms(secret)),
    ]


def found_in(data: bytes, needles: Iterable[Form]) -> list[str]:
    """The labels of the forms found in `data`."""
    low = data.lower()
    return [f.label for f in needles if f.needle in (low if f.folded else data)]


def contains(data: bytes, text: str) -> bool:
    return text.lower().encode() in data.lower()


def files_under(root: Path) -> dict[str, bytes]:
    """Every regular file under `root`, by its path, as raw bytes."""
    return {str(p): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file() and not p.is_symlink()}


# ------------------------------------------------------------------ Kafka


def topic_records(bootstrap: str, topic: str, timeout: float = 30.0) -> list[bytes]:
    """Every record of every partition of `topic` from its beginning to its end as of now:
    keys, values and header values, as raw bytes."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None)
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        if not partitions:  # not created yet (its first producer has not written): nothing in it
            return []
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        raw: list[bytes] = []
        deadline = time.monotonic() + timeout
        while any(consumer.position(tp) < ends[tp] for tp in partitions):
            assert time.monotonic() < deadline, f"{topic}: not read to its end within {timeout}s"
            for records in consumer.poll(timeout_ms=500).values():
                for r in records:
                    raw += [r.key or b"", r.value or b"", *((v or b"") for _, v in r.headers or ())]
        return raw
    finally:
        consumer.close()


def topics_named(bootstrap: str, part: str) -> list[str]:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        return sorted(t for t in admin.list_topics() if part in t)
    finally:
        admin.close()


# ------------------------------------------------------------------ PostgreSQL


def postgres_rows(dsn: str, schemas: list[str]) -> dict[str, bytes]:
    """Every row of every table of the schemas, each value as its bytes (bytea as stored)."""
    out: dict[str, bytes] = {}
    with psycopg.connect(dsn) as conn:
        tables = conn.execute(
            "SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema = ANY(%s)"
            " AND table_type = 'BASE TABLE'",
            (schemas,),
        ).fetchall()
        for schema, table in tables:
            chunks: list[bytes] = []
            for row in conn.execute(f'SELECT * FROM "{schema}"."{table}"'):
                chunks += [_as_bytes(v) for v in row]
            out[f"{schema}.{table}"] = b"\n".join(chunks)
    return out


def _as_bytes(value: Any) -> bytes:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    return str(value).encode()


def postgres_wal_position(dsn: str) -> str:
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT pg_walfile_name(pg_current_wal_lsn())").fetchone()
    assert row is not None
    return str(row[0])


def postgres_files(dsn: str, schemas: list[str], wal_from: str) -> dict[str, bytes]:
    """After a checkpoint: the data files of the schemas' tables, their TOAST tables and all
    their indexes, and the WAL segments from `wal_from` on, as the server keeps them. Read from
    its data directory (`SHOW data_directory`) where this process can (the development server,
    deploy/postgres.sh, and CI run on this machine), otherwise by the server itself
    (`pg_read_binary_file`, a server in a container); the test's role is a superuser either way."""
    out: dict[str, bytes] = {}
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CHECKPOINT")
        data_dir = Path(_one(conn, "SHOW data_directory"))
        wal_to = _one(conn, "SELECT pg_walfile_name(pg_current_wal_lsn())")
        local = data_dir.is_dir() and (data_dir / "PG_VERSION").is_file()

        def read(relative: str) -> bytes:
            if local:
                return (data_dir / relative).read_bytes()
            row = conn.execute("SELECT pg_read_binary_file(%s)", (relative,)).fetchone()
            assert row is not None
            return bytes(row[0])

        relations = [str(r) for (r,) in conn.execute(_RELATION_FILES, (schemas,)).fetchall() if r is not None]
        for relative in relations:
            out[f"{data_dir}/{relative}"] = read(relative)
        segments = sorted(str(n) for (n,) in conn.execute("SELECT name FROM pg_ls_waldir()").fetchall())
        for name in segments:
            if len(name) == 24 and wal_from <= name <= wal_to:
                out[f"{data_dir}/pg_wal/{name}"] = read(f"pg_wal/{name}")
    assert relations, f"no table file of {schemas}"
    return out


# The tables and materialised views of the schemas, their TOAST tables, and all their indexes.
# Each is under 1 GB here, so one file (no `.1` segment) holds it.
_RELATION_FILES = """
    WITH tables AS (
        SELECT c.oid, c.reltoastrelid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = ANY(%s) AND c.relkind IN ('r', 'm')
    ), owners AS (
        SELECT oid FROM tables UNION SELECT reltoastrelid FROM tables WHERE reltoastrelid <> 0
    )
    SELECT pg_relation_filepath(oid) FROM owners
    UNION SELECT pg_relation_filepath(indexrelid) FROM pg_index WHERE indrelid IN (SELECT oid FROM owners)
"""


def _one(conn: psycopg.Connection[Any], sql: str) -> str:
    row = conn.execute(sql).fetchone()  # type: ignore[arg-type]
    assert row is not None
    return str(row[0])
