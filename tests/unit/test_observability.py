"""The shared log format, redaction and metrics of adapters/observability.py."""

from __future__ import annotations

import json
import logging
import sys

import pytest

from adapters.observability import JsonFormatter, Metrics, Status, observed, redact_url, redacted, settings_fields
from adapters.settings import Settings


def test_a_dsn_keeps_everything_but_its_password() -> None:
    assert redact_url("postgresql://lif:s3cret@db.example:5432/lif?sslmode=require") == (
        "postgresql://lif:***@db.example:5432/lif?sslmode=require"
    )
    assert redact_url("postgresql://db.example/lif") == "postgresql://db.example/lif"


def test_secrets_are_hidden_but_whether_they_are_set_is_not() -> None:
    shown = redacted({"secret_key": "abc", "api_token": "", "webhook.secret": None, "dsn": "kafka://u:p@h:1",
                      "persistence": "postgres"})
    assert shown == {"secret_key": "***", "api_token": "", "webhook.secret": None, "dsn": "kafka://u:***@h:1",
                     "persistence": "postgres"}


def test_settings_are_logged_with_their_prefix_and_without_the_signing_key() -> None:
    fields = settings_fields(**{"": Settings(secret_key="k" * 40, postgres_dsn="postgresql://a:pw@h/d")})
    assert fields["secret_key"] == "***"
    assert fields["postgres_dsn"] == "postgresql://a:***@h/d"
    assert "k" * 40 not in json.dumps(fields)


def test_a_log_line_is_one_json_object_with_fields_and_the_error() -> None:
    formatter = JsonFormatter("relay")
    try:
        raise ValueError("broker gone")
    except ValueError:
        record = logging.LogRecord("services.workers.relay", logging.ERROR, __file__, 1, "batch %d failed", (3,), None)
        record.exc_info = sys.exc_info()
    record.fields = {"position": 42}
    line = formatter.format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert (entry["process"], entry["level"], entry["msg"]) == ("relay", "error", "batch 3 failed")
    assert entry["position"] == 42
    assert "ValueError: broker gone" in entry["error"]


def test_a_failing_reading_leaves_the_rest_of_the_scrape() -> None:
    metrics = Metrics("test")

    def broken() -> float:
        raise ConnectionError("database down")

    metrics.gauge("lif_test_broken", "Always fails.", broken)
    metrics.gauge("lif_test_lag", "A lag.", lambda: {"relay": 7.0}, label="follower")
    text = metrics.render().decode()
    assert 'lif_test_lag{follower="relay"} 7.0' in text
    assert "lif_test_broken" not in text
    assert 'lif_ready{process="test"} 0.0' in text


def test_readiness_follows_the_last_step_and_counts_what_it_handled() -> None:
    status = Status()
    results: list[int | Exception] = [3, RuntimeError("no broker"), 0]

    def step() -> int:
        result = results.pop(0)
        if isinstance(result, Exception):
            raise result
        return result

    metrics = Metrics("test", status)
    run = observed(step, status, "unit_test_stage")
    before = metrics.registry.get_sample_value("lif_events_processed_total", {"stage": "unit_test_stage"}) or 0.0
    assert run() == 3 and status.state() == (True, "")
    with pytest.raises(RuntimeError):
        run()
    assert status.state() == (False, "RuntimeError: no broker")
    assert run() == 0 and status.state()[0]
    after = metrics.registry.get_sample_value("lif_events_processed_total", {"stage": "unit_test_stage"})
    assert after == before + 3
