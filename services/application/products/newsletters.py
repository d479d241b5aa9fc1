"""The partnership's newsletter: its contents for a period and audience, and the newsletter as a
document (page, PDF, Word) and as the plain text of its mail.

The contents are read from the log as it stood at an instant (products/history.py): now, for a
draft; when its issue was recorded, for an issued newsletter, so what went out is what it shows
for ever after, whatever is recorded or changed since. `newsletter_content` is pure over the
records it is given; `build_newsletter` reads them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field

from adapters.documents import Bullets, Document, Heading, Paragraph, Table
from adapters.store import EventStore
from domain.activity import Activity, FindingCategory
from domain.errors import NotFound
from domain.framework import DEFAULT_SOURCES, Theme
from domain.newsletter import audience_agencies, newsletter_of
from domain.newsletter_state import Audience, Newsletter, NewsletterStatus
from domain.partnership import Partnership, partnership_uuid
from domain.recommendation import Recommendation
from services.application.products.common import agency_name, forum_name, long_date
from services.application.products.history import log_as_at


class NewsletterFinding(BaseModel):
    summary: str
    good_practice: bool
    activity_title: str
    source: str = Field(description="The kind of review or audit, by its title in the framework.")
    recorded_on: date
    also: list[Theme] = Field(default_factory=list, description="Its other themes (it is listed under its first).")


class ThemeSection(BaseModel):
    theme: Theme | None = Field(description="null: findings given no theme.")
    heading: str
    findings: list[NewsletterFinding]


class SignedOff(BaseModel):
    activity_id: UUID
    title: str
    source: str
    forum: str = Field(description="The forum that signed it off, by name.")
    signed_off_on: date


class BriefingItem(BaseModel):
    activity_id: UUID
    title: str
    source: str
    published_on: date
    what_we_learned: str
    what_to_do_now: str


class ReportItem(BaseModel):
    title: str
    kind: str
    published_on: date
    link: str | None = None


class AskedOf(BaseModel):
    """A recommendation of the period addressed to an agency in a sector's audience."""

    text: str
    addressed_to: list[str] = Field(description="The audience's agencies it is addressed to, by name.")
    activity_title: str
    made_on: date
    status: str


class NewsletterContent(BaseModel):
    newsletter_id: UUID
    title: str
    partnership: str
    audience: Audience
    audience_words: str
    agencies: list[str] = Field(description="The audience's agencies, by name (those it was issued to, once issued).")
    period_from: date
    period_to: date
    status: NewsletterStatus
    introduction: str
    approved_by: str | None
    approved_on: date | None
    issued_on: date | None
    as_of: datetime = Field(description="The instant of the log the contents were read at.")
    themes: list[ThemeSection]
    signed_off: list[SignedOff]
    briefings: list[BriefingItem]
    reports: list[ReportItem]
    asked_of_audience: list[AskedOf] = Field(description="For a sector's newsletter: what was asked of its agencies.")

    @property
    def findings(self) -> int:
        return sum(len(s.findings) for s in self.themes)


def _in(period: tuple[date, date], day: date | None) -> bool:
    return day is not None and period[0] <= day <= period[1]


def _theme_heading(theme: Theme | None) -> str:
    return theme.value.replace("_", " ").capitalize() if theme else "Other learning"


