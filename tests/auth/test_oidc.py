"""OpenID Connect against a real provider over HTTP: tampered state, replayed code; and the ID
token checks (wrong nonce, expired, wrongly signed) on tokens made with joserfc."""

from __future__ import annotations

import re
import time
from typing import Any
from urllib.parse import urljoin

import aiohttp
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from yarl import URL

from node.auth.oidc import SignInFailed, validate_id_token
from node.booking import MemberRepository
from tests.auth.conftest import Provider

ACTION = re.compile(r'<form[^>]*action="([^"]+)"')
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


class Person:
    """A browser without a browser: keeps cookies, stops before reaching the node's callback."""

    def __init__(self) -> None:
        self.session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))

    async def close(self) -> None:
        await self.session.close()

    async def callback_url(self, node_local: str, login: str) -> str:
        url = await self._follow(node_local + "/auth/oidc/login", node_local)
        for _ in range(3):
            if "/auth/oidc/callback" in url:  # the provider remembered the person: no forms this time
                return url  # the login page, then the consent page (each a form of the provider's)
            async with self.session.get(url) as resp:
                html = await resp.text()
            action = ACTION.search(html)
            assert action, f"no form at {url}"
            form = dict(HIDDEN.findall(html))
            if 'name="login"' in html:
                form |= {"login": login, "password": "any"}
            url = await self._follow(urljoin(url, action.group(1)), node_local, "POST", form)
        if "/auth/oidc/callback" in url:
            return url
        raise AssertionError(f"the provider did not send us back: {url}")

    async def _follow(self, url: str, node_local: str, method: str = "GET", data: Any = None) -> str:
        """Follow redirects until a page, or until the node's callback (which is not requested)."""
        while True:
            async with self.session.request(method, url, data=data, allow_redirects=False) as resp:
                if resp.status not in (302, 303):
                    return url
                url = urljoin(url, resp.headers["Location"])
            method, data = "GET", None
            if url.startswith(node_local + "/auth/oidc/callback"):
                return url

    async def open(self, url: str) -> tuple[int, str]:
        async with self.session.get(url, allow_redirects=False) as resp:
            return resp.status, await resp.text()


async def test_oidc__tampered_state_and_replayed_code_are_refused(nodes: Any, provider: Provider):
    nyc = await nodes("WeCreate NYC", port=provider.node_port, config=provider.config())
    await nyc.api.ok("POST", "/api/v1/members", {"display_name": "Ada", "email": "ada@example.org"})
    person = Person()
    try:
        first = await person.callback_url(nyc.local, "ada")
        status, html = await person.open(first.replace("state=", "state=tampered"))
        assert status == 401 and "This sign-in has expired or was already used." in html
        second = await person.callback_url(nyc.local, "ada")
        status, _ = await person.open(first)  # the first code with its own state: signs in
        assert status == 303
        status, html = await person.open(first)  # again: its state is used up
        assert status == 401 and "already used" in html
        code_one = re.search(r"code=([^&]+)", first).group(1)  # type: ignore[union-attr]
        code_two = re.search(r"code=([^&]+)", second).group(1)  # type: ignore[union-attr]
        status, html = await person.open(second.replace(code_two, code_one))  # a fresh state, a used code
        assert status == 401 and "refused to finish this sign-in" in html
    finally:
        await person.close()


async def test_oidc__a_sign_in_started_before_a_restart_finishes_after_it(nodes: Any, provider: Provider):
    """The state is in the database, not the process: another worker, or the node restarted,
    finishes the sign-in; and it is still used once."""
    nyc = await nodes("WeCreate NYC", port=provider.node_port, config=provider.config())
    await nyc.api.ok("POST", "/api/v1/members", {"display_name": "Ada", "email": "ada@example.org"})
    person = Person()
    try:
        url = await person.callback_url(nyc.local, "ada")
        await nyc.stop()
        await nyc.start()
        status, _ = await person.open(url)
        assert status == 303, "the restarted node finishes the sign-in its former self started"
        status, html = await person.open(url)
        assert status == 401 and "already used" in html
        rows = await nyc.node.store.db.fetch_all("SELECT state_hash FROM oidc_pending")
        assert rows == [], "a finished sign-in leaves nothing behind"
    finally:
        await person.close()


async def test_oidc__a_state_from_another_browser_is_refused(nodes: Any, provider: Provider):
    nyc = await nodes("WeCreate NYC", port=provider.node_port, config=provider.config())
    await nyc.api.ok("POST", "/api/v1/members", {"display_name": "Ada", "email": "ada@example.org"})
    mine, other = Person(), Person()
    try:
        url = await mine.callback_url(nyc.local, "ada")
        status, html = await other.open(url)
        assert status == 401 and "another browser" in html
    finally:
        await mine.close()
        await other.close()


async def test_oidc__someone_who_is_not_a_member_is_told_so(nodes: Any, provider: Provider):
    nyc = await nodes("WeCreate NYC", port=provider.node_port, config=provider.config())
    person = Person()
    try:
        status, html = await person.open(await person.callback_url(nyc.local, "stranger"))
        assert status == 401 and "not a member of WeCreate NYC" in html
        assert (await nyc.api.ok("GET", "/api/v1/members"))["items"] == []
    finally:
        await person.close()


# -- the ID token checks, on tokens made here ---------------------------------------------------

