"""Importing members from a CSV file, as management systems (Nexudus, OfficeRnD, Cobot) export them.

All or nothing: every line is checked first; one error and nothing is written, and the answer
lists each error with its line and column. Idempotent by e-mail: a member already here is
updated when the file says something else about them, else left as they are. The file is
bounded in bytes and rows. A cell that starts like a spreadsheet formula (`=cmd|...`) is kept
as the text it is; the CSV export (`csv_cell`) writes it back with a leading apostrophe, so a
spreadsheet never runs it.
"""

from __future__ import annotations

import base64
import csv
import io
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from node.booking import EMAIL_PATTERN, LANGUAGE_PATTERN, Member, MemberRepository
from node.clock import iso
from node.core import Node
from node.i18n import _
from node.store.tokens import hash_token

# Header names as exports spell them, lower-cased and without spaces, dashes or underscores.
ALIASES = {
    "name": ("name", "displayname", "fullname", "membername", "customername", "coworkername", "nome"),
    "first": ("firstname", "givenname"),
    "last": ("lastname", "surname", "familyname"),
    "email": ("email", "emailaddress", "mail", "e-mail"),
    "language": ("language", "locale", "preferredlanguage", "lingua"),
    "since": ("membersince", "since", "joined", "joinedat", "startdate", "createdat", "created", "signupdate"),
}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_EMAIL = re.compile(EMAIL_PATTERN)
_LANGUAGE = re.compile(LANGUAGE_PATTERN)
_DAY_MONTH_YEAR = re.compile(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$")


@dataclass(frozen=True)
class Row:
    line: int
    name: str
    email: str
    language: str | None
    since: str | None


@dataclass
class Report:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    def error(self, line: int, column: str, detail: str) -> None:
        if len(self.errors) < 200:  # enough to fix a file; a wholly wrong file is not listed in full
            # `field` and `message` too, as every validation problem's errors have them.
            error = {"line": line, "column": column, "detail": detail}
            self.errors.append(error | {"field": column or "(file)", "message": f"line {line}: {detail}"})

    def view(self, dry_run: bool) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": self.errors,
            "dry_run": dry_run,
        }


class TooManyRows(Exception):
    pass


def csv_cell(value: str | None) -> str:
    """A value for a CSV cell that a spreadsheet shows as text, never as a formula."""
    text = value or ""
    return "'" + text if text.startswith(FORMULA_START) else text


def decode(data: bytes) -> str | None:
    """The file's text (UTF-8, with or without a byte-order mark); None if it is not UTF-8."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def parse(text: str, max_rows: int, report: Report) -> list[Row]:
    """The file's rows, checked; every problem is recorded in `report` with its line and column."""
    reader = csv.reader(io.StringIO(text, newline=""), _dialect(text))
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        report.error(1, "", _("The file is empty: the first line must name the columns (name and email at least)."))
        return []
    columns = _columns(header, report)
    if columns is None:
        return []
    rows: list[Row] = []
    seen: dict[str, int] = {}
    try:
        for cells in _lines(reader):
            if len(rows) >= max_rows:
                raise TooManyRows
            row = _row(reader.line_num, cells, columns, header, report)
            if row is None:
                continue
            first = seen.setdefault(row.email.lower(), row.line)
            if first != row.line:
                report.error(
                    row.line,
                    header[columns["email"]],
                    _("This e-mail address is already on line %(line)s.", line=first),
                )
                continue
            rows.append(row)
    except csv.Error as exc:
        report.error(reader.line_num, "", _("The line cannot be read as CSV (%(error)s). Check its quotes.", error=exc))
    return rows


