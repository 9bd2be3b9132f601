-- The language a member chose for pages and mails (en, it, es); deleted with the member.
CREATE TABLE member_languages (
    member_id TEXT PRIMARY KEY REFERENCES members (id) ON DELETE CASCADE,
    language  TEXT NOT NULL
);
