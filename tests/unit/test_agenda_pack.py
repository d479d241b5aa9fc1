"""The agenda pack built from an agenda and what is known of the meeting (no database)."""

from __future__ import annotations

import io
import re
from datetime import date, time

import docx
from pypdf import PdfReader

from adapters.documents import Cell, Paragraph, Table
from adapters.documents.pdf import render_pdf
from adapters.documents.word import render_docx
from domain.aggregate import Context
from domain.data_protection import set_protective_marking
from domain.errors import RuleViolation
from domain.framework import DEFAULT_AGENCIES
from domain.partnership import Partnership, register_partnership
from projections.acknowledgements import AcknowledgementItem
from services.application.products.agenda_pack import AgendaPack, PackAction, PackMeeting, PackPerson, build_pack
from services.application.products.agenda_pack_document import pack_document
from tests.unit.test_agenda_render import action, activity, agenda_of, facts, finding

POLICE = "merseyside-police"
COUNCIL = "st-helens-council"


def partnership(marking: str | None = None) -> Partnership:
    ctx = Context(partnership_id="st-helens", principal="test")
    p = register_partnership(ctx, display_name="St Helens Safeguarding Children Partnership").result
    if marking is not None:
        p = set_protective_marking(p, ctx, marking=marking).result  # type: ignore[arg-type]
    return p


def busy_agenda() -> object:
    a = activity(title="Neglect audit", status="signed_off", signed_off_on=date(2025, 4, 1))
    f = finding(a)
    late = action(a, "Deliver neglect toolkit training", date(2025, 5, 20))
    soon = action(a, "Refresh the chronology guidance", date(2025, 6, 10))
    done = action(a, "Audit ten case files", date(2025, 5, 1), status="completed", completed_on=date(2025, 4, 28))
    return agenda_of(facts(activities=[a], findings=[f], actions=[late, soon, done]))


def texts(pack: AgendaPack) -> str:
    out = []
    for item in pack.items:
        out.append(item.title)
        for block in item.paper:
            if isinstance(block, Paragraph):
                out.append(block.text)
            elif isinstance(block, Table):
                out += [c.text for row in block.rows for c in row]
    return "\n".join(out)


def test_a_pack_with_nothing_known_of_the_meeting_still_reads_as_a_pack() -> None:
    pack = build_pack(agenda_of(facts()), None, partnership())
    titles = [i.title for i in pack.items]
    assert titles == [
        "Welcome, introductions and apologies", "Declarations of interest",
        "Minutes of the last meeting and matters arising", "Action log", "Any other business", "Date of next meeting",
    ]
    assert (pack.venue, pack.time, pack.chair) == ("To be confirmed",) * 3
    assert pack.next_meeting == "Wednesday 3 September 2025"
    text = texts(pack)
    assert "None declared in advance" in text and "None notified in advance." in text
    assert "The minutes of the meeting on 5 March 2025, for approval as a true record." in text
    assert "No open action to review." in text


def test_empty_sections_collapse_to_one_line() -> None:
    pack = build_pack(agenda_of(facts()), None, partnership())
    assert pack.nothing_this_time == (
        "Recommendations awaiting decision", "Reports for sign-off", "Learning to disseminate",
        "Statutory deadlines", "Themes in the last 12 months",
    )
    doc = pack_document(pack)
    lines = [b.text for b in doc.blocks if isinstance(b, Paragraph) and b.text.startswith("Nothing this time")]
    assert lines == ["Nothing this time under: Recommendations awaiting decision; Reports for sign-off; "
                     "Learning to disseminate; Statutory deadlines; Themes in the last 12 months."]
    assert "Nothing this time" not in texts(pack)


def test_actions_have_owner_names_due_dates_days_overdue_and_rag_in_words_and_colour() -> None:
    pack = build_pack(busy_agenda(), PackMeeting(actions=(
        PackAction(description="Write to the Panel", owner=COUNCIL, due_on=date(2025, 9, 1)),
    )), partnership())
    rows = {r.description: r for r in pack.actions}
    council = partnership().agencies[COUNCIL].name
    assert (rows["Write to the Panel"].owner, rows["Write to the Panel"].rag) == (council, "green")
    assert rows["Write to the Panel"].rag_words == "Green: on track"
    late = rows["Deliver neglect toolkit training"]
    assert (late.owner, late.days_overdue, late.rag, late.rag_words) == (
        "Merseyside Police", 15, "red", "Red: overdue by 15 days")
    soon = rows["Refresh the chronology guidance"]
    assert (soon.rag, soon.rag_words) == ("amber", "Amber: due within 14 days")
    assert rows["Audit ten case files"].rag == "blue"
    assert [r.rag for r in pack.actions] == ["red", "amber", "green", "blue"]  # worst first
    [log] = [i for i in pack.items if i.title == "Action log"]
    [table] = [b for b in log.paper if isinstance(b, Table)]
    assert table.header == ("Action", "Owner", "Due", "Days overdue", "RAG", "Latest")
    red = next(row for row in table.rows if row[0].text.startswith("Deliver neglect"))
    assert red[1:5] == (
        Cell("Merseyside Police"), Cell("20 May 2025"), Cell("15"), Cell("Red: overdue by 15 days", "red"),
    )