async def apply(node: Node, members: MemberRepository, rows: list[Row], report: Report, dry_run: bool) -> None:
    """Create or update the members (one transaction; nothing written on a dry run)."""
    now = iso(node.clock.now())
    async with node.write() as work:
        existing = await members.list_by_email(work.tx)
        new: list[tuple[Member, bytes]] = []
        for row in rows:
            found = existing.get(row.email.lower())
            if found is None:
                report.created += 1
                # One call to the system's random source per member: 12 bytes of id, 32 of calendar secret.
                raw = secrets.token_bytes(44)
                secret = base64.urlsafe_b64encode(raw[12:]).rstrip(b"=").decode()
                member = Member(raw[:12].hex(), row.name, row.email, now, row.language, row.since, True, secret)
                new.append((member, hash_token(secret)))
                continue
            wanted = replace(found, display_name=row.name, language=row.language or found.language)
            wanted = replace(wanted, member_since=row.since or found.member_since)
            if wanted == found:
                report.unchanged += 1
                continue
            report.updated += 1
            if not dry_run:
                await members.store_details(work.tx, wanted)
        if new and not dry_run:
            await members.store_many(work.tx, new)


def _dialect(text: str) -> type[csv.Dialect]:
    first_line = text.split("\n", 1)[0]
    try:
        return csv.Sniffer().sniff(first_line, delimiters=",;\t")
    except csv.Error:
        return csv.excel


def _lines(reader: Any) -> Iterator[list[str]]:
    for cells in reader:
        if any(cell.strip() for cell in cells):  # blank lines (a trailing one, most often) are skipped
            yield cells


def _columns(header: list[str], report: Report) -> dict[str, int] | None:
    found: dict[str, int] = {}
    for index, title in enumerate(header):
        key = re.sub(r"[\s_\-]", "", title.strip().lower())
        for field_name, names in ALIASES.items():
            if key in {n.replace("-", "") for n in names} and field_name not in found:
                found[field_name] = index
    no_email, no_name = "email" not in found, "name" not in found and "first" not in found
    if no_email or no_name:
        if no_email and no_name:
            text = _(
                "The first line must name an e-mail column (email) and a name column (name, or first name and "
                "last name); it has: %(columns)s.",
                columns=", ".join(header),
            )
        elif no_email:
            text = _(
                "The first line must name an e-mail column (email); it has: %(columns)s.", columns=", ".join(header)
            )
        else:
            text = _(
                "The first line must name a name column (name, or first name and last name); it has: %(columns)s.",
                columns=", ".join(header),
            )
        report.error(1, "", text)
        return None
    return found


def _row(line: int, cells: list[str], columns: dict[str, int], header: list[str], report: Report) -> Row | None:
    def cell(field_name: str) -> str:
        index = columns.get(field_name)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    before = len(report.errors)
    name = cell("name") or " ".join(p for p in (cell("first"), cell("last")) if p)
    email, language, since_text = cell("email"), cell("language"), cell("since")
    name_column = header[columns["name"]] if "name" in columns else header[columns["first"]]
    if not name:
        report.error(line, name_column, _("The name is empty."))
    elif len(name) > 100:
        report.error(line, name_column, _("The name is longer than 100 characters."))
    if not _EMAIL.match(email) or len(email) > 254:
        if email:
            text = _("“%(value)s” is not an e-mail address like ada@example.org.", value=email)
        else:
            text = _("The e-mail address is empty, not an e-mail address like ada@example.org.")
        report.error(line, header[columns["email"]], text)
    if language and not _LANGUAGE.match(language):
        report.error(
            line,
            header[columns["language"]],
            _("“%(value)s” is not a language code like en, it or pt-BR.", value=language),
        )
    since = _date(since_text)
    if since_text and since is None:
        report.error(line, header[columns["since"]], _("“%(value)s” is not a date like 2024-03-31.", value=since_text))
    if len(report.errors) > before:
        return None
    return Row(line, name, email, language or None, since)


def _date(text: str) -> str | None:
    """YYYY-MM-DD (a time after it is ignored), or DD/MM/YYYY and DD.MM.YYYY as European exports write."""
    if not text:
        return None
    head = text.strip()[:10]
    try:
        return date.fromisoformat(head).isoformat()
    except ValueError:
        pass
    found = _DAY_MONTH_YEAR.match(head)
    if found is None:
        return None
    day, month, year = (int(part) for part in found.groups())
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None