def newsletter_content(
    p: Partnership, n: Newsletter, activities: list[Activity], recommendations: list[Recommendation],
    as_of: datetime,
) -> NewsletterContent:
    """What the newsletter holds for its period and audience, from these records."""
    period = (n.period_from, n.period_to)
    by_theme: dict[Theme | None, list[NewsletterFinding]] = {}
    for a in sorted(activities, key=lambda a: (a.opened_on, a.title)):
        source = DEFAULT_SOURCES[a.kind].title
        for f in sorted(a.current_findings, key=lambda f: f.recorded_on):
            if not _in(period, f.recorded_on):
                continue
            item = NewsletterFinding(
                summary=f.summary, good_practice=f.category is FindingCategory.GOOD_PRACTICE,
                activity_title=a.title, source=source, recorded_on=f.recorded_on, also=list(f.themes[1:]),
            )
            # Once, under its first theme: a reader meets each finding once.
            by_theme.setdefault(f.themes[0] if f.themes else None, []).append(item)
    # The themes with most to say first; findings given no theme last.
    themes = [ThemeSection(theme=t, heading=_theme_heading(t), findings=found) for t, found in sorted(
        by_theme.items(), key=lambda kv: (kv[0] is None, -len(kv[1]), kv[0].value if kv[0] else ""))]
    signed = [SignedOff(
        activity_id=a.id, title=a.title, source=DEFAULT_SOURCES[a.kind].title,
        forum=forum_name(p, a.signed_off_by_forum or ""), signed_off_on=a.signed_off_on,
    ) for a in activities if a.signed_off_on is not None and _in(period, a.signed_off_on)]
    briefings = [BriefingItem(
        activity_id=a.id, title=a.title, source=DEFAULT_SOURCES[a.kind].title, published_on=b.published_on,
        what_we_learned=b.what_we_learned, what_to_do_now=b.what_to_do_now,
    ) for a in activities if (b := a.briefing) is not None and b.published_on and _in(period, b.published_on)]
    reports = [ReportItem(
        title=a.title, kind=DEFAULT_SOURCES[a.kind].title, published_on=a.published_on, link=a.publication_url,
    ) for a in activities if a.published_on is not None and _in(period, a.published_on)]
    reports += [ReportItem(
        title=f"The safeguarding partners' yearly report, {long_date(r.period_from)} to {long_date(r.period_to)}",
        kind="Yearly report", published_on=r.published_on,
    ) for r in p.yearly_reports if _in(period, r.published_on)]
    audience = n.agencies if n.status is NewsletterStatus.ISSUED else audience_agencies(p, n.audience)
    asked: list[AskedOf] = []
    if n.audience is not Audience.ALL:
        titles = {a.id: a.title for a in activities}
        for r in sorted(recommendations, key=lambda r: r.made_on):
            ours = [x for x in r.addressed_to if x in audience]
            if ours and _in(period, r.made_on):
                asked.append(AskedOf(
                    text=r.text, addressed_to=[agency_name(p, x) for x in ours],
                    activity_title=titles.get(r.activity_id, "a review or audit"), made_on=r.made_on,
                    status=r.status.value.replace("_", " ").capitalize(),
                ))
    return NewsletterContent(
        newsletter_id=n.newsletter_id, title=n.title, partnership=p.name, audience=n.audience,
        audience_words=n.audience_words, agencies=[agency_name(p, a) for a in audience],
        period_from=n.period_from, period_to=n.period_to, status=n.status, introduction=n.introduction,
        approved_by=n.approved_by, approved_on=n.approved_on, issued_on=n.issued_on, as_of=as_of,
        themes=themes, signed_off=sorted(signed, key=lambda s: (s.signed_off_on, s.title)),
        briefings=sorted(briefings, key=lambda b: (b.published_on, b.title)),
        reports=sorted(reports, key=lambda r: (r.published_on, r.title)), asked_of_audience=asked,
    )


def build_newsletter(store: EventStore, partnership_id: str, newsletter_id: UUID, now: datetime) -> NewsletterContent:
    """The newsletter's contents from the log: as it stood when the issue was recorded, or `now`."""
    current = store.load(partnership_uuid(partnership_id), Partnership)
    if current is None:
        raise NotFound("unknown_partnership", f"No partnership {partnership_id!r}.", "partnership_id")
    n = newsletter_of(current, newsletter_id)
    as_of = n.issued_at if n.status is NewsletterStatus.ISSUED and n.issued_at is not None else now
    log = log_as_at(store, partnership_id, as_of)
    then = log.of(Partnership)
    p = then[0] if then else current
    return newsletter_content(p, newsletter_of(p, newsletter_id), log.of(Activity), log.of(Recommendation), as_of)


# --- as a document -----------------------------------------------------------------------


