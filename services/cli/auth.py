"""`lif token create|revoke` and `lif apikey create|revoke`."""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import UTC, datetime
from typing import TextIO

from adapters.settings import Settings
from services.application.auth.principals import Role, make_principal


def configure_token(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    create = sub.add_parser(
        "create",
        help="print a signed bearer token for one role in one partnership",
        description="Print a signed, expiring bearer token (send it as `Authorization: Bearer <token>`). "
        "It is signed with LIF_SECRET_KEY, or the key generated beside the SQLite store.",
    )
    create.add_argument("--role", required=True, choices=[r.value for r in Role])
    scope = create.add_mutually_exclusive_group()
    scope.add_argument("--agency", metavar="ID", help="the agency (required for --role agency)")
    scope.add_argument("--forum", metavar="ID", help="the forum (required for --role secretary)")
    create.add_argument("--partnership", required=True, metavar="ID", help="the one partnership it is for")
    create.add_argument("--subject", metavar="NAME", help="who holds it, e.g. jdoe (recorded on events)")
    create.add_argument("--ttl", default="8h", help="lifetime: 30m, 8h, 7d... (default 8h, at most 366d)")
    revoke = sub.add_parser(
        "revoke",
        help="refuse one token from now on, before it expires",
        description="Revoke one bearer token: given whole (--token), or by the id `lif token create` "
        "printed (with --partnership). Recorded in the audit trail as lif.access.token_revoked.",
    )
    which = revoke.add_mutually_exclusive_group(required=True)
    which.add_argument("--token", metavar="TOKEN", help="the token itself (it may have expired already)")
    which.add_argument("--id", dest="token_id", metavar="TOKEN_ID", help="its id (16 hex digits)")
    revoke.add_argument("--partnership", metavar="ID", help="the token's partnership (required with --id)")
    revoke.add_argument("--reason", help="why (recorded as the event's rationale)")


def run_token(args: argparse.Namespace, settings: Settings, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    from services.application.auth.tokens import MissingSecretKey, issue, parse_ttl, signing_key, token_id

    if args.action == "revoke":
        return _revoke_token(args, settings, err)
    try:
        principal = make_principal(
            args.role, args.partnership, args.subject, agency_id=args.agency, forum_id=args.forum
        )
        ttl = parse_ttl(args.ttl)
        key = signing_key(settings)
    except (ValueError, MissingSecretKey) as e:
        print(f"lif token: {e}", file=err)
        return 2
    token = issue(key, principal, ttl)
    expires = (datetime.now(UTC) + ttl).replace(microsecond=0).isoformat()
    print(
        f"{principal.subject} ({principal.role.value}) in {principal.partnership_id}, expires {expires}, "
        f"token id {token_id(token)}",
        file=err,
    )
    print(token, file=out)
    return 0


def _revoke_token(args: argparse.Namespace, settings: Settings, err: TextIO) -> int:
    from adapters.store import EventStore
    from services.application.auth.revocation import revoke_token

    if args.token_id and not args.partnership:
        print("lif token revoke: --partnership is required with --id", file=err)
        return 2
    store = EventStore.from_settings(settings)
    try:
        revoked = revoke_token(
            store, token=args.token, token_id=args.token_id, partnership_id=args.partnership,
            revoked_by=f"cli:{getpass.getuser()}", reason=args.reason,
        )
    except ValueError as e:
        print(f"lif token revoke: {e}", file=err)
        return 2
    finally:
        store.close()
    if revoked is None:
        print("lif token revoke: that token was already revoked", file=err)
        return 1
    print(f"revoked token {revoked.token_id} {revoked.subject}".rstrip() + f" in {revoked.partnership_id}", file=err)
    return 0


def configure_apikey(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    create = sub.add_parser(
        "create",
        help="print a new API key for an emitting service (shown once; only its hash is stored)",
        description="Create an API key (send it as `X-API-Key`); it acts with the service role in one "
        "partnership, as principal service:NAME. Issuing it is recorded in the audit trail.",
    )
    create.add_argument("--partnership", required=True, metavar="ID")
    create.add_argument("--name", required=True, help="the service, e.g. case-system")
    revoke = sub.add_parser("revoke", help="revoke an API key by its id (the part after lif_)")
    revoke.add_argument("key_id", metavar="KEY_ID")


def run_apikey(args: argparse.Namespace, settings: Settings, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    from adapters.store import EventStore
    from services.application.auth.apikeys import create_api_key, revoke_api_key

    who = f"cli:{getpass.getuser()}"
    store = EventStore.from_settings(settings)
    try:
        if args.action == "revoke":
            if not revoke_api_key(store, args.key_id, revoked_by=who):
                print(f"lif apikey: no active key {args.key_id!r}", file=err)
                return 1
            print(f"revoked {args.key_id}", file=err)
            return 0
        try:
            issued = create_api_key(store, args.partnership, args.name, issued_by=who)
        except ValueError as e:
            print(f"lif apikey: {e}", file=err)
            return 2
        print(f"{issued.principal.subject} in {args.partnership}, key id {issued.key_id} (shown once)", file=err)
        print(issued.key, file=out)
        return 0
    finally:
        store.close()