def test_agencies_are_named_never_by_their_ids() -> None:
    a = activity(title="Neglect audit", status="signed_off", signed_off_on=date(2025, 4, 1))
    agenda = agenda_of(facts(activities=[a], findings=[finding(a)]))
    [item] = agenda.learning_to_disseminate
    item.acknowledged_by = [AcknowledgementItem(agency_id=POLICE, acknowledged_on=date(2025, 4, 3),
                                                cascaded_by=["team_briefing"], notes=None)]
    item.not_yet_acknowledged = [COUNCIL]
    meeting = PackMeeting(apologies=(PackPerson(name="A. Lead", agency=COUNCIL),), actions=(
        PackAction(description="Report back", owner=COUNCIL, due_on=date(2025, 5, 1)),))
    pack = build_pack(agenda, meeting, partnership())
    text = texts(pack) + pack.apologies + "".join(r.owner for r in pack.actions)
    council = partnership().agencies[COUNCIL].name
    assert "Acknowledged by Merseyside Police; awaited from " + council in text
    assert f"A. Lead ({council})" in pack.apologies
    for agency in DEFAULT_AGENCIES:
        assert agency.agency_id not in text
    assert "thematic_audit" not in text and "Neglect audit (" in text


def test_the_marking_is_the_partnerships_and_changing_it_is_an_event() -> None:
    assert build_pack(agenda_of(facts()), None, partnership()).marking == "OFFICIAL-SENSITIVE"
    p = partnership("OFFICIAL")
    assert p.protective_marking == "OFFICIAL"
    pack = build_pack(agenda_of(facts()), None, p)
    assert pack_document(pack).marking == "OFFICIAL"
    try:
        set_protective_marking(p, Context(partnership_id="st-helens", principal="t"), marking="OFFICIAL")
    except RuleViolation as e:
        assert (e.code, e.field) == ("protective_marking_unchanged", "marking")
    else:
        raise AssertionError("an unchanged marking is refused")


def test_items_are_timed_from_the_start_and_planned_items_keep_their_presenter() -> None:
    meeting = PackMeeting(starts_at=time(10, 0), ends_at=time(12, 0), chair="Jo Bloggs", venue="Town Hall",
                          plans={"learning": {"presenter": "Business unit manager", "minutes": 25}})  # type: ignore[dict-item]
    pack = build_pack(busy_agenda(), meeting, partnership())
    starts = [(i.title, i.starts_at) for i in pack.items]
    assert starts[:4] == [
        ("Welcome, introductions and apologies", time(10, 0)), ("Declarations of interest", time(10, 5)),
        ("Minutes of the last meeting and matters arising", time(10, 10)), ("Action log", time(10, 20)),
    ]
    learning = next(i for i in pack.items if i.title == "Learning to disseminate")
    assert (learning.presenter, learning.minutes, learning.purpose) == ("Business unit manager", 25, "For information")
    assert pack.items[0].presenter == "Jo Bloggs" and pack.time == "10:00 to 12:00"


def test_the_pack_reads_back_from_pdf_and_word_with_marking_date_and_page_numbers() -> None:
    doc = pack_document(build_pack(busy_agenda(), None, partnership("OFFICIAL-SENSITIVE PERSONAL")))
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(render_pdf(doc))).pages]
    for n, page in enumerate(pages, start=1):
        assert page.count("OFFICIAL-SENSITIVE PERSONAL") == 2 and f"Page {n} of {len(pages)}" in page
        assert "Wednesday 4 June 2025" in page
    whole = " ".join(" ".join(pages).split())
    assert "Red: overdue by 15 days" in whole and "Merseyside Police" in whole
    assert not re.search(r"\b[0-9a-f]{8}-[0-9a-f]{4}-", whole) and "position" not in whole
    word = docx.Document(io.BytesIO(render_docx(doc)))
    header = "\n".join(p.text for p in word.sections[0].header.paragraphs)
    assert "OFFICIAL-SENSITIVE PERSONAL" in header and "Wednesday 4 June 2025" in header
    assert any("Red: overdue by 15 days" in c.text for t in word.tables for c in t._cells)
