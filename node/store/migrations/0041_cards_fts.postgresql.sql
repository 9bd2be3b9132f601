-- PostgreSQL's version of 0041_cards_fts.sql: the directory's words indexed over `cards` with a
-- GIN index on their tsvector (no FTS5 table, no triggers: the index follows the rows itself).
-- The directory's search query (node/profiles/directory.py) is still SQLite's FTS5 MATCH: on
-- PostgreSQL it is not ported yet (docs/ARCHITECTURE.md, "Two databases").
CREATE INDEX cards_fts ON cards USING gin (to_tsvector('simple',
    coalesce(display_name, '') || ' ' || coalesce(headline, '') || ' ' || coalesce(bio, '') || ' ' ||
    coalesce(terms, '') || ' ' || coalesce(city, '') || ' ' || coalesce(looking_for, '') || ' ' ||
    coalesce(languages, '')));
