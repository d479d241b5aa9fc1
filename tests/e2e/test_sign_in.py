"""Signing in through a real OpenID Connect provider (deploy/oidc: node's oidc-provider).

lif runs under uvicorn on a free port; one httpx client plays the browser, following each
redirect by hand and posting the provider's own login and consent forms, as a person would.
What the session holds is read from its cookie (Starlette's: base64 JSON, then signature).
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from joserfc import jwt
from joserfc.jwk import KeySet, OctKey, RSAKey

from adapters.settings import Settings
from services.application.auth.oidc import LEEWAY_SECONDS, OpenIdProvider, SignInFailed
from tests.e2e.conftest import PARTNERSHIP, POLICE, Api, client_as, make_settings
from tests.fixtures.oidc import CLIENT_ID, CLIENT_SECRET, PASSWORD


@pytest.fixture
def settings(tmp_path: Path, oidc_issuer: str) -> Settings:
    return make_settings(
        tmp_path, oidc_issuer=oidc_issuer, oidc_client_id=CLIENT_ID, oidc_client_secret=CLIENT_SECRET,
        oidc_partnership=PARTNERSHIP,
    )


@contextmanager
def _served(app: FastAPI) -> Iterator[str]:
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        assert thread.is_alive(), "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join()


@pytest.fixture
def lif(app: FastAPI) -> Iterator[str]:
    """The base URL of lif, with the partnership registered by its admin."""
    with client_as(app) as admin:
        Api(admin).register()
        with _served(app) as base:
            yield base


def _form_action(page: httpx.Response) -> str:
    action = re.search(r'<form[^>]*action="([^"]+)"', page.text)
    assert action, page.text
    return urljoin(str(page.url), action.group(1))


def _through_provider(browser: httpx.Client, response: httpx.Response, username: str) -> httpx.Response:
    """Follows the provider's pages (login, then consent) until it sends the browser back to
    lif's callback; answers that redirect, unfollowed."""
    for _ in range(20):
        if response.is_redirect:
            target = urljoin(str(response.url), response.headers["location"])
            if "/sign-in/callback" in target:
                return httpx.Response(303, headers={"location": target}, request=response.request)
            response = browser.get(target)
        elif 'name="password"' in response.text:
            response = browser.post(_form_action(response), data={"login": username, "password": PASSWORD})
        elif "/confirm" in response.text:
            response = browser.post(_form_action(response))
        else:
            raise AssertionError(f"unexpected provider page {response.status_code}: {response.text[:500]}")
    raise AssertionError("the provider never sent the browser back")


def _to_callback(browser: httpx.Client, lif: str, username: str) -> str:
    start = browser.get(f"{lif}/sign-in/start")
    assert start.status_code == 303 and "code_challenge_method=S256" in start.headers["location"]
    return _through_provider(browser, start, username).headers["location"]


def _session(browser: httpx.Client) -> dict[str, Any]:
    cookie = browser.cookies.get("lif_session")
    if cookie is None:
        return {}
    data = cookie.split(".")[0]
    decoded: dict[str, Any] = json.loads(base64.b64decode(data + "=" * (-len(data) % 4)))
    return decoded


@pytest.mark.parametrize(
    ("username", "person"),
    [
        ("bu-admin", {"role": "admin", "subject": "admin:bu-admin@example.org", "agency_id": None,
                      "forum_id": None, "name": "Business Unit Manager"}),
        ("police-lead", {"role": "agency", "subject": f"agency:{POLICE}:police-lead@example.org",
                         "agency_id": POLICE, "forum_id": None, "name": "Police Safeguarding Lead"}),
        ("exec-secretary", {"role": "secretary", "subject": "secretary:executive:exec-secretary@example.org",
                            "agency_id": None, "forum_id": "executive", "name": "Executive Forum Secretary"}),
        ("scrutineer", {"role": "scrutineer", "subject": "scrutineer:scrutineer@example.org",
                        "agency_id": None, "forum_id": None, "name": "Independent Scrutineer"}),
    ],
)
def test_a_person_signs_in_through_their_organisation_with_the_role_their_claims_give(
    lif: str, username: str, person: dict[str, Any]
) -> None:
    with httpx.Client(timeout=30) as browser:
        page = browser.get(f"{lif}/sign-in")
        assert page.status_code == 200 and "Sign in with your organisation" in page.text
        callback = browser.get(_to_callback(browser, lif, username))
        assert callback.status_code == 303 and callback.headers["location"] == "/"
        set_cookie = callback.headers["set-cookie"].lower()
        assert "httponly" in set_cookie and "samesite=lax" in set_cookie
        assert _session(browser) == {"person": {**person, "partnership_id": PARTNERSHIP}}
        assert f"You are signed in as {person['name']}" in browser.get(f"{lif}/sign-in").text


def test_a_person_whose_claims_give_no_role_is_refused_with_a_page_saying_why(lif: str) -> None:
    with httpx.Client(timeout=30) as browser:
        refused = browser.get(_to_callback(browser, lif, "no-role"))
        assert refused.status_code == 403
        assert 'data-code="no_role"' in refused.text and "has no role in st-helens" in refused.text
        assert "person" not in _session(browser)


def test_an_answer_with_another_state_is_refused_and_the_sign_in_cannot_be_finished_after(lif: str) -> None:
    with httpx.Client(timeout=30) as browser:
        callback = _to_callback(browser, lif, "bu-admin")
        forged = re.sub(r"state=[^&]+", "state=someone-elses-state", callback)
        refused = browser.get(forged)
        assert refused.status_code == 400 and 'data-code="state_mismatch"' in refused.text
        assert "person" not in _session(browser)
        # The sign-in in progress was used up by that answer: the genuine one finds none.
        late = browser.get(callback)
        assert late.status_code == 400 and 'data-code="no_sign_in_started"' in late.text
        assert "person" not in _session(browser)


