"""The one link in every mail: opening it changes nothing; its button, with the page's form token, stops
the person's mail (recorded as MailStopped); a link no one holds is a 404 page."""

from __future__ import annotations

import re

from fastapi import FastAPI

from adapters.kafka_settings import delivery_db
from adapters.mail import MailStore
from domain import commands as cmd
from domain.aggregate import Context
from services.application.mail import People
from tests.e2e.conftest import PARTNERSHIP, POLICE, TestClient

HTML = {"Accept": "text/html"}


def test_the_stop_link_asks_then_its_button_stops_the_mail(app: FastAPI) -> None:
    ctx = Context(partnership_id=PARTNERSHIP, principal="admin:jo")
    app.state.service.execute(ctx, cmd.RegisterPartnership(partnership_id=PARTNERSHIP, display_name="St Helens"))
    mail = MailStore(delivery_db(app.state.settings))
    people = People(app.state.store, mail)
    person = people.add(ctx, name="Pat Lead", email="lead@police.example", agency_id=POLICE)
    contact = mail.contact(person.id)
    assert contact is not None
    with TestClient(app, headers=HTML) as browser:
        page = browser.get(f"/mail/stop/{contact.stop_token}")
        assert page.status_code == 200 and "Stop all e-mails to me" in page.text
        assert not people.get(PARTNERSHIP, person.id).stopped  # opening the link changes nothing
        assert browser.post(f"/mail/stop/{contact.stop_token}").status_code == 403  # no form token
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token is not None
        done = browser.post(f"/mail/stop/{contact.stop_token}", data={"csrf_token": token.group(1)})
        assert done.status_code == 200 and "You will get no more e-mails" in done.text
        assert people.get(PARTNERSHIP, person.id).stopped
        assert [e.TOPIC for e in app.state.store.events_of(person.id)][-1] == "lif.person.mail_stopped"
        assert browser.get("/mail/stop/not-a-token").status_code == 404
    mail.close()
