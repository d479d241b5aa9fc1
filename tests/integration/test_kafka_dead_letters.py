"""The ingest dead-letter queue keeps the refusal, never what the identity screen refused (issue 12).

Before, a command refused by the screen went to `lif.ingest.dlq` with its message verbatim
(`original`), so the child's name the screen had kept out of the store sat on a Kafka topic
for its retention. Here a real `lif worker` takes messages that name a child whose case file
the partnership holds, in every way a message can carry text (a free-text field, a second
one, a list item, a key, an invalid date the refusal quotes, a message that is not JSON, a
message without a key), and the raw bytes of every dead letter are searched for the details.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaProducer

from adapters.subject_keys import subject_keys_for
from consumers.dead_letters import WITHHELD
from domain.aggregate import Context
from domain.framework import SourceKind
from domain.personal_data import PersonalDetails, SubjectRole
from services.application.auth.apikeys import create_api_key
from services.application.subjects.service import PersonalDataService
from tests.integration.test_kafka_delivery import Env, read_topic
from tests.integration.test_kafka_delivery import env as env  # the module's fixtures, shared
from tests.integration.test_kafka_delivery import worker as worker

pytestmark = pytest.mark.kafka

NAME = "Ysolde Brackenthwaite"
DOB = date(2013, 11, 4)
ADDRESS = "27 Larkspur Wynd, Parr, St Helens WA9 3QZ"
DETAILS = ("Ysolde", "Brackenthwaite", "2013-11-04", "04/11/2013", "Larkspur Wynd", "WA9 3QZ")


@pytest.fixture
def named(env: Env) -> Iterator[tuple[str, str]]:
    """A partnership holding the child's case file, and a service API key for it."""
    pid = env.partnership()
    keys = subject_keys_for(env.settings)
    try:
        PersonalDataService(env.store, keys).open(
            Context(partnership_id=pid, principal="admin:test"), case_reference="SHSCP-2026-031",
            source_kind=SourceKind.RAPID_REVIEW, role=SubjectRole.CHILD,
            details=PersonalDetails(name=NAME, date_of_birth=DOB, address=ADDRESS),
        )
    finally:
        keys.close()
    yield pid, create_api_key(env.store, pid, "case-system", issued_by="admin:test").key


def test_dead_letters_keep_the_refusal_and_withhold_every_identifying_text(
    env: Env, worker: Path, named: tuple[str, str]
) -> None:
    pid, key = named
    activity = str(env.activity(pid))

    def finding(**payload: Any) -> dict[str, Any]:
        body = {"category": "good_practice", "summary": "Timely referral.", "themes": ["neglect"],
                "recorded_on": "2026-03-01", **payload}
        return {"partnership_id": pid, "command": "record_finding", "target_id": activity, "payload": body,
                "idempotency_key": f"k-{uuid.uuid4().hex}"}

    good = [("x-api-key", key.encode())]
    messages: list[tuple[bytes, list[tuple[str, bytes]]]] = [
        # 0: the refused field, and a second field the screen would refuse too
        (json.dumps({"partnership_id": pid, "command": "open_activity", "payload": {
            "kind": "thematic_audit", "title": "Ysolde's school attendance", "opened_on": "2026-02-02",
            "scope": f"Visits to {ADDRESS}"}}).encode(), good),
        # 1: an item of a list of free text
        (json.dumps({"partnership_id": pid, "command": "record_decision", "payload": {
            "forum_id": "safeguarding-partnership-board", "meeting_on": "2026-03-24", "subject": "activity_sign_off",
            "subject_id": activity, "outcome": "accept", "decided_by": ["Board chair", "Y. Brackenthwaite"],
            "rationale": "Agreed."}}).encode(), good),
        # 2: a field named by the child: refused as an extra field, the refusal quoting the name
        (json.dumps(finding(**{"Brackenthwaite family": "x"})).encode(), good),
        # 3: an invalid date whose refusal quotes the input
        (json.dumps(finding(recorded_on="04/11/2013")).encode(), good),
        # 4: not JSON at all
        (f"Ysolde Brackenthwaite, born {DOB:%d/%m/%Y}".encode(), good),
        # 5: no key: refused before anything else, held all the same
        (json.dumps(finding(summary="Home visit to 27 Larkspur Wynd.")).encode(), []),
        # 6: refused for another reason, naming no one: kept as it was sent
        (json.dumps(finding(agencies_concerned=["no-such-agency"])).encode(), good),
    ]
    producer = KafkaProducer(bootstrap_servers=env.kafka.bootstrap, acks="all")
    for raw, headers in messages:  # one key: one partition, so processed in this order
        producer.send(env.kafka.ingest_topic, key=pid.encode(), value=raw, headers=headers)
    producer.flush()
    producer.close()

    records = read_topic(
        env.kafka.bootstrap, env.kafka.dlq_topic,
        lambda rs: sum(1 for r in rs if r.key == pid.encode()) >= len(messages),
    )
    raw_letters = [r.value for r in records if r.key == pid.encode()]
    assert len(raw_letters) == len(messages)
    for raw in raw_letters:
        for detail in DETAILS:
            for form in (detail, detail.lower(), detail.upper()):
                assert form.encode() not in raw, (form, raw)
    letters = [json.loads(raw) for raw in raw_letters]

    refused = letters[0]
    assert refused["error"]["code"] == "text_contains_known_name"
    assert refused["error"]["field"] == "title"
    assert refused["error"]["offset"] == 0
    assert "at character 0" in refused["error"]["message"]
    original = json.loads(refused["original"])
    assert original["payload"]["title"] == original["payload"]["scope"] == WITHHELD
    assert original["payload"]["kind"] == "thematic_audit" and original["command"] == "open_activity"
    assert refused["withheld"] == [
        {"field": "payload.title", "code": "text_contains_known_name", "offset": 0},
        {"field": "payload.scope", "code": "text_contains_known_address", "offset": 10},
    ]

    decided = letters[1]
    assert (decided["error"]["code"], decided["error"]["field"]) == ("text_contains_known_name", "decided_by.1")
    assert json.loads(decided["original"])["payload"]["decided_by"] == ["Board chair", WITHHELD]
    assert [w["field"] for w in decided["withheld"]] == ["payload.decided_by.1"]

    extra = letters[2]
    assert extra["error"]["code"] == "invalid_item" and extra["error"]["field"] == WITHHELD
    assert {w["field"] for w in extra["withheld"]} == {"payload.[key 4]", "error.field"}

    dated = letters[3]
    assert (dated["error"]["code"], dated["error"]["field"]) == ("invalid_date", "recorded_on")
    assert dated["error"]["message"] == WITHHELD  # it quoted the date of birth
    assert json.loads(dated["original"])["payload"]["recorded_on"] == WITHHELD

    not_json = letters[4]
    assert not_json["error"]["code"] == "invalid_json" and not_json["original"] is None
    assert not_json["withheld"] == [{"field": "original", "code": "text_contains_known_name", "offset": 0}]

    unsigned = letters[5]
    assert unsigned["error"]["code"] == "unauthenticated"
    assert json.loads(unsigned["original"])["payload"]["summary"] == WITHHELD

    plain = letters[6]
    assert plain["error"]["code"] == "unknown_agency" and "withheld" not in plain
    assert plain["original"] == messages[6][0].decode()
