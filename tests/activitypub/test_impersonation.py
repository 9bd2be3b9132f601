"""A fediverse stranger speaking for someone else: an actor document served from its own server
that claims another server's actor, and a key document whose owner names another key document,
and so on without end. Real node, a real follower built with bovine, a hostile server on another
loopback address (127.0.0.2 is another host to the node), real RSA signatures."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import aiohttp
from aiohttp import web
from bovine.crypto import generate_rsa_public_private_key
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from node.activitypub import signatures
from tests.activitypub.support import event_body, followed
from tests.support.nodes import free_port

Nodes = Any
MALLORY_HOST = "127.0.0.2"


class Mallory:
    """A server on another host that serves whatever documents it is given, and counts the reads."""

    def __init__(self) -> None:
        self.port = free_port()
        self.base = f"http://{MALLORY_HOST}:{self.port}"
        public_pem, private_pem = generate_rsa_public_private_key()
        self.public_pem = public_pem
        key = load_pem_private_key(private_pem.encode(), password=None)
        assert isinstance(key, rsa.RSAPrivateKey)
        self.key = key
        self.documents: dict[str, Any] = {}
        self.reads: list[str] = []
        self._runner: web.AppRunner | None = None

    async def start(self) -> Mallory:
        app = web.Application()
        app.router.add_get("/{tail:.*}", self._serve)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, MALLORY_HOST, self.port).start()
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _serve(self, request: web.Request) -> web.Response:
        self.reads.append(request.path)
        document = self.documents.get(request.path)
        if callable(document):
            document = document(request.path)
        if document is None:
            return web.Response(status=404)
        return web.json_response(document, content_type="application/activity+json")

    async def post(self, inbox: str, activity: dict[str, Any], key_id: str) -> tuple[int, Any]:
        body = json.dumps(activity).encode()
        headers = signatures.sign("POST", inbox, body, self.key, key_id, datetime.now(UTC))
        headers["Content-Type"] = "application/activity+json"
        async with aiohttp.ClientSession() as session, session.post(inbox, data=body, headers=headers) as response:
            return response.status, await response.json(content_type=None)


async def _followers(space: Any) -> list[str]:
    listing = await space.api.ok("GET", "/api/v1/activitypub/followers")
    return [f["actor"] for f in listing["followers"]]


async def test_inbox__an_actor_document_claiming_another_servers_actor_cannot_undo_its_follow(nodes: Nodes) -> None:
    milan = await nodes("Spazio Milano", "Europe/Rome")
    victim = await followed(milan)
    mallory = await Mallory().start()
    try:
        key_id = f"{mallory.base}/users/mallory#main-key"
        # Served by Mallory's server, in the victim's name, with Mallory's key.
        mallory.documents["/users/mallory"] = victim.actor() | {
            "publicKey": {"id": key_id, "owner": victim.actor_id, "publicKeyPem": mallory.public_pem}
        }
        undo = {
            "id": f"{mallory.base}/undo/1",
            "type": "Undo",
            "actor": victim.actor_id,
            "object": {"id": f"{victim.base}/activities/follow-1", "type": "Follow", "actor": victim.actor_id},
        }
        status, problem = await mallory.post(f"{milan.url}/ap/inbox", undo, key_id)
        assert status == 401 and problem["type"].endswith("/signature-invalid"), (status, problem)
        assert await _followers(milan) == [victim.actor_id]
    finally:
        await mallory.stop()
        await victim.stop()


async def test_inbox__an_actor_document_claiming_another_servers_actor_cannot_subscribe_it(nodes: Nodes) -> None:
    milan = await nodes("Spazio Milano", "Europe/Rome")
    mallory = await Mallory().start()
    try:
        # Someone else's actor, on another server: the node would send that server its posts.
        elsewhere = f"http://127.0.0.1:{free_port()}"
        claimed = f"{elsewhere}/users/bob"
        key_id = f"{mallory.base}/users/bob#main-key"
        mallory.documents["/users/bob"] = {
            "id": claimed,
            "type": "Person",
            "inbox": f"{elsewhere}/users/bob/inbox",
            "publicKey": {"id": key_id, "owner": claimed, "publicKeyPem": mallory.public_pem},
        }
        follow = {"id": f"{mallory.base}/f/1", "type": "Follow", "actor": claimed, "object": f"{milan.url}/ap/actor"}
        status, problem = await mallory.post(f"{milan.url}/ap/inbox", follow, key_id)
        assert status == 401 and problem["type"].endswith("/signature-invalid"), (status, problem)
        assert await _followers(milan) == []
    finally:
        await mallory.stop()


async def test_inbox__a_chain_of_key_documents_is_followed_once_not_without_end(nodes: Nodes) -> None:
    milan = await nodes("Spazio Milano", "Europe/Rome")
    mallory = await Mallory().start()
    try:

        def next_key(path: str) -> dict[str, Any]:
            n = int(path.rsplit("/", 1)[-1])
            url = f"{mallory.base}/keys/{n}"
            return {"id": url, "owner": f"{mallory.base}/keys/{n + 1}", "publicKeyPem": mallory.public_pem}

        for n in range(2000):
            mallory.documents[f"/keys/{n}"] = next_key
        follow = {
            "id": f"{mallory.base}/f/1",
            "type": "Follow",
            "actor": f"{mallory.base}/users/m",
            "object": f"{milan.url}/ap/actor",
        }
        status, problem = await mallory.post(f"{milan.url}/ap/inbox", follow, f"{mallory.base}/keys/0")
        assert status == 401 and problem["type"].endswith("/signature-invalid"), (status, problem)
        assert len(mallory.reads) <= 2, f"one request made the node read {len(mallory.reads)} documents"
        assert await _followers(milan) == []
    finally:
        await mallory.stop()


async def test_inbox__a_follower_whose_inboxes_are_elsewhere_or_unreadable_is_refused_never_a_500(
    nodes: Nodes,
) -> None:
    milan = await nodes("Spazio Milano", "Europe/Rome")
    mallory = await Mallory().start()
    try:
        actor, key_id = f"{mallory.base}/users/m", f"{mallory.base}/users/m#main-key"
        inboxes = [
            {"inbox": "http://[::1", "endpoints": {"sharedInbox": f"{mallory.base}/inbox"}},
            {"inbox": f"{mallory.base}/inbox", "endpoints": {"sharedInbox": "http://[bad"}},
            {"inbox": "http://127.0.0.1:1/someone-elses/inbox", "endpoints": {"sharedInbox": f"{mallory.base}/inbox"}},
            {"inbox": f"{mallory.base}:99999/inbox"},
        ]
        answers = []
        for n, where in enumerate(inboxes):
            mallory.documents["/users/m"] = {
                "id": actor,
                "type": "Person",
                "publicKey": {"id": key_id, "owner": actor, "publicKeyPem": mallory.public_pem},
                **where,
            }
            follow = {
                "id": f"{mallory.base}/f/{n}",
                "type": "Follow",
                "actor": actor,
                "object": f"{milan.url}/ap/actor",
            }
            answers.append(await mallory.post(f"{milan.url}/ap/inbox", follow, key_id))
        for (status, problem), where in zip(answers, inboxes, strict=True):
            assert status == 422 and problem["type"].endswith("/validation-error"), (where, status, problem)
        assert await _followers(milan) == []
        assert (await milan.api.ok("GET", "/api/v1/activitypub/followers"))["pending_deliveries"] == 0
    finally:
        await mallory.stop()


async def test_inbox__an_unreadable_actor_or_key_id_is_a_problem_never_a_500(nodes: Nodes) -> None:
    milan = await nodes("Spazio Milano", "Europe/Rome")
    mallory = await Mallory().start()
    try:
        answers = {}
        for actor, key_id in [
            ("http://[x", f"{mallory.base}/users/m#main-key"),
            ("http://127.0.0.2:99999/users/m", f"{mallory.base}/users/m#main-key"),
            (f"{mallory.base}/users/m", "http://[x#main-key"),
            (f"{mallory.base}/users/m", "http://127.0.0.2:99999/users/m#main-key"),
        ]:
            follow = {"id": f"{mallory.base}/f/1", "type": "Follow", "actor": actor, "object": f"{milan.url}/ap/actor"}
            answers[(actor, key_id)] = await mallory.post(f"{milan.url}/ap/inbox", follow, key_id)
        for sent, (status, problem) in answers.items():
            assert status in (401, 422) and isinstance(problem, dict), (sent, status, problem)
            assert problem["type"].rsplit("/", 1)[-1] in ("signature-invalid", "validation-error"), (sent, problem)
        assert mallory.reads == []
    finally:
        await mallory.stop()


async def test_inbox__followers_past_max_followers_are_refused_and_the_others_kept(nodes: Nodes) -> None:
    milan = await nodes("Spazio Milano", "Europe/Rome", config={"activitypub": {"max_followers": 2}})
    mallory = await Mallory().start()
    try:
        answers = []
        for n in range(4):
            actor = f"{mallory.base}/users/u{n}"
            key_id = f"{actor}#main-key"
            mallory.documents[f"/users/u{n}"] = {
                "id": actor,
                "type": "Person",
                "inbox": f"{actor}/inbox",
                "publicKey": {"id": key_id, "owner": actor, "publicKeyPem": mallory.public_pem},
            }
            follow = {"id": f"{actor}/f", "type": "Follow", "actor": actor, "object": f"{milan.url}/ap/actor"}
            answers.append(await mallory.post(f"{milan.url}/ap/inbox", follow, key_id))
        again = await mallory.post(
            f"{milan.url}/ap/inbox",
            {"id": "x", "type": "Follow", "actor": f"{mallory.base}/users/u0", "object": f"{milan.url}/ap/actor"},
            f"{mallory.base}/users/u0#main-key",
        )
        assert [status for status, _ in answers] == [202, 202, 403, 403], answers
        assert answers[-1][1]["type"].endswith("/forbidden"), answers[-1]
        assert again[0] == 202, "a follower already kept may follow again"
        assert sorted(await _followers(milan)) == [f"{mallory.base}/users/u0", f"{mallory.base}/users/u1"]
    finally:
        await mallory.stop()


def _actor(mallory: Mallory, name: str) -> tuple[str, str]:
    actor = f"{mallory.base}/users/{name}"
    key_id = f"{actor}#main-key"
    mallory.documents[f"/users/{name}"] = {
        "id": actor,
        "type": "Person",
        "inbox": f"{actor}/inbox",
        "publicKey": {"id": key_id, "owner": actor, "publicKeyPem": mallory.public_pem},
    }
    return actor, key_id


async def test_inbox__a_follow_whose_id_is_a_megabyte_is_refused_and_nothing_kept(nodes: Nodes) -> None:
    milan = await nodes("Spazio Milano", "Europe/Rome")
    mallory = await Mallory().start()
    try:
        actor, key_id = _actor(mallory, "big")
        for follow_id in ("x" * 500_000, ["a", "list"], {"an": "object"}):
            follow = {"id": follow_id, "type": "Follow", "actor": actor, "object": f"{milan.url}/ap/actor"}
            status, problem = await mallory.post(f"{milan.url}/ap/inbox", follow, key_id)
            assert status == 422 and problem["type"].endswith("/validation-error"), (status, problem)
        listing = await milan.api.ok("GET", "/api/v1/activitypub/followers")
        assert listing == {"followers": [], "pending_deliveries": 0}
    finally:
        await mallory.stop()


async def test_inbox__following_again_and_again_is_charged_to_the_address(nodes: Nodes) -> None:
    # Each Follow taken costs a signed Accept: the address's budget pays for them (burst 30).
    milan = await nodes("Spazio Milano", "Europe/Rome", config={"limits": {"unverified_requests_per_minute": 1}})
    mallory = await Mallory().start()
    try:
        actor, key_id = _actor(mallory, "again")
        statuses = []
        for n in range(40):
            follow = {"id": f"{actor}/follows/{n}", "type": "Follow", "actor": actor, "object": f"{milan.url}/ap/actor"}
            statuses.append((await mallory.post(f"{milan.url}/ap/inbox", follow, key_id))[0])
        assert statuses[0] == 202 and statuses[-1] == 429, statuses
        assert statuses.count(202) <= 31, statuses
        listing = await milan.api.ok("GET", "/api/v1/activitypub/followers")
        assert listing["pending_deliveries"] <= 31, listing
    finally:
        await mallory.stop()


async def test_bridge__a_publish_reads_the_blocked_instances_once_whatever_the_followers(nodes: Nodes) -> None:
    milan = await nodes("Spazio Milano", "Europe/Rome")
    mallory = await Mallory().start()
    try:
        for n in range(40):
            actor, key_id = _actor(mallory, f"f{n}")
            follow = {"id": f"{actor}/f", "type": "Follow", "actor": actor, "object": f"{milan.url}/ap/actor"}
            assert (await mallory.post(f"{milan.url}/ap/inbox", follow, key_id))[0] == 202
        db = milan.node.store.db
        if db.dialect != "sqlite":
            return  # the statements are counted on SQLite's connections
        reads: list[str] = []

        def trace(statement: str) -> None:
            if "ap_blocked" in statement:
                reads.append(statement)

        for conn in (db._writer, db._reader):
            await conn._execute(lambda c=conn: c._conn.set_trace_callback(trace))
        db._loop_writer.set_trace_callback(trace)
        await milan.api.ok("POST", "/api/v1/events", event_body("Open day"))
        await milan.node.activitypub.publish()  # the event to 40 followers (unless the bridge's worker did)
        # A publish and a delivery round each read them once; the worker may run one of each meanwhile.
        assert len(reads) <= 4, f"{len(reads)} reads of the blocked instances to publish to 40 followers"
    finally:
        await mallory.stop()
