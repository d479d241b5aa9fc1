"""An issued newsletter reaches each person of its audience's agencies once, by mail over SMTP to a
real local server (aiosmtpd): as its own mail whatever digest they chose, saying why, with the
one link that stops it; a restarted sender sends nothing again. On SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from uuid import uuid4

import pytest

from adapters.settings import Settings
from domain import commands as cmd
from domain.framework import ARLF
from tests.fixtures.smtp import SmtpServer
from tests.integration.clock_world import World
from tests.integration.test_mail import Post, admin, body, stop_links
from tests.integration.view_scenario import COUNCIL, POLICE

PAT, ROBIN, SAM, ALEX = "pat@police.example", "robin@police.example", "sam@council.example", "alex@arlf.example"


@pytest.fixture
def post(settings: Settings, smtp_server: SmtpServer) -> Iterator[Post]:
    world = World(settings)
    p = Post(world, smtp_server)
    yield p
    p.close()
    world.close()


def issue(post: Post, audience: str) -> None:
    run, newsletter_id = post.world.scenario.run, uuid4()
    run(cmd.DraftNewsletter(newsletter_id=newsletter_id, title="Spring learning 2025", audience=audience,
                            period_from=date(2025, 3, 1), period_to=date(2025, 3, 31), drafted_on=date(2025, 4, 1)))
    run(cmd.EditNewsletter(newsletter_id=newsletter_id, introduction="Core groups, and what neglect looks like.",
                           edited_on=date(2025, 4, 1)))
    run(cmd.ApproveNewsletter(newsletter_id=newsletter_id, approved_by="Business manager",
                              approved_on=date(2025, 4, 2)))
    run(cmd.IssueNewsletter(newsletter_id=newsletter_id, issued_on=date(2025, 4, 3)))


def test_the_issued_newsletter_reaches_each_addressee_of_its_audience_once(post: Post) -> None:
    post.people.add(admin(), name="Pat Lead", email=PAT, agency_id=POLICE)
    post.people.add(admin(), name="Robin Officer", email=ROBIN, agency_id=POLICE, digest="weekly")
    post.people.add(admin(), name="Sam Lead", email=SAM, agency_id=COUNCIL)
    post.people.add(admin(), name="Alex Chair", email=ALEX, forum_ids=(ARLF,))
    issue(post, "police")
    sender = post.sender()
    assert sender.run_once() == 2
    for address in (PAT, ROBIN):
        # A newsletter is its own mail at once, also for a reader of weekly digests.
        (mail,) = post.server.box.to(address)
        # The subject holds no free text (a redaction could not reach a mail's subject in the ledger);
        # the title is in the body, read from the log as the mail is composed.
        assert mail["Subject"] == "Newsletter: St Helens Safeguarding Children Partnership, issued 3 April 2025"
        text = body(mail)
        assert "Spring learning 2025" in text
        assert "Core groups, and what neglect looks like." in text
        assert "Core groups lapsed for six weeks." in text  # the audit's finding of March
        assert "Asked of police agencies" in text and "Hold core groups every month." in text
        assert f"you are a contact of {POLICE}, which is in this newsletter's audience (police agencies)" in text
        (link,) = stop_links(mail)
        assert str(mail["List-Unsubscribe"]).strip() == f"<{link}>"
    assert post.server.box.to(SAM) == [] and post.server.box.to(ALEX) == []

    # Again, and from a restarted sender: nothing more.
    assert sender.run_once() == 0 and post.sender().run_once() == 0
    assert len(post.server.box.received) == 2


def test_a_newsletter_for_all_agencies_reaches_every_agencys_people_and_not_forum_members(post: Post) -> None:
    post.people.add(admin(), name="Pat Lead", email=PAT, agency_id=POLICE)
    post.people.add(admin(), name="Sam Lead", email=SAM, agency_id=COUNCIL)
    post.people.add(admin(), name="Alex Chair", email=ALEX, forum_ids=(ARLF,))
    issue(post, "all")
    assert post.sender().run_once() == 2
    assert [len(post.server.box.to(a)) for a in (PAT, SAM, ALEX)] == [1, 1, 0]
    assert "Asked of" not in body(post.server.box.to(SAM)[0])
