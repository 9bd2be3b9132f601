"""The open-data catalogue: DCAT-AP_IT (the Italian profile of DCAT-AP) as JSON-LD.

Three datasets, each with a CSV and a JSON distribution whose `downloadURL` leads to it: the
public events, the space and its opening hours, and the monthly exchange statistics (whose
months' receipt hashes are distributions too). The properties DCAT-AP_IT makes mandatory for
catalogue, dataset, distribution and agent are always present (tests/public/test_catalog.py
lists them with their source). The context is inline, so the document expands on its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from node.i18n import N_, _, catalogs, current, reading

if TYPE_CHECKING:
    from node.config import Settings

CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "dcatapit": "http://dati.gov.it/onto/dcatapit#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
EU = "http://publications.europa.eu/resource/authority"
THEME = f"{EU}/data-theme/SOCI"  # population and society
LICENCE_TYPE = "http://purl.org/adms/licencetype/Attribution"
# id -> (title, description). The catalogue is the publisher's document, not the reader's: it is
# written in the space's language (node.language), which a portal such as dati.gov.it harvests.
DATASETS = {
    "events": (
        N_("Public events"),
        N_("The space's public events and the twins' events it re-hosts, with dates, place and status."),
    ),
    "space": (
        N_("The space and its opening hours"),
        N_("The coworking space: address, opening hours, resources and the spaces it is twinned with."),
    ),
    "exchanges": (
        N_("Monthly exchanges with twin spaces"),
        N_(
            "Per month, per twin and per pair of countries: desk-days and room-hours given and taken, confirmed "
            "reservations, the visits the host checked in, and events re-hosted each way, computed from signed "
            "receipts and events. Figures from 1 to 4 are left empty so that no person can be singled out."
        ),
    ),
}


def catalog(settings: Settings, modified: str, months: list[str]) -> dict[str, Any]:
    """The catalogue in the space's language; `modified` is the date (YYYY-MM-DD) it was made."""
    with reading(catalogs().reader(settings.node.language)):
        return _catalog(settings, modified, months)


def _catalog(settings: Settings, modified: str, months: list[str]) -> dict[str, Any]:
    base = settings.node_id
    publisher = _agent(settings)
    datasets = [_dataset(base, name, settings, publisher, modified, months) for name in DATASETS]
    return {
        "@context": CONTEXT,
        "@id": f"{base}/open-data/catalog.jsonld",
        "@type": ["dcatapit:Catalog", "dcat:Catalog"],
        "dct:title": _text(_("%(space)s: open data", space=settings.node.name)),
        "dct:description": _text(
            _(
                "Open data of %(space)s, a coworking space twinned with others through Gemellaggio.",
                space=settings.node.name,
            )
        ),
        "dct:publisher": publisher,
        "dct:modified": _date(modified),
        "dct:language": {"@id": f"{EU}/language/{_LANGUAGES[settings.node.language]}"},
        "foaf:homepage": {"@id": f"{base}/space"},
        "dcat:themeTaxonomy": {"@id": f"{EU}/data-theme"},
        "dcat:dataset": datasets,
    }


_LANGUAGES = {"en": "ENG", "it": "ITA", "es": "SPA"}


def _agent(settings: Settings) -> dict[str, Any]:
    name = settings.open_data.publisher or settings.node.name
    agent: dict[str, Any] = {
        "@id": f"{settings.node_id}/space#publisher",
        "@type": ["dcatapit:Agent", "foaf:Agent"],
        "foaf:name": name,
        # The IPA code identifies a public body; otherwise the node's address identifies the publisher.
        "dct:identifier": settings.open_data.ipa_code or settings.node_id,
    }
    return agent


def _dataset(
    base: str, name: str, settings: Settings, publisher: dict[str, Any], modified: str, months: list[str]
) -> dict[str, Any]:
    title, description = (_(text) for text in DATASETS[name])
    distributions = [_distribution(base, name, fmt, settings) for fmt in ("csv", "json")]
    if name == "exchanges":
        distributions += [_receipts(base, month, settings) for month in months]
    return {
        "@id": f"{base}/open-data/#{name}",
        "@type": ["dcatapit:Dataset", "dcat:Dataset"],
        "dct:identifier": f"{base}/open-data/#{name}",
        "dct:title": _text(title),
        "dct:description": _text(description),
        "dct:modified": _date(modified),
        "dcat:theme": {"@id": THEME},
        "dct:rightsHolder": publisher,
        "dct:publisher": publisher,
        "dct:accrualPeriodicity": {"@id": f"{EU}/frequency/{settings.open_data.update_frequency}"},
        "dcat:landingPage": {"@id": f"{base}/open-data/"},
        "dcat:keyword": ["coworking", "gemellaggio", name],
        "dcat:distribution": distributions,
    }


def _distribution(base: str, name: str, fmt: str, settings: Settings) -> dict[str, Any]:
    url = f"{base}/open-data/{name}.{fmt}"
    return {
        "@id": url,
        "@type": ["dcatapit:Distribution", "dcat:Distribution"],
        "dct:title": _text(f"{_(DATASETS[name][0])} ({fmt.upper()})"),
        "dct:description": _text(f"{_(DATASETS[name][0])} ({fmt.upper()})"),
        "dct:format": {"@id": f"{EU}/file-type/{fmt.upper()}"},
        "dcat:mediaType": "text/csv" if fmt == "csv" else "application/json",
        "dcat:accessURL": {"@id": url},
        "dcat:downloadURL": {"@id": url},
        "dct:license": _licence(settings),
    }


def _receipts(base: str, month: str, settings: Settings) -> dict[str, Any]:
    url = f"{base}/open-data/receipts-{month}.json"
    return {
        "@id": url,
        "@type": ["dcatapit:Distribution", "dcat:Distribution"],
        "dct:title": _text(_("Receipt hashes, %(month)s", month=month)),
        "dct:description": _text(
            _("The hashes of the signed receipts behind the figures of %(month)s, and their digest.", month=month)
        ),
        "dct:format": {"@id": f"{EU}/file-type/JSON"},
        "dcat:mediaType": "application/json",
        "dcat:accessURL": {"@id": url},
        "dcat:downloadURL": {"@id": url},
        "dct:license": _licence(settings),
    }


def _licence(settings: Settings) -> dict[str, Any]:
    return {
        "@id": settings.open_data.licence_url,
        "@type": ["dcatapit:LicenseDocument", "dct:LicenseDocument"],
        "dct:type": {"@id": LICENCE_TYPE},
        "foaf:name": settings.open_data.licence_name,
    }


def _text(value: str) -> dict[str, str]:
    return {"@value": value, "@language": current().language}


def _date(value: str) -> dict[str, str]:
    return {"@value": value, "@type": "xsd:date"}
