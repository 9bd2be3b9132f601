"""Every JSON-LD document the node publishes expands with pyld (a JSON-LD 1.1 processor), the
events carry what Google's event guidelines require, and the catalogue every mandatory
DCAT-AP_IT property."""

from __future__ import annotations

import json
import re
from typing import Any

from pyld import jsonld

from node.public import catalog as dcat
from tests.public.support import city

SCHEMA = "https://schema.org/"
DCAT, DCT, FOAF = "http://www.w3.org/ns/dcat#", "http://purl.org/dc/terms/", "http://xmlns.com/foaf/0.1/"
# DCAT-AP_IT v1.1 (AgID, "Profilo nazionale dei metadati DCAT-AP_IT", and the "Linee guida per i cataloghi
# dati", https://docs.italia.it/italia/daf/linee-guida-cataloghi-dati-dcat-ap-it/): the properties marked
# "obbligatorio" (M) for each class.
MANDATORY = {
    "Catalog": [f"{DCT}title", f"{DCT}description", f"{DCT}publisher", f"{DCT}modified", f"{DCAT}dataset"],
    "Dataset": [
        f"{DCT}identifier",
        f"{DCT}title",
        f"{DCT}description",
        f"{DCT}modified",
        f"{DCAT}theme",
        f"{DCT}rightsHolder",
        f"{DCT}accrualPeriodicity",
    ],
    "Distribution": [f"{DCT}format", f"{DCAT}accessURL", f"{DCT}license"],
    "Agent": [f"{FOAF}name", f"{DCT}identifier"],  # publisher and rights holder (IPA code for public bodies)
    "LicenseDocument": [f"{DCT}type", f"{FOAF}name"],
}
# Google Search Central, "Event (Event, EventSeries) structured data": required properties.
GOOGLE_EVENT = ("name", "startDate", "location")
OFFSET = re.compile(r"T\d\d:\d\d(:\d\d)?([+-]\d\d:\d\d|Z)$")
SCRIPT = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def expand(document: Any) -> list[dict[str, Any]]:
    """Expanded with pyld; a document that needs a remote context would fail here (no fetching)."""

    def refuse(url: str, options: Any = None) -> Any:
        raise AssertionError(f"the document needs {url}: it must expand on its own")

    expanded = jsonld.expand(document, {"documentLoader": refuse})
    assert expanded, "expands to nothing"
    return list(expanded)


def nodes_of(expanded: Any) -> list[dict[str, Any]]:
    """Every node object in an expanded document, nested ones included."""
    found: list[dict[str, Any]] = []
    stack = [expanded]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            if "@type" in item or ("@id" in item and len(item) > 1):
                found.append(item)
            stack.extend(v for k, v in item.items() if not k.startswith("@"))
    return found


def typed(expanded: Any, iri: str) -> list[dict[str, Any]]:
    return [n for n in nodes_of(expanded) if iri in n.get("@type", [])]


def value(node: dict[str, Any], prop: str) -> Any:
    entry = node[SCHEMA + prop][0]
    return entry.get("@value", entry.get("@id", entry))


async def scripts(session: Any, url: str) -> list[Any]:
    async with session.get(url) as resp:
        assert resp.status == 200, url
        return [json.loads(text) for text in SCRIPT.findall(await resp.text())]


async def test_jsonld__space_and_event_pages_expand_and_carry_googles_event_fields(nodes: Any) -> None:
    town = await city(nodes, madrid_guests=0, lisbon_guests=0, milan_guests=0)
    milan, session = town.milan, town.milan.api.session
    online = await milan.api.ok("POST", "/api/v1/events", _body("Online talk", online_url="https://meet.example/talk"))
    moved = await milan.api.ok("POST", "/api/v1/events", _body("Moved talk", online_url="https://meet.example/moved"))
    await milan.api.ok("PATCH", f"/api/v1/events/{moved['id']}", {"status": "moved_online"})
    documents = await scripts(session, milan.local + "/space")
    async with session.get(milan.local + "/space.jsonld") as resp:
        assert resp.content_type == "application/ld+json"
        documents.append(await resp.json())
    for event in (town.public_event, online, moved):
        documents += await scripts(session, f"{milan.local}/events/{event['id']}")

    modes = {}
    for document in documents:
        expanded = expand(document)
        for space in typed(expanded, SCHEMA + "CoworkingSpace"):
            assert SCHEMA + "Place" in space["@type"] and SCHEMA + "LocalBusiness" in space["@type"]
            hours = typed(space, SCHEMA + "OpeningHoursSpecification")
            assert {(value(h, "opens"), value(h, "closes")) for h in hours} >= {("09:00", "19:00"), ("14:00", "18:00")}
            address = typed(space, SCHEMA + "PostalAddress")[0]
            assert value(address, "addressCountry") == "IT" and value(address, "postalCode") == "20154"
        for event in typed(expanded, SCHEMA + "Event"):
            for field in GOOGLE_EVENT:
                assert SCHEMA + field in event, f"an event without {field}"
            assert OFFSET.search(value(event, "startDate")), "startDate without an offset"
            places = [p for p in event[SCHEMA + "location"] if SCHEMA + "Place" in p.get("@type", [])]
            if places:
                assert SCHEMA + "address" in places[0], "a place without an address"
            assert value(event, "eventStatus").startswith(SCHEMA + "Event")
            modes[value(event, "name")] = (value(event, "eventAttendanceMode"), value(event, "eventStatus"))
    assert modes["Open day at the depot"] == (SCHEMA + "OfflineEventAttendanceMode", SCHEMA + "EventScheduled")
    assert modes["Online talk"][0] == SCHEMA + "MixedEventAttendanceMode"
    assert modes["Moved talk"] == (SCHEMA + "OnlineEventAttendanceMode", SCHEMA + "EventMovedOnline")


