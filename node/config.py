"""The node's settings: one typed object read once from DIR/config.yaml plus GEMELLA_* overrides.

`load_settings(directory, environ)` takes its environment as an argument so tests pass a
dict. A bad file names the key, the line and the reason, and the node does not start.
Environment overrides name a section and a key with a double underscore, GEMELLA_LISTEN__PORT=8081;
only such names are overrides, so the CLI's own variables (GEMELLA_NODE, GEMELLA_DIR, GEMELLA_TOKEN)
and the test switches (GEMELLA_SOAK, ...) can never be read as configuration.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator

from protocol.models import Terms
from protocol.models.common import check_node_id, check_zone

CONFIG_FILE = "config.yaml"
ENV_PREFIX = "GEMELLA_"


class ConfigError(Exception):
    """The configuration cannot be used; the message says where and why."""


def one_line(value: str) -> str:
    """Words that go into mails' headers: one line (the last line break of a YAML `name: |` let go)."""
    if len(value.strip().splitlines()) > 1:
        raise ValueError("write it on one line, without line breaks")
    return value.strip()


OneLine = Annotated[str, AfterValidator(one_line)]


class Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class NodeSection(Section):
    name: Annotated[str, Field(min_length=1, max_length=200), AfterValidator(one_line)]
    url: str
    timezone: str = "UTC"
    location: str | None = None
    language: Literal["en", "it", "es"] = "en"  # of the pages when the reader's own is not known

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return check_node_id(value.rstrip("/"))

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return check_zone(value)


class ListenSection(Section):
    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=0, le=65535)] = 8080


