"""The people feature's rows in the API reference (node/web/openapi.py builds the document)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from node.http import answers as a
from node.http.openapi_build import Caller, Media, Op, Query
from protocol.problems import ProblemType as P

from .routes import EmailBody, TokenBody, VerifyBody

ANYONE, USER, MEMBER, OPERATOR = Caller.ANYONE, Caller.USER, Caller.MEMBER, Caller.OPERATOR


class Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CodeAsked(Answer):
    status: str = Field(description="The same sentence whether or not the address belongs to a member.")
    binding: str = Field(description="Send it back in the Gemella-Signin header if you keep no cookies.")


class SignedIn(Answer):
    token: str = Field(description="A member bearer token for the API.")
    expires_at: str
    member_id: str


class Invited(Answer):
    id: str
    invited: Literal[True]


class ImportLineError(Answer):
    line: int
    column: str = Field(description="The column's title as the file has it; empty for the whole file.")
    detail: str
    field: str = Field(description="The column again (or `(file)`), as in every validation problem.")
    message: str = Field(description="`line N: ` and the detail.")


class ImportReport(Answer):
    created: int
    updated: int
    unchanged: int
    errors: list[ImportLineError]
    dry_run: bool


class OperatorToken(Answer):
    id: str
    name: str | None
    created_at: str
    expires_at: str | None


class NewOperatorToken(OperatorToken):
    token: str = Field(description="Shown once; stored only as a hash.")


class OperatorTokens(Answer):
    items: list[OperatorToken]


class Export(Answer):
    model_config = ConfigDict(extra="allow")
    exported_at: str
    node: dict[str, Any]
    member: dict[str, Any]
    reservations: list[dict[str, Any]]
    tokens: list[dict[str, Any]]
    mails: list[dict[str, Any]]


class Unsubscribed(Answer):
    unsubscribed: Literal[True]


CSV = Media("text/csv", "Members, one a line; the first line names the columns (name, email, language, member since).")

# fmt: off
OPERATIONS = [
    Op("POST", "/api/v1/auth/email", "askSignInCode", "Mail a one-time sign-in code and link", ANYONE,
       {202: CodeAsked}, body=EmailBody, tag="people",
       description="202 whether or not the address is known: the answer never tells. The code and link work "
       "once, for 10 minutes, with the same `gemella_signin` cookie (or Gemella-Signin header)."),
    Op("POST", "/api/v1/auth/email/verify", "verifySignInCode", "Trade a mailed code for a member token",
       ANYONE, {200: SignedIn}, (P.UNAUTHORIZED, P.RATE_LIMITED), body=VerifyBody, tag="people",
       description="A wrong code is `unauthorized`; after 5 wrong codes the address is locked for 20 minutes "
       "(`rate-limited`, with Retry-After), after 5 more for 40, and so on up to a day, until a right code."),
    Op("POST", "/api/v1/members/{id}/invite", "inviteMember", "Mail a member a first sign-in link", OPERATOR,
       {202: Invited}, (P.NOT_FOUND, P.CONFLICT), tag="members"),
    Op("POST", "/api/v1/members/import", "importMembers", "Import members from a CSV file", OPERATOR,
       {200: ImportReport}, (P.VALIDATION_ERROR, P.UNSUPPORTED_MEDIA_TYPE, P.PAYLOAD_TOO_LARGE), raw_body=CSV,
       query=(Query("dry_run", "true: report what would happen and change nothing."),), tag="members",
       description="All or nothing, idempotent by e-mail. With errors the answer is a validation-error problem "
       "with the same counts and `errors` (line, column, detail), and nothing is imported."),
    Op("GET", "/api/v1/members.csv", "exportMembersCsv", "Members as CSV (formulas escaped)", OPERATOR,
       {200: Media("text/csv", "name, email, language, member since.")}, tag="members"),
    Op("GET", "/api/v1/members/{id}/export", "exportMember", "Everything held about a member", OPERATOR,
       {200: Export}, (P.NOT_FOUND,), tag="members"),
    Op("GET", "/api/v1/me/export", "exportMine", "Everything held about me", MEMBER, {200: Export},
       (P.NOT_FOUND,), tag="members"),
    Op("DELETE", "/api/v1/members/{id}", "removeMember", "Erase a member, here and at the hosts they visited",
       USER, {200: a.MemberRemoved}, (P.NOT_FOUND, P.FORBIDDEN), tag="members",
       description="By the operator, or by the member themselves. Cancels future reservations abroad, deletes "
       "personal data here and sends each host visited a signed MemberErasure."),
    Op("GET", "/api/v1/tokens", "listOperatorTokens", "Operator tokens (ids and names)", OPERATOR,
       {200: OperatorTokens}, tag="people"),
    Op("POST", "/api/v1/tokens", "createOperatorToken", "Make a named operator token", OPERATOR,
       {201: NewOperatorToken}, body=TokenBody, tag="people"),
    Op("DELETE", "/api/v1/tokens/{id}", "revokeOperatorToken", "Revoke an operator token", OPERATOR,
       {200: Media("application/json", "Revoked.", {"type": "object"})}, (P.NOT_FOUND,), tag="people"),
    Op("POST", "/api/v1/unsubscribe/{member}/{sig}", "unsubscribe", "One-click unsubscribe (RFC 8058)", ANYONE,
       {200: Unsubscribed}, (P.NOT_FOUND,), tag="people"),
]
# fmt: on
