"""Signing in with the space's own account: OpenID Connect, authorization code flow with PKCE.

The provider is found by discovery (`<issuer>/.well-known/openid-configuration`). Each login
gets a fresh `state`, `nonce` and PKCE verifier, kept in the database for 10 minutes
(node/store/sign_ins.py: the browser may come back to another worker, or after a restart) and
bound to the browser that started it; the callback refuses a state it did not issue to that
browser, and uses each state once. The ID token is checked with `joserfc` against the
provider's published keys: signature, issuer, audience, expiry, issue time and nonce.

A member is matched by the provider's subject (remembered after the first sign-in) or by a
verified e-mail address; an unknown one is created when `oidc.create_members` is on. People
whose `oidc.operator_claim` holds `oidc.operator_value` sign in as the operator.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

import aiohttp
import structlog

if TYPE_CHECKING:  # joserfc (and the `cryptography` under it) is loaded at the first sign-in, not by every node
    from joserfc.jwk import KeySet

from node.clock import Clock
from node.config import OidcSection
from node.i18n import _
from node.store.sign_ins import PendingSignIn, PendingSignInRepository

log = structlog.get_logger("node.auth")
PENDING_SECONDS = 600
ALGORITHMS = ["RS256", "PS256", "ES256", "EdDSA"]


class SignInFailed(Exception):
    """The sign-in cannot finish; the message says why, for people, in the reader's language."""


@dataclass(frozen=True)
class Identity:
    subject: str  # "<issuer> <sub>"
    email: str | None
    email_verified: bool
    name: str | None
    operator: bool


def pkce_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def validate_id_token(
    id_token: str, keys: KeySet, *, issuer: str, client_id: str, nonce: str, now: int | None = None
) -> dict[str, Any]:
    """The ID token's claims, if it is signed by one of `keys` and says what it must."""
    from joserfc import jwt
    from joserfc.errors import JoseError

    try:
        token = jwt.decode(id_token, keys, algorithms=ALGORITHMS)
        registry = jwt.JWTClaimsRegistry(
            now=now,
            leeway=60,
            iss={"essential": True, "value": issuer},
            aud={"essential": True, "value": client_id},
            sub={"essential": True},
            exp={"essential": True},
            iat={"essential": True},
            nonce={"essential": True, "value": nonce},
        )
        registry.validate(token.claims)
    except (JoseError, ValueError) as exc:
        log.info("oidc_id_token_refused", reason=type(exc).__name__, detail=str(exc))  # for the operator, not the page
        raise SignInFailed(_("The sign-in service's answer could not be trusted.")) from exc
    return dict(token.claims)


