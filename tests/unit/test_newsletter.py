"""domain/newsletter.py and its contents (services/application/products/newsletters.py): drafted,
edited, approved, issued to an audience; what it holds for its period; who it goes to."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from adapters.documents.text import render_text
from domain import newsletter as nl
from domain.activity import Activity
from domain.errors import DomainError, InvalidInput, RuleViolation
from domain.framework import PARTNERSHIP_AGENCY, Sector, Theme
from domain.newsletter_state import Audience, NewsletterStatus
from domain.partnership import Partnership
from domain.people import Addressee, mail_reasons
from domain.recommendation import Recommendation
from domain.routing import LEARNING_TOPICS, EventSummary, LearningKind, Subscription, route_reasons
from services.application.products.newsletters import newsletter_content, newsletter_document
from tests.unit import builders as build
from tests.unit.builders import COUNCIL, D0, HOSPITALS, POLICE, ctx

NOW = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)
HEALTH = ("mersey-care-nhs", HOSPITALS, "nhs-cheshire-merseyside-icb")


def drafted(p: Partnership, audience: Audience = Audience.ALL, **period: date) -> tuple[Partnership, UUID]:
    newsletter_id = uuid4()
    p = nl.draft_newsletter(
        p, ctx(), newsletter_id=newsletter_id, title="Spring learning", audience=audience, drafted_on=D0,
        period_from=period.get("period_from", D0 - timedelta(days=30)), period_to=period.get("period_to", D0),
    ).result
    return p, newsletter_id


def test_draft_edit_approve_issue_and_the_issue_is_learning_for_its_audience() -> None:
    p, n_id = drafted(build.partnership(), Audience.HEALTH)
    assert nl.newsletter_of(p, n_id).status is NewsletterStatus.DRAFTED
    refused: pytest.ExceptionInfo[DomainError]
    with pytest.raises(RuleViolation) as refused:
        nl.approve_newsletter(p, ctx(), newsletter_id=n_id, approved_by="Business manager", approved_on=D0)
    assert refused.value.code == "introduction_required"
    p = nl.edit_newsletter(p, ctx(), newsletter_id=n_id, introduction="Welcome to spring.", edited_on=D0).result
    p = nl.approve_newsletter(p, ctx(), newsletter_id=n_id, approved_by="Business manager", approved_on=D0).result
    # Approval is of a text: an edit takes it back to a draft.
    p = nl.edit_newsletter(p, ctx(), newsletter_id=n_id, title="Spring 2025", edited_on=D0).result
    n = nl.newsletter_of(p, n_id)
    assert n.status is NewsletterStatus.DRAFTED and n.approved_by is None and n.title == "Spring 2025"
    with pytest.raises(DomainError) as refused:
        nl.issue_newsletter(p, ctx(), newsletter_id=n_id, issued_on=D0)
    assert refused.value.code == "newsletter_not_approved"
    p = nl.approve_newsletter(p, ctx(), newsletter_id=n_id, approved_by="Business manager", approved_on=D0).result
    change = nl.issue_newsletter(p, ctx(), newsletter_id=n_id, issued_on=D0)
    [issued] = change.events
    assert isinstance(issued, nl.NewsletterIssued)
    assert LEARNING_TOPICS[issued.TOPIC] is LearningKind.NEWSLETTER_ISSUED
    assert issued.agencies == tuple(sorted(HEALTH)) and issued.title == "Spring 2025"
    n = nl.newsletter_of(change.result, n_id)
    assert n.status is NewsletterStatus.ISSUED and n.agencies == issued.agencies and n.issued_at is not None
    with pytest.raises(DomainError) as refused:
        nl.edit_newsletter(change.result, ctx(), newsletter_id=n_id, title="Later", edited_on=D0)
    assert refused.value.code == "newsletter_issued"


def test_the_audience_is_every_agency_or_one_sectors_and_never_the_business_unit() -> None:
    p = build.partnership()
    everyone = nl.audience_agencies(p, Audience.ALL)
    assert POLICE in everyone and COUNCIL in everyone and PARTNERSHIP_AGENCY not in everyone
    assert nl.audience_agencies(p, Audience.POLICE) == (POLICE,)
    assert nl.audience_agencies(p, Audience.HEALTH) == tuple(sorted(HEALTH))
    # Every sector an agency may have (but the partnership's own) is an audience.
    assert {s.value for s in Sector} - {Sector.PARTNERSHIP.value} <= {a.value for a in Audience}
    with pytest.raises(RuleViolation) as refused:
        drafted(p, Audience.OTHER)
    assert refused.value.code == "audience_empty" and refused.value.field == "audience"


def test_a_newsletter_goes_to_its_audience_whatever_they_subscribed_to() -> None:
    summary = EventSummary(kind=LearningKind.NEWSLETTER_ISSUED, addressed_to=(POLICE, PARTNERSHIP_AGENCY))
    subscriptions = {COUNCIL: Subscription(agency_id=COUNCIL, everything=True)}
    assert route_reasons(summary, {}, subscriptions) == {POLICE: "audience"}


def test_its_people_are_mailed_those_of_its_agencies_only() -> None:
    p, n_id = drafted(build.partnership(), Audience.POLICE)
    p = nl.edit_newsletter(p, ctx(), newsletter_id=n_id, introduction="Hello.", edited_on=D0).result
    p = nl.approve_newsletter(p, ctx(), newsletter_id=n_id, approved_by="BM", approved_on=D0).result
    [issued] = nl.issue_newsletter(p, ctx(), newsletter_id=n_id, issued_on=D0).events
    police, council, chair = uuid4(), uuid4(), uuid4()
    reasons = mail_reasons(issued, [
        Addressee(person_id=police, agency_id=POLICE, forum_ids=()),
        Addressee(person_id=council, agency_id=COUNCIL, forum_ids=()),
        Addressee(person_id=chair, agency_id=None, forum_ids=("executive",)),
    ])
    assert list(reasons) == [police]
    assert "in this newsletter's audience (police agencies)" in reasons[police]


def test_dates_and_text_are_checked() -> None:
    p = build.partnership()
    refused: pytest.ExceptionInfo[DomainError]
    with pytest.raises(InvalidInput) as refused:
        drafted(p, period_from=D0, period_to=D0 - timedelta(days=1))
    assert refused.value.field == "period_to"
    with pytest.raises(InvalidInput):
        drafted(p, period_from=D0 - timedelta(days=400), period_to=D0)
    p, n_id = drafted(p)
    with pytest.raises(InvalidInput) as refused:
        nl.edit_newsletter(p, ctx(), newsletter_id=n_id, introduction="x" * 3001, edited_on=D0)
    assert refused.value.code == "introduction_too_long"
    with pytest.raises(DomainError) as refused:
        nl.edit_newsletter(p, ctx(), newsletter_id=n_id, title="Spring learning", edited_on=D0)
    assert refused.value.code == "nothing_changed"
    p = nl.edit_newsletter(p, ctx(), newsletter_id=n_id, introduction="Hi.", edited_on=D0).result
    p = nl.approve_newsletter(p, ctx(), newsletter_id=n_id, approved_by="BM", approved_on=D0).result
    with pytest.raises(RuleViolation) as refused:
        nl.issue_newsletter(p, ctx(), newsletter_id=n_id, issued_on=D0 - timedelta(days=1))
    assert refused.value.code == "date_out_of_order"
    with pytest.raises(DomainError) as refused:
        nl.issue_newsletter(p, ctx(), newsletter_id=uuid4(), issued_on=D0)
    assert refused.value.code == "unknown_newsletter"


# --- the contents ------------------------------------------------------------------------


def _world() -> tuple[Partnership, list[Activity], list[Recommendation]]:
    p = build.partnership()
    signed = build.signed_off(p)  # one finding on information sharing, recorded on D0, signed off D0
    published = build.published(p)
    old = build.signed_off(p)
    old = old.model_copy(update={
        "findings": {k: f.model_copy(update={"recorded_on": D0 - timedelta(days=90)}) for k, f in old.findings.items()},
        "signed_off_on": D0 - timedelta(days=90), "title": "Last year's audit",
    })
    to_police = build.recommend(signed, p)
    to_council = build.recommend(signed, p, addressed_to=(COUNCIL,))
    return p, [signed, published, old], [to_police, to_council]


def test_the_contents_are_what_was_learned_signed_off_and_published_in_the_period() -> None:
    p, activities, recommendations = _world()
    p, n_id = drafted(p)
    c = newsletter_content(p, nl.newsletter_of(p, n_id), activities, recommendations, NOW)
    [section] = c.themes
    assert section.theme is Theme.INFORMATION_SHARING
    # The two activities of the period; last year's audit is outside it.
    assert {f.activity_title for f in section.findings} == {activities[0].title, activities[1].title}
    assert "Last year's audit" not in {s.title for s in c.signed_off} and len(c.signed_off) == 2
    assert [r.link for r in c.reports] == ["https://example.org/r"]
    assert c.asked_of_audience == []  # for all agencies: nothing singled out
    text = render_text(newsletter_document(c))
    assert "What we learned: 2 findings on information sharing" in text and "Information sharing (2 findings)" in text
    assert "DRAFT" in text and "No 7-minute briefing was published in this period." in text


def test_a_sectors_newsletter_says_what_was_asked_of_its_agencies_alone() -> None:
    p, activities, recommendations = _world()
    p, n_id = drafted(p, Audience.POLICE)
    c = newsletter_content(p, nl.newsletter_of(p, n_id), activities, recommendations, NOW)
    assert [r.addressed_to for r in c.asked_of_audience] == [["Merseyside Police"]]
    assert c.agencies == ["Merseyside Police"]
    text = render_text(newsletter_document(c))
    assert "Asked of police agencies" in text and "Audit follow-up of referrals." in text
