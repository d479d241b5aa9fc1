"""`lif events`: the committed docs/events.md is the generated index, and the index covers
every event class of the domain; and the one projection protocol it is generated from."""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
from pathlib import Path

import pytest

import domain
from adapters.sql import Cursor, Dialect
from domain.action import ActionAgreed
from domain.activity import ActivityOpened, ActivityPublished, FindingRecorded
from domain.claims import IdClaimed
from domain.events import DomainEvent
from domain.partnership import ForumAdded
from domain.routing import LEARNING_TOPICS
from projections.agenda.view import AgendaView
from projections.audit import AuditView
from projections.themes import ThemesView
from projections.tracker import TrackerView
from projections.view import View, handles, read_by
from services.cli import main
from services.cli.events import LEARNING_ROUTER, NOT_RELAYED, RELAY, as_markdown, build_index

DOC = Path(__file__).resolve().parents[2] / "docs" / "events.md"


def domain_event_classes() -> set[type[DomainEvent]]:
    found: set[type[DomainEvent]] = set()
    for module in pkgutil.iter_modules(domain.__path__, "domain."):
        for _, value in inspect.getmembers(importlib.import_module(module.name), inspect.isclass):
            if issubclass(value, DomainEvent) and value.__dict__.get("TOPIC"):
                found.add(value)
    return found


def test_the_committed_index_is_the_generated_one() -> None:
    assert DOC.read_text(encoding="utf-8") == as_markdown(build_index()), (
        "docs/events.md is stale: run `lif events --output docs/events.md`"
    )


def test_every_domain_event_class_is_indexed_with_views_or_a_reason_it_is_read_by_none() -> None:
    entries = {entry.event_class: entry for entry in build_index()}
    classes = domain_event_classes()
    assert len(classes) > 40
    for cls in classes:
        entry = entries[f"{cls.__module__}.{cls.__qualname__}"]
        assert entry.topic == cls.topic()
        assert entry.views or entry.unread, f"{cls.__qualname__}: read by no view, and no reason said"


def test_the_index_says_who_reads_and_who_pushes() -> None:
    entries = {entry.topic: entry for entry in build_index()}
    assert entries[ActionAgreed.topic()].views == ("tracker", "audit", "agenda", "search")
    assert entries[ForumAdded.topic()].views == ("audit", "agenda")
    assert entries[IdClaimed.topic()].views == ()
    assert entries[IdClaimed.topic()].consumers == (NOT_RELAYED,)
    for topic in LEARNING_TOPICS:
        assert LEARNING_ROUTER in entries[topic].consumers
    assert entries[ForumAdded.topic()].consumers == (RELAY,)


def test_lif_events_prints_the_index_as_json_and_markdown(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["events", "--format", "json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert [row["topic"] for row in printed] == [entry.topic for entry in build_index()]
    out = tmp_path / "events.md"
    assert main(["events", "--output", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == as_markdown(build_index())


def test_lif_events_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["events", "--help"])
    assert done.value.code == 0
    assert "--format" in capsys.readouterr().out


# --- the protocol --------------------------------------------------------------


def test_a_view_reads_exactly_the_classes_it_has_handlers_for() -> None:
    assert set(ThemesView.topics) == {
        cls for cls in domain_event_classes() if ThemesView.reads(cls)
    }
    assert TrackerView.reads(ActionAgreed) and not TrackerView.reads(ForumAdded)
    assert AuditView.reads(ForumAdded) and not AuditView.reads(IdClaimed)
    # The agenda's own handlers and those it mixes in (acknowledgements, shared activity rows).
    assert AgendaView.reads(ActivityOpened) and AgendaView.reads(ActivityPublished)


class Spy(View):
    name = "spy"
    tables = ()

    def __init__(self) -> None:
        self.seen: list[tuple[str, int]] = []

    def create(self, cur: Cursor, dialect: Dialect) -> None:
        pass

    @handles(ActivityOpened, FindingRecorded)
    def _noted(self, cur: Cursor, event: DomainEvent, position: int) -> None:
        self.seen.append((type(event).__name__, position))

    @handles(FindingRecorded)
    def _also(self, cur: Cursor, event: DomainEvent, position: int) -> None:
        self.seen.append(("also", position))


class QuieterSpy(Spy):
    def _also(self, cur: Cursor, event: DomainEvent, position: int) -> None:  # no longer a handler
        pass


def test_handlers_are_chosen_by_class_and_a_subclass_can_replace_one() -> None:
    opened = ActivityOpened.model_construct(partnership_id="p")
    finding = FindingRecorded.model_construct(partnership_id="p")
    forum = ForumAdded.model_construct(partnership_id="p")
    spy = Spy()
    spy.apply_batch(None, read_by(spy, [(1, opened), (2, forum), (3, finding)]))  # type: ignore[arg-type]
    assert spy.seen == [("ActivityOpened", 1), ("FindingRecorded", 3), ("also", 3)]
    quieter = QuieterSpy()
    quieter.apply_batch(None, [(3, finding)])  # type: ignore[arg-type]
    assert quieter.seen == [("FindingRecorded", 3)]
    assert read_by(spy, [(2, forum)]) == []
