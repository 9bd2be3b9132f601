"""Storage of e-mail sign-in: one-time codes and links (as hashes), and wrong-code counts.

Every method that decides (is this code live? is this address locked?) reads inside the
writing transaction, so two requests racing with one code cannot both use it.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiosqlite import Connection

from node.store.db import Row


@dataclass(frozen=True)
class SignInCode:
    id: str
    member_id: str
    email: str
    code_hash: bytes
    binding_hash: bytes | None
    purpose: str
    expires_at: str
    used_at: str | None

    @classmethod
    def from_row(cls, row: Row) -> SignInCode:
        binding = row["binding_hash"]
        return cls(
            row["id"],
            row["member_id"],
            row["email"],
            bytes(row["code_hash"]),
            bytes(binding) if binding is not None else None,
            row["purpose"],
            row["expires_at"],
            row["used_at"],
        )


@dataclass(frozen=True)
class Failures:
    failures: int
    locked_until: str | None


class SignInRepository:
    async def store_code(self, tx: Connection, code: SignInCode, link_hash: bytes, created_at: str) -> None:
        await tx.execute(
            "INSERT INTO signin_codes (id, member_id, email, code_hash, link_hash, binding_hash, purpose, expires_at, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                code.id,
                code.member_id,
                code.email,
                code.code_hash,
                link_hash,
                code.binding_hash,
                code.purpose,
                code.expires_at,
                created_at,
            ),
        )

    async def list_live_codes(self, tx: Connection, email: str, now: str) -> list[SignInCode]:
        rows = await tx.execute_fetchall(
            "SELECT * FROM signin_codes WHERE email = ? AND used_at IS NULL AND expires_at > ? ORDER BY created_at",
            (email, now),
        )
        return [SignInCode.from_row(r) for r in rows]

    async def count_recent(self, tx: Connection, email: str, since: str) -> int:
        rows = list(
            await tx.execute_fetchall(
                "SELECT COUNT(*) FROM signin_codes WHERE email = ? AND created_at > ? AND purpose = 'signin'",
                (email, since),
            )
        )
        return int(rows[0][0])

    async def get_by_link(self, tx: Connection, link_hash: bytes) -> SignInCode | None:
        rows = list(await tx.execute_fetchall("SELECT * FROM signin_codes WHERE link_hash = ?", (link_hash,)))
        return SignInCode.from_row(rows[0]) if rows else None

    async def store_used(self, tx: Connection, code_id: str, at: str) -> None:
        await tx.execute("UPDATE signin_codes SET used_at = ? WHERE id = ?", (at, code_id))

    async def forget_old(self, tx: Connection, before: str) -> None:
        """Codes and counts nobody can use any more (expired a day ago) are deleted."""
        await tx.execute("DELETE FROM signin_codes WHERE expires_at < ?", (before,))
        await tx.execute(
            "DELETE FROM signin_failures WHERE updated_at < ? AND (locked_until IS NULL OR locked_until < ?)",
            (before, before),
        )

    async def forget_member(self, tx: Connection, member_id: str, email: str) -> None:
        await tx.execute("DELETE FROM signin_codes WHERE member_id = ? OR email = ?", (member_id, email))
        await tx.execute("DELETE FROM signin_failures WHERE email = ?", (email,))

    async def get_failures(self, tx: Connection, email: str) -> Failures:
        rows = list(
            await tx.execute_fetchall("SELECT failures, locked_until FROM signin_failures WHERE email = ?", (email,))
        )
        return Failures(int(rows[0][0]), rows[0][1]) if rows else Failures(0, None)

    async def store_failures(self, tx: Connection, email: str, failures: Failures, at: str) -> None:
        await tx.execute(
            "INSERT INTO signin_failures (email, failures, locked_until, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (email) DO UPDATE SET failures = excluded.failures, locked_until = excluded.locked_until, "
            "updated_at = excluded.updated_at",
            (email, failures.failures, failures.locked_until, at),
        )

    async def delete_failures(self, tx: Connection, email: str) -> None:
        await tx.execute("DELETE FROM signin_failures WHERE email = ?", (email,))
