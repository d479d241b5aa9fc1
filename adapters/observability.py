"""What every lif process shares to be watched and stopped: logs, health, metrics, signals.

- Logs: JSON lines on stderr, one format for the relay, the worker, the projector, the
  webhooks and the API (`configure_logging`). Each process logs its start with its
  settings (secrets redacted: `redacted`), its progress, every error, and its stop.
- Health and metrics: `/health` (alive), `/ready` (its last step worked) and `/metrics`
  (Prometheus text), on the API's own app or, for the other processes, on a small HTTP
  server of their own (adapters/ops_http.py, port from `--metrics-port` or LIF_METRICS_PORT).
- Signals: `stop_on_signals` turns SIGTERM (and SIGINT, unless the process was started
  with it ignored, as a background shell job is) into a stop event the loop watches.
"""

from __future__ import annotations

import json
import logging
import logging.config
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from prometheus_client import (
    CollectorRegistry,
    Counter,
    ProcessCollector,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from pydantic import BaseModel

log = logging.getLogger("lif.ops")
# The *_created series: noise beside process_start_time_seconds.
disable_created_metrics()  # type: ignore[no-untyped-call]

PROJECT_LOGGERS = ("lif", "domain", "projections", "consumers", "services", "bench")
"""Loggers of our own code: always at INFO or finer, whatever a library's log level is."""

ERRORS = Counter("lif_errors", "Errors logged (ERROR or worse), by logger.", ["logger"], registry=None)
LAG = "lif_lag_events"
LAG_HELP = "Log positions (for the worker: messages of the events topic) not yet handled, by follower."
EVENTS = Counter(
    "lif_events_processed", "Events handled, by stage; rate() of it is events per second.", ["stage"], registry=None
)


# --- logs ----------------------------------------------------------------------------


class JsonFormatter(logging.Formatter):
    """One JSON object a line: ts, level, process, logger, msg, the record's `fields`, error."""

    def __init__(self, process: str = "lif") -> None:
        super().__init__()
        self.process = process

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "process": self.process,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, Mapping):
            entry.update(fields)
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class CountErrors(logging.Handler):
    """Counts every ERROR-or-worse record into lif_errors_total: each logged error is a metric too."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)

    def emit(self, record: logging.LogRecord) -> None:
        ERRORS.labels(logger=record.name).inc()


def logging_config(process: str, level: str = "WARNING", info: tuple[str, ...] = ()) -> dict[str, Any]:
    """The dictConfig of a lif process (faust's worker takes it too, instead of its own).

    `level` is the libraries' (Kafka clients, faust); lif's own loggers, and those named
    in `info`, log at INFO or finer."""
    numeric = logging.getLevelName(level.upper())
    ours = min(logging.INFO, numeric) if isinstance(numeric, int) else logging.INFO
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter, "process": process}},
        "handlers": {
            "stderr": {"class": "logging.StreamHandler", "stream": "ext://sys.stderr", "formatter": "json"},
            "errors": {"()": CountErrors},
        },
        "root": {"level": level.upper(), "handlers": ["stderr", "errors"]},
        "loggers": {name: {"level": ours} for name in (*PROJECT_LOGGERS, *info)},
    }


def configure_logging(process: str, level: str = "WARNING", info: tuple[str, ...] = ()) -> None:
    logging.config.dictConfig(logging_config(process, level, info))
    logging.captureWarnings(True)
    sys.excepthook = _log_crash


def _log_crash(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
    """An exception nothing caught ends the process: as a JSON line too, not a bare traceback."""
    log.critical("crashed: %s: %s", kind.__name__, error, exc_info=(kind, error, tb),
                 extra={"fields": {"event": "crash"}})


SECRET_WORDS = ("secret", "password", "token", "key", "credential", "kek")


def redact_url(url: str) -> str:
    """A URL (a DSN) with its password replaced by ***."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{host}"))


def redacted(values: Mapping[str, Any]) -> dict[str, Any]:
    """Settings fit for a log: secrets' values hidden (set or not is kept), URLs' passwords hidden."""
    out: dict[str, Any] = {}
    for name, value in values.items():
        if any(word in name.lower() for word in SECRET_WORDS):
            out[name] = "***" if value else value
        elif isinstance(value, str) and "://" in value:
            out[name] = redact_url(value)
        else:
            out[name] = value
    return out


def settings_fields(**models: BaseModel) -> dict[str, Any]:
    """Every setting of the models, prefixed with the keyword they came under, redacted."""
    flat = {
        f"{prefix}.{name}" if prefix else name: value
        for prefix, model in models.items()
        for name, value in model.model_dump(mode="json").items()
    }
    return redacted(flat)


# --- health and metrics --------------------------------------------------------------