def _s(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _period(c: NewsletterContent) -> str:
    start, end = c.period_from, c.period_to
    if start.year == end.year:
        first = f"{start.day} {start:%B}" if start.month != end.month else f"{start.day}"
        return f"{first} to {long_date(end)}"
    return f"{long_date(start)} to {long_date(end)}"


def _standing(c: NewsletterContent) -> str:
    if c.status is NewsletterStatus.ISSUED and c.issued_on is not None:
        return f"Issued on {long_date(c.issued_on)} to {', '.join(c.agencies)}."
    if c.status is NewsletterStatus.APPROVED and c.approved_on is not None:
        return f"Approved by {c.approved_by} on {long_date(c.approved_on)}; not yet issued."
    return "DRAFT: not approved, not issued. Its contents are read afresh until it is issued."


def newsletter_document(c: NewsletterContent) -> Document:
    blocks: list[Any] = [Paragraph(_standing(c), "note")]
    if c.introduction.strip():
        blocks.append(Heading("From the editor"))
        blocks += [Paragraph(part.strip(), "lead" if i == 0 else "body")
                   for i, part in enumerate(c.introduction.split("\n\n")) if part.strip()]
    themes = [t.heading.lower() for t in c.themes if t.theme]
    contents = [
        f"What we learned: {_s(c.findings, 'finding')}"
        + (f" on {', '.join(themes)}" if 0 < len(themes) <= 4 else f" on {len(themes)} themes" if themes else ""),
        f"{_s(len(c.signed_off), 'review or audit', 'reviews and audits')} signed off" if c.signed_off else "",
        f"{_s(len(c.briefings), '7-minute briefing')} to share with your team" if c.briefings else "",
        f"{_s(len(c.reports), 'report')} published" if c.reports else "",
        f"What was asked of {c.audience_words}: {_s(len(c.asked_of_audience), 'recommendation')}"
        if c.audience is not Audience.ALL else "",
    ]
    blocks += [Heading("In this issue"), Bullets(tuple(line for line in contents if line))]
    blocks.append(Heading("What we learned"))
    if not c.themes:
        blocks.append(Paragraph("No finding was recorded in this period."))
    for section in c.themes:
        blocks.append(Heading(f"{section.heading} ({_s(len(section.findings), 'finding')})", 2))
        blocks.append(Bullets(tuple(
            f"{'Good practice' if f.good_practice else 'To improve'}: {f.summary} (from {f.activity_title}"
            + (f"; also about {', '.join(_theme_heading(t).lower() for t in f.also)})" if f.also else ")")
            for f in section.findings
        )))
    blocks.append(Heading("Reviews and audits signed off"))
    if c.signed_off:
        blocks.append(Table.of(("Review or audit", "Kind", "Signed off by", "On"), [
            (s.title, s.source, s.forum, long_date(s.signed_off_on)) for s in c.signed_off
        ], widths=(4, 3, 3, 2)))
    else:
        blocks.append(Paragraph("No review or audit was signed off in this period."))
    blocks.append(Heading("7-minute briefings published"))
    if not c.briefings:
        blocks.append(Paragraph("No 7-minute briefing was published in this period."))
    for b in c.briefings:
        blocks += [
            Heading(f"{b.title} ({long_date(b.published_on)})", 2),
            Paragraph(b.what_we_learned), Paragraph(f"What to do now: {b.what_to_do_now}"),
        ]
    blocks.append(Heading("Reports published"))
    if c.reports:
        blocks.append(Bullets(tuple(
            f"{r.title} ({r.kind}), published {long_date(r.published_on)}" + (f": {r.link}" if r.link else "")
            for r in c.reports
        )))
    else:
        blocks.append(Paragraph("No report was published in this period."))
    if c.audience is not Audience.ALL:
        blocks.append(Heading(f"Asked of {c.audience_words}"))
        if c.asked_of_audience:
            blocks.append(Table.of(("Recommendation", "Addressed to", "From", "Where it stands"), [
                (r.text, ", ".join(r.addressed_to), r.activity_title, r.status) for r in c.asked_of_audience
            ], widths=(5, 3, 3, 2)))
        else:
            blocks.append(Paragraph(f"No recommendation was addressed to {c.audience_words} in this period."))
    blocks.append(Paragraph(
        "Share this newsletter with your team and talk through what it means for your practice. "
        f"Each item is in your agency's learning feed on lif, where you record how you cascaded it. "
        f"Questions and comments: the business unit of {c.partnership}.", "note",
    ))
    return Document(
        title=c.title,
        subtitle=f"{c.partnership} · newsletter for {c.audience_words} · {_period(c)}",
        blocks=tuple(blocks),
        running_head=f"{c.partnership} · newsletter · {_period(c)}",
        author=c.partnership,
        metadata={"newsletter_id": str(c.newsletter_id), "status": c.status.value},
    )
