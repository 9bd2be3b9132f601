"""A twin's batch whose refusals name what it sent: a lone surrogate there is answered, not a 500."""

from tests.support.nodes import twin

ITEM = b'{"object":{"type":"Event","origin":%s,"id":"x","version":1%s},"signature":{"kid":"k","sig":"AA"}}'


async def test_inbox__a_refusal_naming_a_lone_surrogate_is_answered_with_its_escape(nodes):
    nyc, london = await nodes("NYC"), await nodes("London")
    await twin(nyc, london)
    origin = nyc.url.encode()
    items = [ITEM % (b'"\\ud800"', b""), ITEM % (b'"' + origin + b'"', b',"\\udfff":1')]
    resp = await nyc.node.client.send("POST", london.url + "/federation/v1/inbox", b'{"items":[%s]}' % b",".join(items))
    assert resp.status == 202
    first, second = resp.json()["results"]
    assert first["status"] == second["status"] == "rejected"
    assert "\ud800" in first["problem"]["detail"]