def _body(title: str, **fields: Any) -> dict[str, Any]:
    return {"title": title, "starts_at": "2027-03-16T18:00", "ends_at": "2027-03-16T20:00"} | fields


async def test_catalog__every_mandatory_dcat_ap_it_property_and_working_download_urls(nodes: Any) -> None:
    town = await city(nodes, madrid_guests=0, lisbon_guests=0, milan_guests=1)
    session = town.madrid.api.session  # Madrid hosted one Milan member: it has a month of receipts
    async with session.get(town.madrid.local + "/open-data/catalog.jsonld") as resp:
        assert resp.status == 200 and resp.content_type == "application/ld+json"
        document = await resp.json()
    expanded = expand(document)
    classes = {
        "Catalog": typed(expanded, DCAT + "Catalog"),
        "Dataset": typed(expanded, DCAT + "Dataset"),
        "Distribution": typed(expanded, DCAT + "Distribution"),
        "Agent": typed(expanded, FOAF + "Agent"),
        "LicenseDocument": typed(expanded, DCT + "LicenseDocument"),
    }
    assert len(classes["Catalog"]) == 1 and len(classes["Dataset"]) == 3
    for name, found in classes.items():
        assert found, f"no {name}"
        for node in found:
            missing = [p for p in MANDATORY[name] if not node.get(p)]
            assert not missing, f"a {name} without {missing}"
    licences = {lic["@id"] for lic in classes["LicenseDocument"]}
    assert licences == {"https://creativecommons.org/licenses/by/4.0/"}  # CC BY 4.0 unless configured
    downloads = {d[DCAT + "downloadURL"][0]["@id"] for d in classes["Distribution"]}
    names = ("events", "space", "exchanges")
    expected = {f"{town.madrid.url}/open-data/{n}.{f}" for n in names for f in ("csv", "json")}
    assert expected < downloads and any("/open-data/receipts-" in d for d in downloads)
    for url in downloads:
        async with session.get(url) as resp:
            assert resp.status == 200, url
            assert resp.headers["Access-Control-Allow-Origin"] == "*"


async def test_catalog__publisher_ipa_code_and_licence_come_from_the_settings(nodes: Any) -> None:
    config = {
        "open_data": {
            "publisher": "Comune di Milano",
            "ipa_code": "c_f205",
            "licence_url": "https://www.dati.gov.it/iodl/2.0/",
            "licence_name": "IODL 2.0",
            "update_frequency": "WEEKLY",
        },
    }
    milan = await nodes("Spazio Milano", "Europe/Rome", config=config)
    async with milan.api.session.get(milan.local + "/open-data/catalog.jsonld") as resp:
        expanded = expand(await resp.json())
    catalog = typed(expanded, DCAT + "Catalog")[0]
    publisher = catalog[DCT + "publisher"][0]
    assert publisher[FOAF + "name"][0]["@value"] == "Comune di Milano"
    assert publisher[DCT + "identifier"][0]["@value"] == "c_f205"
    assert {lic["@id"] for lic in typed(expanded, DCT + "LicenseDocument")} == {"https://www.dati.gov.it/iodl/2.0/"}
    frequency = typed(expanded, DCAT + "Dataset")[0][DCT + "accrualPeriodicity"][0]["@id"]
    assert frequency.endswith("/frequency/WEEKLY")
    # Written in the space's language, which an Italian portal harvests.
    settings = milan.node.settings
    italian = settings.model_copy(update={"node": settings.node.model_copy(update={"language": "it"})})
    datasets = typed(expand(dcat.catalog(italian, "2026-12-04", [])), DCAT + "Dataset")
    titles = {d[DCT + "title"][0]["@value"]: d[DCT + "title"][0]["@language"] for d in datasets}
    assert titles["Eventi pubblici"] == "it"
