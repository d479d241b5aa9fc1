"""`lif mail send`: the mail sender as its own process (services/application/mail.py).

It follows the log into the mail ledger and sends what is due to the SMTP server of
`LIF_MAIL_*` (adapters/settings.py `MailSettings`), every `interval` seconds until SIGTERM
or SIGINT. Killed at any point, it goes on from the ledger when started again.
"""

from __future__ import annotations

import logging

from adapters.kafka_settings import delivery_db
from adapters.mail import MailStore, SmtpTransport
from adapters.observability import configure_logging, log_start, log_stop, settings_fields, stop_on_signals
from adapters.outbox import Tracking
from adapters.settings import MailSettings, Settings, get_settings
from adapters.store import EventStore
from services.application.mail import MailSender

log = logging.getLogger(__name__)
FOLLOWER = "mail"


def build_sender(settings: Settings, store: EventStore, mail: MailSettings) -> MailSender:
    db = delivery_db(settings)
    return MailSender(store, MailStore(db), Tracking(db, FOLLOWER), SmtpTransport(mail), mail)


def serve(*, once: bool = False, interval: float = 5.0) -> int:
    configure_logging("mail")
    settings, mail = get_settings(), MailSettings()
    log_start("mail", {**settings_fields(**{"": settings, "mail": mail}), "interval": interval})
    store = EventStore.from_settings(settings)
    sender = build_sender(settings, store, mail)
    try:
        if once:
            print(f"mail: sent {sender.run_once()}")
            return 0
        stopper = stop_on_signals()
        while not stopper.event.is_set():
            try:
                sent = sender.run_once()
                if sent:
                    log.info("mail sent", extra={"fields": {"event": "mail_sent", "sent": sent}})
            except Exception:  # logged and tried again: the ledger keeps what is still to send
                log.exception("mail pass failed", extra={"fields": {"event": "mail_failed"}})
            stopper.event.wait(interval)
        log_stop("mail", stopper.signal_name)
        return 0
    finally:
        sender.close()
        store.close()
