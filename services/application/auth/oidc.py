"""Signing in through a person's organisation: OpenID Connect, authorization code with PKCE.

Any standard provider (Microsoft Entra ID in production) by its discovery document. The
flow and the token request are authlib's (its httpx client: PKCE S256, client_secret_basic);
the ID token is checked with joserfc (which authlib is built on) against the provider's keys:
signature by an asymmetric algorithm the provider announces, `iss` the configured issuer,
`aud` our client id (and `azp` when there are several), `exp`, `iat`, `sub`, and the `nonce`
this sign-in sent. `state` ties the provider's answer to the browser that asked
(compared in constant time) and is used once. A key the cached key set lacks (rotation) makes
one fresh fetch of it.
"""

from __future__ import annotations

import hmac
import secrets
import time
import warnings
from dataclasses import asdict, dataclass
from typing import Any

import authlib.deprecate  # noqa: F401  (its import puts an "always" filter first; ours goes after)
import httpx
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

from adapters.settings import Settings

with warnings.catch_warnings():
    # authlib announces, at import, a move to another httpx package; on stderr it would break
    # the processes' JSON log lines. The client used here is unaffected.
    warnings.filterwarnings("ignore", message="The httpx module is deprecated")
    from authlib.integrations.httpx_client import AsyncOAuth2Client

ASYMMETRIC = ("RS256", "PS256", "ES256", "RS384", "PS384", "ES384", "RS512", "PS512", "ES512", "EdDSA")
"""ID-token algorithms accepted: never `none`, never a shared secret's HS* (key confusion)."""
LEEWAY_SECONDS = 60
"""Clock difference tolerated between the provider and us."""
PENDING_TTL_SECONDS = 600
"""A sign-in not finished within ten minutes starts again."""