class Status:
    """Readiness: ready once started and while its last step succeeded."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ready = False
        self._reason = "starting"
        self._started = False

    def starting(self, reason: str) -> None:
        """Not ready yet, for `reason` (say, connecting): not a failure to recover from."""
        with self._lock:
            self._ready, self._reason = False, reason

    def ok(self) -> str:
        """Marks it ready; returns the reason it was not, if it had failed after starting."""
        with self._lock:
            was = self._reason if self._started and not self._ready else ""
            self._ready, self._reason, self._started = True, "", True
            return was

    def failed(self, reason: str) -> None:
        with self._lock:
            self._ready, self._reason = False, reason

    def state(self) -> tuple[bool, str]:
        with self._lock:
            return self._ready, self._reason


Reading = Callable[[], float | Mapping[str, float]]


class Metrics(Collector):
    """A process's registry: the shared counters, the process's own, and gauges read when scraped."""

    def __init__(self, process: str, status: Status | None = None) -> None:
        self.process = process
        self.status = status or Status()
        self.registry = CollectorRegistry()
        for shared in (ERRORS, EVENTS):
            self.registry.register(shared)
        ProcessCollector(registry=self.registry)
        self._gauges: list[tuple[str, str, str | None, Reading]] = []
        self.registry.register(self)

    def gauge(self, name: str, help_text: str, read: Reading, label: str | None = None) -> None:
        """A gauge read at each scrape: `read` returns a value, or label value -> value."""
        self._gauges.append((name, help_text, label, read))

    def collect(self) -> Iterable[Metric]:
        ready = GaugeMetricFamily(
            "lif_ready", "1 while the process is ready (its last step worked).", labels=["process"]
        )
        ready.add_metric([self.process], 1.0 if self.status.state()[0] else 0.0)
        yield ready
        for name, help_text, label, read in self._gauges:
            try:
                value = read()
            except Exception:
                # A scrape must not fail because one reading did (the database is down: say
                # so in the log, and the other metrics still answer).
                log.warning("metric %s could not be read", name, exc_info=True)
                continue
            family = GaugeMetricFamily(name, help_text, labels=[label] if label else None)
            if isinstance(value, Mapping):
                for key, v in value.items():
                    family.add_metric([key], float(v))
            else:
                family.add_metric([], float(value))
            yield family

    def render(self) -> bytes:
        return generate_latest(self.registry)


def observed(step: Callable[[], int], status: Status, stage: str) -> Callable[[], int]:
    """`step`, counting what it handled into lif_events_processed_total and keeping `status`."""
    counter = EVENTS.labels(stage=stage)

    def run() -> int:
        try:
            done = step()
        except Exception as e:
            status.failed(f"{type(e).__name__}: {e}")
            raise
        if recovered := status.ok():
            log.info("%s works again (it had failed: %s)", stage, recovered, extra={"fields": {"recovered": stage}})
        if done:
            counter.inc(done)
        return done

    return run


class ProgressLog:
    """Logs a follower's progress while it moves: at most one line every `every` seconds."""

    def __init__(
        self, what: str, position: Callable[[], int], head: Callable[[], int], every: float = 10.0
    ) -> None:
        self.what = what
        self.position = position
        self.head = head
        self.every = every
        self._moved = 0
        self._since = time.monotonic()

    def wrap(self, step: Callable[[], int]) -> Callable[[], int]:
        def run() -> int:
            done = step()
            self.note(done)
            return done

        return run

    def note(self, moved: int) -> None:
        self._moved += moved
        now = time.monotonic()
        if not self._moved or now - self._since < self.every:
            return
        position, head = self.position(), self.head()
        rate = self._moved / (now - self._since)
        log.info(
            "%s at position %d of %d (lag %d): %d events in the last %.0f s (%.0f/s)",
            self.what, position, head, max(0, head - position), self._moved, now - self._since, rate,
            extra={"fields": {
                "event": "progress", "position": position, "head": head, "lag": max(0, head - position),
                "events": self._moved, "events_per_second": round(rate, 1),
            }},
        )
        self._moved, self._since = 0, now


# --- signals ---------------------------------------------------------------------------


class Stopper:
    """A stop event set by SIGTERM, and by SIGINT unless the process was started ignoring it."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.signal_name: str | None = None

    def install(self) -> Stopper:
        signal.signal(signal.SIGTERM, self._on_signal)
        # A background shell job starts with SIGINT ignored so that Ctrl-C at the terminal
        # leaves it running: keep that, and stop on SIGTERM (what `kill` sends).
        if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
            signal.signal(signal.SIGINT, self._on_signal)
        return self

    def _on_signal(self, signum: int, _frame: Any) -> None:
        # No logging here: a handler runs between any two bytecodes, maybe inside logging's lock.
        self.signal_name = signal.Signals(signum).name
        self.event.set()

    @property
    def stopping(self) -> bool:
        return self.event.is_set()


def stop_on_signals() -> Stopper:
    return Stopper().install()


def log_start(process: str, fields: Mapping[str, Any]) -> None:
    log.info("%s starting", process, extra={"fields": {"event": "start", "settings": dict(fields)}})


def log_stop(process: str, why: str | None, fields: Mapping[str, Any] | None = None) -> None:
    extra = {"event": "stop", "reason": why or "finished", **(fields or {})}
    log.info("%s stopped (%s)", process, why or "finished", extra={"fields": extra})