class StorageSection(Section):
    database: str = "node.db"  # relative to the node's directory
    # sqlite:///relative.db, sqlite:////absolute.db or postgresql://user:pass@host:port/db;
    # unset: the SQLite file `database` above.
    database_url: str | None = None
    keys: str = "keys"
    # With several workers on PostgreSQL: how long a worker's hold on a background job or on the
    # outbox rows it is delivering lasts unless renewed (a dead worker's work is taken over after it).
    lease_seconds: Annotated[float, Field(ge=1, le=3600)] = 30.0

    @field_validator("database_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("sqlite:///", "postgresql://", "postgres://")):
            raise ValueError("must start with sqlite:/// or postgresql://")
        return value


class DeliverySection(Section):
    backoff_base_seconds: Annotated[float, Field(gt=0)] = 1.0
    backoff_cap_seconds: Annotated[float, Field(gt=0)] = 3600.0
    batch_items: Annotated[int, Field(ge=1, le=500)] = 500
    pull_interval_seconds: Annotated[float, Field(gt=0)] = 180.0
    request_timeout_seconds: Annotated[float, Field(gt=0)] = 10.0
    document_refetch_seconds: Annotated[float, Field(ge=0)] = 300.0
    # A twin's keys, once read, are read again after this long: how late a rotation applied by
    # one worker of the node reaches the others (each keeps its own copy).
    key_cache_seconds: Annotated[float, Field(ge=0, le=3600)] = 60.0
    # How often an idle sender (to a twin, or the home node's reservation retrier) looks again
    # even when nothing woke it.
    idle_recheck_seconds: Annotated[float, Field(gt=0, le=3600)] = 30.0


class LimitsSection(Section):
    max_body_bytes: Annotated[int, Field(ge=1024, le=16 * 1024 * 1024)] = 1024 * 1024
    peer_requests_per_second: Annotated[float, Field(gt=0)] = 50.0
    peer_burst: Annotated[int, Field(ge=1)] = 200
    # Objects a twin may push per second: verifying them is the CPU a twin can make us spend.
    peer_items_per_second: Annotated[float, Field(gt=0)] = 1000.0
    peer_item_burst: Annotated[int, Field(ge=500)] = 5000  # at least one whole batch
    stranger_proposals_per_minute: Annotated[float, Field(gt=0)] = 6.0
    # Strangers' proposals waiting for the operator's answer; past it a stranger is refused (429).
    max_pending_proposals: Annotated[int, Field(ge=1)] = 50
    unverified_requests_per_minute: Annotated[float, Field(gt=0)] = 60.0  # failed verifications per address
    sign_ins_per_minute: Annotated[float, Field(gt=0)] = 10.0  # sign-in attempts per address
    signature_window_seconds: Annotated[int, Field(ge=30, le=3600)] = 300
    twin_max_objects: Annotated[int, Field(ge=1)] = 20_000  # objects stored here for each twin
    twin_max_bytes: Annotated[int, Field(ge=1024)] = 64 * 1024 * 1024  # their envelopes' bytes
    body_timeout_seconds: Annotated[float, Field(gt=0)] = 10.0  # for a request's body to arrive
    total_timeout_seconds: Annotated[float, Field(gt=0)] = 60.0  # for a request to be read and answered
    connections_per_address: Annotated[int, Field(ge=1)] = 32  # open connections from one address (IPv6: /64)
    listing_max_bytes: Annotated[int, Field(ge=10_000, le=64 * 1024 * 1024)] = 3_000_000  # of one event listing


class FederationSection(Section):
    """Which peers the node may reach. Off by default: a public node never dials its own network."""

    allow_private_addresses: bool = False  # loopback, private, link-local...: for demos, tests, containers
    connect_timeout_seconds: Annotated[float, Field(gt=0)] = 5.0
    # The most bytes read of each kind of answer from another server (error answers: max_problem_bytes).
    max_document_bytes: Annotated[int, Field(ge=4096)] = 256 * 1024
    max_feed_page_bytes: Annotated[int, Field(ge=64 * 1024)] = 4 * 1024 * 1024
    max_inbox_answer_bytes: Annotated[int, Field(ge=4096)] = 512 * 1024
    max_receipt_bytes: Annotated[int, Field(ge=4096)] = 64 * 1024
    max_twinning_answer_bytes: Annotated[int, Field(ge=4096)] = 64 * 1024
    max_problem_bytes: Annotated[int, Field(ge=1024)] = 16 * 1024
    # Where the inbox verifies a large batch's signatures: "process", a process of its own started
    # at the first one (13 MB more, beside the node), while the loop reads the rest; or
    # "threads", in the node's process (node/federation/verifier.py).
    verifier: Literal["process", "threads"] = "process"


class MetricsSection(Section):
    """Who may read /metrics: the operator token always; these networks without it."""

    allow: tuple[str, ...] = ("127.0.0.0/8", "::1/128")

    @field_validator("allow")
    @classmethod
    def _networks(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for network in value:
            try:
                ipaddress.ip_network(network, strict=False)
            except ValueError:
                raise ValueError(f"{network!r} is not an address or network such as 10.0.0.0/8") from None
        return value


class LogSection(Section):
    level: str = "info"
    format: str = "json"  # json | console

    @field_validator("level")
    @classmethod
    def _level(cls, value: str) -> str:
        if value.lower() not in {"debug", "info", "warning", "error"}:
            raise ValueError("level is one of debug, info, warning, error")
        return value.lower()

    @field_validator("format")
    @classmethod
    def _format(cls, value: str) -> str:
        if value not in {"json", "console"}:
            raise ValueError("format is json or console")
        return value


class DefaultsSection(Section):
    """Terms a proposal uses where the operator gives none."""

    offer: Terms = Terms()
    request: Terms = Terms()


class PublicSection(Section):
    """The public pages (node/public): what a visitor who is not signed in sees at `/`."""

    visitors_home: Literal["space", "signin"] = "signin"  # the sign-in form (members' bookmarks), or the space


class OpenDataSection(Section):
    """The open-data catalogue (DCAT-AP_IT) at /open-data/: who publishes it, under which licence."""

    publisher: Annotated[str, Field(max_length=200)] | None = None  # default: node.name
    ipa_code: Annotated[str, Field(pattern=r"^[A-Za-z0-9_]{1,20}$")] | None = None  # Indice PA, for public bodies
    licence_url: Annotated[str, Field(pattern=r"^https?://\S+$")] = "https://creativecommons.org/licenses/by/4.0/"
    licence_name: Annotated[str, Field(min_length=1, max_length=200)] = "Creative Commons Attribution 4.0 (CC BY 4.0)"
    update_frequency: Literal["DAILY", "WEEKLY", "MONTHLY", "QUARTERLY", "ANNUAL", "IRREG"] = "MONTHLY"


class MailSection(Section):
    """Outgoing e-mail (SMTP). No `smtp_host`: the node sends no mail and offers no e-mail sign-in."""

    smtp_host: str | None = None
    smtp_port: Annotated[int, Field(ge=1, le=65535)] = 587
    security: Literal["none", "starttls", "tls"] = "starttls"
    username: str | None = None
    password_env: str | None = None  # name of the environment variable holding the password
    password_file: str | None = None  # or a file holding it (relative to the node's directory)
    from_address: OneLine | None = None  # default: "<space name>" <noreply@<host of node.url>>
    # The community manager's address: told of introductions waiting for them and of abuse reports.
    operator_address: Annotated[str, Field(pattern=r"^[^@\s<>]+@[^@\s<>]+$")] | None = None
    timeout_seconds: Annotated[float, Field(gt=0)] = 30.0
    retry_base_seconds: Annotated[float, Field(gt=0)] = 5.0
    retry_cap_seconds: Annotated[float, Field(gt=0)] = 3600.0
    reminder_hour: Annotated[int, Field(ge=0, le=23)] = 9  # the day before a visit, host's time


class OidcSection(Section):
    """Signing in with the space's own identity provider (OpenID Connect). No issuer: off."""

    issuer: str | None = None
    client_id: str | None = None
    client_secret_env: str | None = None
    scopes: str = "openid email profile"
    create_members: bool = False  # make a member on first sign-in of an unknown verified e-mail
    operator_claim: str | None = None  # e.g. "groups": a claim whose value(s) make an operator
    operator_value: str | None = None  # e.g. "gemella-operators"


class PeopleSection(Section):
    """Members: importing them, and what hosts keep about visitors."""

    visitor_name_days: Annotated[int, Field(ge=0, le=3650)] = 30  # hosts forget visitors' names after the visit
    import_max_bytes: Annotated[int, Field(ge=1024, le=64 * 1024 * 1024)] = 8 * 1024 * 1024
    import_max_rows: Annotated[int, Field(ge=1, le=200_000)] = 50_000
    # Introductions asked of our members: straight to them, or first to the community manager.
    introductions: Literal["direct", "via_operator"] = "direct"
    introductions_per_day: Annotated[int, Field(ge=1, le=1000)] = 10  # asked by one member in 24 hours
    introduction_message_chars: Annotated[int, Field(ge=50, le=2000)] = 1000


class HostingSection(Section):
    """Hosting twins' members for months: standing offers and waitlists."""

    offer_horizon_days: Annotated[int, Field(ge=7, le=400)] = 56  # a standing offer's slots exist this far ahead
    waitlist_offer_minutes: Annotated[int, Field(ge=5, le=10_080)] = 120  # how long a freed seat waits for a yes


class BookingSection(Section):
    """Reserving at twins: how long a member waits for the host, what the pass they carry is worth."""

    host_timeout_seconds: Annotated[float, Field(gt=0, le=120)] = 5.0  # then the member hears "pending"
    pass_lifetime_seconds: Annotated[int, Field(ge=60, le=86_400)] = 600  # a member pass is valid this long


class ActivityPubSection(Section):
    """The ActivityPub bridge (node/activitypub): the space as `@username@host` on the fediverse."""

    enabled: bool = True
    username: Annotated[str, Field(pattern=r"^[a-z0-9_]{1,30}$")] = "space"
    publish_interval_seconds: Annotated[float, Field(gt=0, le=3600)] = 30.0  # how often public events are compared
    give_up_after_days: Annotated[float, Field(gt=0, le=60)] = 7.0  # an undeliverable activity is dropped after this
    max_signature_age_seconds: Annotated[int, Field(ge=30, le=86400)] = 3600  # a signed Date older or newer: refused
    blocked_instances: tuple[str, ...] = ()  # hosts that get nothing and whose requests are refused
    max_followers: Annotated[int, Field(ge=1)] = 10_000  # past it a new follower is refused (403)


class Settings(Section):
    node: NodeSection
    listen: ListenSection = ListenSection()
    storage: StorageSection = StorageSection()
    delivery: DeliverySection = DeliverySection()
    limits: LimitsSection = LimitsSection()
    federation: FederationSection = FederationSection()
    metrics: MetricsSection = MetricsSection()
    log: LogSection = LogSection()
    defaults: DefaultsSection = DefaultsSection()
    public: PublicSection = PublicSection()
    open_data: OpenDataSection = OpenDataSection()
    mail: MailSection = MailSection()
    oidc: OidcSection = OidcSection()
    people: PeopleSection = PeopleSection()
    hosting: HostingSection = HostingSection()
    booking: BookingSection = BookingSection()

    activitypub: ActivityPubSection = ActivityPubSection()
    directory: Path = Path(".")

    @property
    def node_id(self) -> str:
        return self.node.url

    @property
    def database_url(self) -> str:
        """Where the store lives: a PostgreSQL URL, or sqlite:/// and the file's absolute path."""
        url = self.storage.database_url
        if url is None or url.startswith("sqlite:///"):
            return f"sqlite:///{self.database_path}"
        return url

    @property
    def database_path(self) -> Path:
        """The SQLite file (also when the node is configured for PostgreSQL: where it would be)."""
        url = self.storage.database_url
        if url is not None and url.startswith("sqlite:///"):
            return self.directory / url.removeprefix("sqlite:///")  # an absolute path stays absolute
        return self.directory / self.storage.database

    @property
    def uses_postgresql(self) -> bool:
        return not self.database_url.startswith("sqlite:///")

    @property
    def keys_dir(self) -> Path:
        return self.directory / self.storage.keys


def load_settings(directory: Path, environ: Mapping[str, str] | None = None) -> Settings:
    """Read DIR/config.yaml, apply GEMELLA_* overrides from `environ`, validate."""
    path = directory / CONFIG_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: no such file (create a node with `gemella init {directory}`)") from exc
    try:
        document = yaml.compose(text)
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(yaml_error_text(path, exc)) from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a mapping of sections")
    _apply_overrides(data, environ or {})
    data["directory"] = str(directory)
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(path, document, exc)) from exc


def yaml_error_text(path: Path, exc: yaml.YAMLError) -> str:
    """'config.yaml:3:7: mapping values are not allowed here': where, then what, as editors show it."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or getattr(exc, "context", None) or "not valid YAML"
    if mark is None:
        return f"{path}: {problem}"
    return f"{path}:{mark.line + 1}:{mark.column + 1}: {problem}"


def is_override(name: str) -> bool:
    """GEMELLA_<SECTION>__<KEY> is a config override; any other GEMELLA_ name belongs to someone else."""
    return name.startswith(ENV_PREFIX) and "__" in name.removeprefix(ENV_PREFIX).strip("_")


def _apply_overrides(data: dict[str, Any], environ: Mapping[str, str]) -> None:
    for name, value in environ.items():
        if not is_override(name):
            continue
        keys = name.removeprefix(ENV_PREFIX).lower().split("__")
        target = data
        for key in keys[:-1]:
            target = target.setdefault(key, {})
            if not isinstance(target, dict):
                break
        else:
            target[keys[-1]] = yaml.safe_load(value) if value else value


def _describe(path: Path, document: yaml.Node | None, exc: ValidationError) -> str:
    lines = []
    for error in exc.errors(include_url=False):
        loc = [str(part) for part in error["loc"]]
        line = _line_of(document, loc)
        where = f"{path}, line {line}" if line else str(path)
        lines.append(f"{where}: {'.'.join(loc)}: {error['msg']}")
    return "\n".join(lines)


def _line_of(node: yaml.Node | None, loc: list[str]) -> int | None:
    """The 1-based line of the deepest part of `loc` that the file has."""
    found: int | None = None
    for key in loc:
        if not isinstance(node, yaml.MappingNode):
            break
        for key_node, value_node in node.value:
            if key_node.value == key:
                found = key_node.start_mark.line + 1
                node = value_node
                break
        else:
            break
    return found
