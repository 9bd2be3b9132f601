-- Members as people: e-mail sign-in codes and their lock-out, what the CSV import and the
-- mails need to know about a member, the calendar address they can see again, named tokens.

-- One-time sign-in codes and links (mailed). Only hashes are kept. `binding_hash` ties a code
-- to the browser that asked (the hash of its gemella_signin cookie); NULL for an invitation,
-- which the operator's browser asked for on the member's behalf.
CREATE TABLE signin_codes (
    id            TEXT PRIMARY KEY,
    member_id     TEXT NOT NULL,
    email         TEXT NOT NULL COLLATE NOCASE,
    code_hash     BLOB NOT NULL,            -- SHA-256 of id + ':' + the code
    link_hash     BLOB NOT NULL UNIQUE,     -- SHA-256 of the link's secret
    binding_hash  BLOB,
    purpose       TEXT NOT NULL CHECK (purpose IN ('signin', 'invitation')),
    expires_at    TEXT NOT NULL,
    used_at       TEXT,
    created_at    TEXT NOT NULL
);
CREATE INDEX signin_codes_email ON signin_codes (email, expires_at);

-- Wrong codes per e-mail address (known or not, so the answers cannot tell them apart).
CREATE TABLE signin_failures (
    email         TEXT PRIMARY KEY COLLATE NOCASE,
    failures      INTEGER NOT NULL,
    locked_until  TEXT,
    updated_at    TEXT NOT NULL
);

ALTER TABLE members ADD COLUMN language TEXT;             -- e.g. 'it', for mails and pages
ALTER TABLE members ADD COLUMN member_since TEXT;         -- YYYY-MM-DD, from the space's records
ALTER TABLE members ADD COLUMN optional_mail INTEGER NOT NULL DEFAULT 1;  -- 0: unsubscribed from reminders
ALTER TABLE members ADD COLUMN oidc_subject TEXT;         -- 'issuer sub' of the space's identity provider
-- The calendar address is a read-only capability for data the database holds anyway, so it
-- is kept to be shown again on "My account"; NULL for members made before this column.
ALTER TABLE members ADD COLUMN calendar_secret TEXT;
CREATE INDEX members_email ON members (email COLLATE NOCASE);
CREATE UNIQUE INDEX members_oidc ON members (oidc_subject) WHERE oidc_subject IS NOT NULL;

-- Named operator tokens, listed and revoked by an id made from their hash (the token itself
-- is still never stored).
ALTER TABLE tokens ADD COLUMN name TEXT;