def test_a_callback_in_a_browser_that_never_started_a_sign_in_is_refused(lif: str) -> None:
    with httpx.Client(timeout=30) as browser:
        callback = _to_callback(browser, lif, "bu-admin")
    with httpx.Client(timeout=30) as other_browser:
        refused = other_browser.get(callback)
        assert refused.status_code == 400 and 'data-code="no_sign_in_started"' in refused.text


def test_sign_out_ends_the_session(lif: str) -> None:
    with httpx.Client(timeout=30) as browser:
        browser.get(_to_callback(browser, lif, "police-lead"))
        assert _session(browser)["person"]["role"] == "agency"
        refused = browser.post(f"{lif}/sign-out")  # a form from elsewhere carries no token
        assert refused.status_code == 403 and _session(browser)["person"]["role"] == "agency"
        token = re.search(r'name="csrf_token" value="([^"]+)"', browser.get(f"{lif}/sign-in").text)
        assert token is not None
        out = browser.post(f"{lif}/sign-out", data={"csrf_token": token.group(1)})
        assert out.status_code == 303 and out.headers["location"] == "/sign-out"
        assert "person" not in _session(browser)
        page = browser.get(f"{lif}/sign-out")
        assert page.status_code == 200 and "You are signed out" in page.text
        assert "You are signed in" not in browser.get(f"{lif}/sign-in").text


# --- the ID token: lif's own check, on tokens the real provider issued --------------------


def _genuine_id_token(oidc_issuer: str) -> tuple[OpenIdProvider, str, str]:
    """A real ID token for bu-admin, redeemed by an `OpenIdProvider` as lif's callback does."""
    rp = OpenIdProvider(oidc_issuer, CLIENT_ID, CLIENT_SECRET)

    async def start() -> tuple[str, Any]:
        return await rp.start("http://127.0.0.1:9/sign-in/callback", PARTNERSHIP)

    url, pending = asyncio.run(start())
    with httpx.Client(timeout=30) as browser:
        back = _through_provider(browser, browser.get(url), "bu-admin").headers["location"]
    query = dict(parse_qsl(urlsplit(back).query))
    id_token = asyncio.run(rp.redeem(pending, query))
    return rp, id_token, pending.nonce


def _refused(rp: OpenIdProvider, token: str, nonce: str, now: int | None = None) -> str:
    with pytest.raises(SignInFailed) as e:
        asyncio.run(rp.verify_id_token(token, nonce=nonce, now=now))
    assert e.value.code == "id_token_invalid"
    return e.value.message


def test_a_forged_altered_or_expired_id_token_is_refused(oidc_issuer: str) -> None:
    rp, token, nonce = _genuine_id_token(oidc_issuer)
    claims = asyncio.run(rp.verify_id_token(token, nonce=nonce))
    assert (claims["sub"], claims["aud"], claims["roles"]) == ("bu-admin", CLIENT_ID, ["lif.admin"])

    assert "expired" in _refused(rp, token, nonce, now=claims["exp"] + LEEWAY_SECONDS + 1)
    assert "nonce" in _refused(rp, token, "another-sign-ins-nonce")

    header, payload, signature = token.split(".")
    raised = base64.urlsafe_b64encode(json.dumps({**claims, "roles": ["lif.scrutineer"]}).encode()).rstrip(b"=")
    _refused(rp, f"{header}.{raised.decode()}.{signature}", nonce)  # altered after signing

    kid = jwt.decode(token, asyncio.run(rp.key_set())).header["kid"]
    impostor = RSAKey.generate_key(2048, parameters={"kid": kid})
    _refused(rp, jwt.encode({"alg": "RS256", "kid": kid}, claims, impostor), nonce)  # same kid, not its key
    stranger = RSAKey.generate_key(2048, parameters={"kid": "unknown-kid"})
    _refused(rp, jwt.encode({"alg": "RS256", "kid": "unknown-kid"}, claims, stranger), nonce)
    # Key confusion: signed with the client secret the provider and lif share.
    shared = OctKey.import_key(CLIENT_SECRET.encode() * 2)
    _refused(rp, jwt.encode({"alg": "HS256"}, claims, shared, algorithms=["HS256"]), nonce)
    unsigned = base64.urlsafe_b64encode(b'{"alg":"none"}').rstrip(b"=").decode()
    _refused(rp, f"{unsigned}.{payload}.", nonce)
    assert isinstance(asyncio.run(rp.key_set()), KeySet)


def test_the_partnerships_own_mapping_decides_the_role_a_sign_in_gives(app: FastAPI, lif: str) -> None:
    """The admin maps the police lead's app role to the scrutineer's, through the API's command."""
    with client_as(app) as admin:
        body = {"roles": {"lif.agency": "scrutineer"}, "rationale": "Police leads scrutinise this year's audits."}
        Api(admin).post("/sign-in-claims", body)
    with httpx.Client(timeout=30) as browser:
        browser.get(_to_callback(browser, lif, "police-lead"))
        assert _session(browser)["person"]["subject"] == "scrutineer:police-lead@example.org"
    with httpx.Client(timeout=30) as browser:  # the old mapping's admin role no longer exists
        refused = browser.get(_to_callback(browser, lif, "bu-admin"))
        assert refused.status_code == 403 and 'data-code="no_role"' in refused.text