ISSUER, CLIENT = "https://id.example", "gemella"


@pytest.fixture(scope="module")
def keys() -> tuple[RSAKey, KeySet]:
    key = RSAKey.generate_key(2048, parameters={"kid": "k1"})
    return key, KeySet([RSAKey.import_key(key.as_dict(private=False))])


def id_token(key: RSAKey, **changes: Any) -> str:
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": CLIENT, "sub": "ada", "nonce": "n-1", "iat": now, "exp": now + 300, **changes}
    return jwt.encode({"alg": "RS256", "kid": "k1"}, claims, key)


def test_id_token__a_good_one_passes(keys: Any) -> None:
    key, published = keys
    claims = validate_id_token(id_token(key), published, issuer=ISSUER, client_id=CLIENT, nonce="n-1")
    assert claims["sub"] == "ada"


@pytest.mark.parametrize(
    "changes",
    [
        {"nonce": "someone-elses"},
        {"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200},
        {"iss": "https://evil.example"},
        {"aud": "another-client"},
    ],
    ids=["wrong nonce", "expired", "other issuer", "other audience"],
)
def test_id_token__a_wrong_claim_is_refused(keys: Any, changes: dict[str, Any]) -> None:
    key, published = keys
    with pytest.raises(SignInFailed, match="could not be trusted"):
        validate_id_token(id_token(key, **changes), published, issuer=ISSUER, client_id=CLIENT, nonce="n-1")


def test_id_token__a_wrong_signature_is_refused(keys: Any) -> None:
    _, published = keys
    impostor = RSAKey.generate_key(2048, parameters={"kid": "k1"})
    with pytest.raises(SignInFailed, match="could not be trusted"):
        validate_id_token(id_token(impostor), published, issuer=ISSUER, client_id=CLIENT, nonce="n-1")


def test_id_token__an_unsigned_one_is_refused(keys: Any) -> None:
    _, published = keys
    header, payload, _ = id_token(keys[0]).split(".")
    with pytest.raises(SignInFailed):
        validate_id_token(f"{header}.{payload}.", published, issuer=ISSUER, client_id=CLIENT, nonce="n-1")


@pytest.mark.parametrize("login", ["ada\u200b", "\uff41da", "ada\u00ad"])
async def test_oidc__a_look_alike_verified_address_is_not_the_members(nodes: Any, provider: Provider, login: str):
    """Another account of the provider, whose verified address differs from the member's only by an
    invisible or full-width character, is not the member (PostgreSQL's case-blind collation holds
    such addresses equal; the node must not)."""
    nyc = await nodes("WeCreate NYC", port=provider.node_port, config=provider.config())
    ada = await nyc.api.ok("POST", "/api/v1/members", {"display_name": "Ada", "email": "ada@example.org"})
    person = Person()
    try:
        status, html = await person.open(await person.callback_url(nyc.local, login))
        assert status == 401 and "is not a member of WeCreate NYC" in html
        row = await nyc.node.store.db.fetch_one("SELECT oidc_subject FROM members WHERE id = ?", (ada["id"],))
        assert row is not None and row["oidc_subject"] is None
    finally:
        await person.close()


async def test_oidc__a_refused_sign_in_is_told_in_the_readers_language(nodes: Any, provider: Provider):
    nyc = await nodes("WeCreate NYC", port=provider.node_port, config=provider.config())
    await nyc.api.ok("POST", "/api/v1/members", {"display_name": "Ada", "email": "ada@example.org"})
    mine, other = Person(), Person()
    for person in (mine, other):
        person.session.headers["Accept-Language"] = "it"
    try:
        url = await mine.callback_url(nyc.local, "ada")
        status, html = await mine.open(url.replace("state=", "state=tampered"))
        assert status == 401 and "Questo accesso è scaduto o è già stato usato." in html
        status, html = await other.open(url)
        assert status == 401 and "Questo accesso è stato avviato in un altro browser." in html
        assert "Please start again" not in html
    finally:
        await mine.close()
        await other.close()


async def test_oidc__a_language_chosen_before_signing_in_becomes_the_members(nodes: Any, provider: Provider):
    nyc = await nodes("WeCreate NYC", port=provider.node_port, config=provider.config())
    ada = await nyc.api.ok("POST", "/api/v1/members", {"display_name": "Ada", "email": "ada@example.org"})
    person = Person()
    person.session.cookie_jar.update_cookies({"gemella_lang": "es"}, URL(nyc.local))  # as the switcher sets it
    try:
        status, _ = await person.open(await person.callback_url(nyc.local, "ada"))
        assert status == 303
        member = await MemberRepository(nyc.node.store.db).get(ada["id"])
        assert member is not None and member.language == "es"
    finally:
        await person.close()


async def test_oidc__an_address_no_member_may_have_makes_no_member(nodes: Any, provider: Provider):
    """With create_members, the provider's verified address became a member's as it came, unchecked:
    one with a control character (which the API refuses) broke every mail to that member."""
    nyc = await nodes("WeCreate NYC", port=provider.node_port, config=provider.config(create_members=True))
    person = Person()
    try:
        status, html = await person.open(await person.callback_url(nyc.local, "ana\u001cruiz"))
        assert status == 401 and "is not a member of WeCreate NYC" in html
        assert await nyc.node.store.db.fetch_all("SELECT id FROM members") == []
    finally:
        await person.close()