class OidcClient:
    def __init__(
        self,
        settings: OidcSection,
        redirect_uri: str,
        pending: PendingSignInRepository,
        clock: Clock,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.settings = settings
        self.redirect_uri = redirect_uri
        env = os.environ if environ is None else environ
        self.secret = env.get(settings.client_secret_env, "") if settings.client_secret_env else ""
        self._pending = pending
        self._clock = clock
        self._discovery: dict[str, Any] | None = None
        # Its own session: the provider is the operator's choice (often on the space's own network),
        # not a twin's, so the federation session's guard against private addresses does not apply.
        self._session: aiohttp.ClientSession | None = None

    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    @property
    def enabled(self) -> bool:
        return bool(self.settings.issuer and self.settings.client_id)

    @property
    def issuer(self) -> str:
        assert self.settings.issuer is not None
        return self.settings.issuer.rstrip("/")

    async def login_url(self, session: aiohttp.ClientSession, browser: str) -> str:
        """Where to send the browser: the provider's authorization endpoint, with a fresh state."""
        config = await self._config(session)
        state, nonce, verifier = secrets.token_urlsafe(24), secrets.token_urlsafe(24), secrets.token_urlsafe(48)
        now = self._now()
        await self._pending.store(
            state, PendingSignIn(nonce, verifier, browser, now), expired_before=now - PENDING_SECONDS
        )
        query = {
            "response_type": "code",
            "client_id": self.settings.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": self.settings.scopes,
            "state": state,
            "nonce": nonce,
            "code_challenge": pkce_challenge(verifier),
            "code_challenge_method": "S256",
        }
        return f"{config['authorization_endpoint']}?{urlencode(query)}"

    async def finish(self, session: aiohttp.ClientSession, state: str, code: str, browser: str) -> Identity:
        """Check the state, trade the code for tokens, validate the ID token: who signed in."""
        pending = await self._pending.claim(state)
        if pending is None or self._now() - pending.created_at > PENDING_SECONDS:
            raise SignInFailed(_("This sign-in has expired or was already used. Please start again."))
        if not secrets.compare_digest(pending.browser, browser):
            raise SignInFailed(_("This sign-in was started in another browser. Please start again here."))
        config = await self._config(session)
        tokens = await self._exchange(session, config, code, pending.verifier)
        keys = await self._keys(session, config)
        claims = validate_id_token(
            str(tokens["id_token"]),
            keys,
            issuer=self.issuer,
            client_id=str(self.settings.client_id),
            nonce=pending.nonce,
        )
        if "email" not in claims and config.get("userinfo_endpoint") and isinstance(tokens.get("access_token"), str):
            claims = await self._with_userinfo(session, config["userinfo_endpoint"], tokens["access_token"], claims)
        return self._identity(claims)

    async def _with_userinfo(
        self, session: aiohttp.ClientSession, url: str, access_token: str, claims: dict[str, Any]
    ) -> dict[str, Any]:
        """Providers may leave e-mail out of the ID token (OIDC Core 5.4): ask the userinfo endpoint."""
        headers = {"Authorization": f"Bearer {access_token}"}
        try:
            async with session.get(url, headers=headers, timeout=_TIMEOUT) as resp:
                info = await resp.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError):
            return claims
        # Userinfo about another subject is ignored (OIDC Core 5.3.2).
        if resp.status != 200 or not isinstance(info, dict) or info.get("sub") != claims.get("sub"):
            return claims
        return {**info, **claims}

    def _identity(self, claims: dict[str, Any]) -> Identity:
        wanted = self.settings.operator_value
        held = claims.get(self.settings.operator_claim) if self.settings.operator_claim else None
        values = held if isinstance(held, list) else [held]
        email = claims.get("email")
        return Identity(
            subject=f"{self.issuer} {claims['sub']}",
            email=email if isinstance(email, str) else None,
            email_verified=claims.get("email_verified") is True,
            name=claims.get("name") if isinstance(claims.get("name"), str) else None,
            operator=wanted is not None and wanted in values,
        )

    async def _exchange(
        self, session: aiohttp.ClientSession, config: dict[str, Any], code: str, verifier: str
    ) -> dict[str, Any]:
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": self.redirect_uri}
        form["code_verifier"] = verifier
        basic = base64.b64encode(f"{quote(str(self.settings.client_id))}:{quote(self.secret)}".encode()).decode()
        headers = {"Authorization": f"Basic {basic}"}  # RFC 6749 2.3.1: each part form-encoded first
        try:
            async with session.post(config["token_endpoint"], data=form, headers=headers, timeout=_TIMEOUT) as resp:
                answer = await resp.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise SignInFailed(_("The sign-in service did not answer. Please try again in a moment.")) from exc
        if resp.status != 200 or not isinstance(answer, dict) or not isinstance(answer.get("id_token"), str):
            raise SignInFailed(_("The sign-in service refused to finish this sign-in. Please start again."))
        return answer

    async def _config(self, session: aiohttp.ClientSession) -> dict[str, Any]:
        if self._discovery is None:
            url = f"{self.issuer}/.well-known/openid-configuration"
            found = await _get_json(session, url)
            if found.get("issuer", "").rstrip("/") != self.issuer:
                raise SignInFailed(_("The sign-in service is not configured as this node expects."))
            self._discovery = found
        return self._discovery

    async def _keys(self, session: aiohttp.ClientSession, config: dict[str, Any]) -> KeySet:
        from joserfc.errors import JoseError
        from joserfc.jwk import KeySet

        try:
            return KeySet.import_key_set(await _get_json(session, config["jwks_uri"]))  # type: ignore[arg-type]
        except (JoseError, ValueError, KeyError) as exc:
            raise SignInFailed(_("The sign-in service's keys could not be read.")) from exc

    def _now(self) -> int:
        return int(self._clock.now().timestamp())


_TIMEOUT = aiohttp.ClientTimeout(total=10)


async def _get_json(session: aiohttp.ClientSession, url: str) -> dict[str, Any]:
    try:
        async with session.get(url, timeout=_TIMEOUT) as resp:
            found = await resp.json(content_type=None)
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        raise SignInFailed(_("The sign-in service could not be reached. Please try again in a moment.")) from exc
    if resp.status != 200 or not isinstance(found, dict):
        raise SignInFailed(_("The sign-in service could not be reached. Please try again in a moment."))
    return found
