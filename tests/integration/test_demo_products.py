"""The learning products of the demo partnership: a briefing of its signed-off practice review,
a thematic dossier, a forum's calendar and the yearly report, each opened with a reader
nobody here wrote (pypdf, python-docx, icalendar). LIF_SCREENSHOTS=<dir> also writes each
product's first page there as PNG (needs poppler's pdftoppm), for the README."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import warnings
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import docx
import pypdf
import pytest
from fastapi import FastAPI
from icalendar import Calendar

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from adapters.settings import Settings
from domain.activity import Activity
from domain.framework import BOARD, SourceKind
from services.api.app import create_app
from services.seeds import demo

P = "/v1/partnerships/st-helens"
TODAY = date.today()


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FastAPI, TestClient]]:
    path = tmp_path_factory.mktemp("demo") / "lif.sqlite"
    app = create_app(Settings(persistence="sqlite", sqlite_path=str(path)))
    with TestClient(app) as anonymous:
        demo.load_demo_if_empty(app)
        client = TestClient(app, headers=demo.admin_headers(app))
        yield app, client
        anonymous.close()


def _ok(r: Any) -> Any:
    assert r.status_code in (200, 201), r.text
    return r


def _picture(name: str, pdf: bytes) -> None:
    """The first page as a PNG in $LIF_SCREENSHOTS, when asked for (a picture for the README)."""
    where = os.environ.get("LIF_SCREENSHOTS")
    if not where or shutil.which("pdftoppm") is None:
        return
    source = Path(where) / f"{name}.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", str(source),
                    str(Path(where) / f"{name}-page1")], check=True)
    source.unlink()


def _caught_up(app: FastAPI) -> dict[str, int]:
    """Read the views once they hold everything recorded so far."""
    return {"min_position": app.state.store.recorder.max_notification_id()}


def _text(pdf: bytes) -> tuple[int, str]:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return len(reader.pages), " ".join(" ".join(p.extract_text() for p in reader.pages).split())


def test_the_demo_practice_review_gets_a_two_page_briefing(loaded: tuple[FastAPI, TestClient]) -> None:
    app, client = loaded
    store = app.state.store
    opened = [n for n in store.recorder.select_notifications(start=1, limit=100_000)
              if n.topic == "lif.activity.opened"]
    activities = [store.load(UUID(str(n.originator_id)), Activity) for n in opened]
    review = next(str(a.id) for a in activities if a and a.kind is SourceKind.SAFEGUARDING_PRACTICE_REVIEW)
    proposal = _ok(client.get(f"{P}/activities/{review}/briefing/draft", params=_caught_up(app))).json()
    _ok(client.post(f"{P}/activities/{review}/briefing", json={**proposal, "drafted_on": TODAY.isoformat()}))
    _ok(client.post(f"{P}/activities/{review}/briefing/approval",
                    json={"approved_by": "Partnership business manager", "approved_on": TODAY.isoformat()}))
    published = _ok(client.post(f"{P}/activities/{review}/briefing/publication",
                                json={"published_on": TODAY.isoformat()})).json()
    assert published["briefing"]["status"] == "published"
    pdf = _ok(client.get(f"{P}/activities/{review}/briefing.pdf")).content
    pages, text = _text(pdf)
    assert pages <= 2 and "What we found" in text and "Questions for reflection" in text
    _picture("briefing", pdf)
    word = docx.Document(io.BytesIO(_ok(client.get(f"{P}/activities/{review}/briefing.docx")).content))
    assert any(p.text == "What to do now" for p in word.paragraphs)


def test_the_demo_neglect_dossier_holds_the_findings_of_several_sources(loaded: tuple[FastAPI, TestClient]) -> None:
    app, client = loaded
    d = _ok(client.get(f"{P}/dossier", params={"theme": "neglect", **_caught_up(app)})).json()
    assert d["sources"] >= 2 and d["findings"]
    pdf = _ok(client.get(f"{P}/dossier.pdf", params={"theme": "neglect"})).content
    _, text = _text(pdf)
    assert "Thematic dossier: Neglect" in text and d["findings"][0]["summary"][:40] in text
    _picture("dossier", pdf)


def test_the_demo_boards_calendar_lists_its_meetings(loaded: tuple[FastAPI, TestClient]) -> None:
    _, client = loaded
    calendar = Calendar.from_ical(_ok(client.get(f"{P}/forums/{BOARD}/meetings.ics")).content)
    days = [e.decoded("dtstart") for e in calendar.walk("VEVENT")]
    assert any(d < TODAY for d in days) and any(d > TODAY for d in days)


def test_the_demo_yearly_report_opens_in_word_and_reads_like_one(loaded: tuple[FastAPI, TestClient]) -> None:
    _, client = loaded
    params = {"from": (TODAY - timedelta(days=364)).isoformat(), "to": TODAY.isoformat()}
    seal = _ok(client.get(f"{P}/yearly-report", params=params)).json()
    assert seal["activities_opened"] >= 4 and seal["findings"] >= 4 and seal["anchor"]
    word = docx.Document(io.BytesIO(_ok(client.get(f"{P}/yearly-report.docx", params=params)).content))
    headings = [p.text for p in word.paragraphs if p.style is not None and p.style.name == "Heading 1"]
    assert headings[0] == "1. What the safeguarding partners did" and headings[-1] == "About these figures"
    text = "\n".join(p.text for p in word.paragraphs)
    assert f"opened {seal['activities_opened']} reviews and audits" in text and seal["anchor"] in text
    assert "No evaluation of the impact of training" not in text  # the demo evaluates its training
    pdf = _ok(client.get(f"{P}/yearly-report.pdf", params=params)).content
    _picture("yearly-report", pdf)