class SignInFailed(Exception):
    """The provider's answer cannot sign anyone in; `code` says why, `message` in words."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class PendingSignIn:
    """What the browser's session keeps between leaving for the provider and coming back."""

    state: str
    nonce: str
    code_verifier: str
    redirect_uri: str
    partnership_id: str
    started_at: float

    def as_session(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_session(cls, value: object) -> PendingSignIn | None:
        try:
            return cls(**value) if isinstance(value, dict) else None
        except TypeError:
            return None


class OpenIdProvider:
    def __init__(
        self, issuer: str, client_id: str, client_secret: str, scopes: str = "openid profile email",
        *, timeout: float = 10.0,
    ) -> None:
        self.issuer = issuer.rstrip("/")
        self.client_id = client_id
        self._secret = client_secret
        self.scopes = scopes
        self._timeout = timeout
        self._metadata: dict[str, Any] | None = None
        self._keys: KeySet | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> OpenIdProvider | None:
        if not (settings.oidc_issuer and settings.oidc_client_id and settings.oidc_client_secret):
            return None
        return cls(
            settings.oidc_issuer, settings.oidc_client_id, settings.oidc_client_secret.get_secret_value(),
            settings.oidc_scopes,
        )

    def _client(self, **kw: Any) -> AsyncOAuth2Client:
        return AsyncOAuth2Client(
            self.client_id, self._secret, scope=self.scopes, code_challenge_method="S256",
            token_endpoint_auth_method="client_secret_basic", timeout=self._timeout, **kw,
        )

    async def metadata(self) -> dict[str, Any]:
        if self._metadata is None:
            url = f"{self.issuer}/.well-known/openid-configuration"
            document = await self._get_json(url, "discovery")
            # The document must be the issuer's own (OpenID Connect Discovery 4.3).
            if str(document.get("issuer", "")).rstrip("/") != self.issuer:
                raise SignInFailed("provider_unavailable", f"{url} names another issuer ({document.get('issuer')!r}).")
            self._metadata = document
        return self._metadata

    async def _get_json(self, url: str, what: str) -> dict[str, Any]:
        try:
            async with httpx.AsyncClient(timeout=self._timeout) as http:
                response = await http.get(url)
                response.raise_for_status()
                body = response.json()
        except (httpx.HTTPError, ValueError) as e:
            raise SignInFailed("provider_unavailable", f"The sign-in provider's {what} could not be read: {e}") from e
        if not isinstance(body, dict):
            raise SignInFailed("provider_unavailable", f"The sign-in provider's {what} is not a JSON object.")
        return body

    async def key_set(self, *, fresh: bool = False) -> KeySet:
        if self._keys is None or fresh:
            document = await self._get_json(str((await self.metadata())["jwks_uri"]), "keys")
            self._keys = KeySet.import_key_set(document)  # type: ignore[arg-type]
        return self._keys

    async def start(self, redirect_uri: str, partnership_id: str) -> tuple[str, PendingSignIn]:
        """The provider's authorization URL to send the browser to, and what to keep until it returns."""
        metadata = await self.metadata()
        pending = PendingSignIn(
            state=secrets.token_urlsafe(32), nonce=secrets.token_urlsafe(32),
            code_verifier=secrets.token_urlsafe(64), redirect_uri=redirect_uri, partnership_id=partnership_id,
            started_at=time.time(),
        )
        async with self._client(redirect_uri=redirect_uri) as client:
            url, _ = client.create_authorization_url(
                metadata["authorization_endpoint"], state=pending.state, nonce=pending.nonce,
                code_verifier=pending.code_verifier,
            )
        return str(url), pending

    async def finish(self, pending: PendingSignIn | None, query: dict[str, str]) -> dict[str, Any]:
        """The claims of the person the provider signed in, from its redirect back to us."""
        id_token = await self.redeem(pending, query)
        assert pending is not None
        return await self.verify_id_token(id_token, nonce=pending.nonce)

    async def redeem(self, pending: PendingSignIn | None, query: dict[str, str]) -> str:
        """The ID token for the provider's answer, once the answer is this browser's (state)
        and the provider accepts the code with this sign-in's PKCE verifier; unchecked yet."""
        if pending is None or time.time() - pending.started_at > PENDING_TTL_SECONDS:
            raise SignInFailed("no_sign_in_started", "This browser has no sign-in in progress (or it took too long).")
        if not hmac.compare_digest(query.get("state", ""), pending.state):
            raise SignInFailed("state_mismatch", "The provider's answer is not for this browser's sign-in (state).")
        if "error" in query:
            said = query.get("error_description") or query["error"]
            raise SignInFailed("provider_refused", f"The provider did not sign you in: {said}.")
        metadata = await self.metadata()
        # RFC 9207: an answer naming another issuer came through a mix-up, not from ours.
        if "iss" in query and query["iss"].rstrip("/") != self.issuer:
            raise SignInFailed("issuer_mismatch", "The answer names another provider (iss).")
        if not query.get("code"):
            raise SignInFailed("code_missing", "The provider's answer carries no authorization code.")
        try:
            async with self._client(redirect_uri=pending.redirect_uri) as client:
                token = await client.fetch_token(
                    metadata["token_endpoint"], grant_type="authorization_code", code=query["code"],
                    code_verifier=pending.code_verifier,
                )
        except Exception as e:  # authlib's OAuthError and httpx's errors alike: the provider said no
            raise SignInFailed("token_refused", f"The provider refused to complete the sign-in: {e}") from e
        id_token = token.get("id_token")
        if not isinstance(id_token, str):
            raise SignInFailed("id_token_missing", "The provider's answer carries no ID token.")
        return id_token

    async def verify_id_token(self, id_token: str, *, nonce: str, now: int | None = None) -> dict[str, Any]:
        """The ID token's claims, once its signature and claims are checked (module docstring)."""
        metadata = await self.metadata()
        announced = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
        algorithms = [a for a in announced if a in ASYMMETRIC]
        try:
            try:
                token = jwt.decode(id_token, await self.key_set(), algorithms=algorithms)
            except InvalidKeyIdError:
                token = jwt.decode(id_token, await self.key_set(fresh=True), algorithms=algorithms)
            jwt.JWTClaimsRegistry(
                now=now, leeway=LEEWAY_SECONDS,
                iss={"essential": True, "value": self.issuer}, aud={"essential": True, "value": self.client_id},
                exp={"essential": True}, iat={"essential": True}, sub={"essential": True},
                nonce={"essential": True, "value": nonce},
            ).validate(token.claims)
        except (JoseError, ValueError) as e:
            raise SignInFailed("id_token_invalid", f"The provider's ID token is not valid ({e}).") from e
        claims = dict(token.claims)
        audience = claims["aud"]
        if isinstance(audience, list) and len(audience) > 1 and claims.get("azp") != self.client_id:
            raise SignInFailed("id_token_invalid", "The ID token is for several parties, not authorised to us (azp).")
        return claims
