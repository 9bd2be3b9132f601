-- PostgreSQL's version of 0041_cards_fts.sql: the directory's words indexed over `cards` with a
-- GIN index on their tsvector (no FTS5 table, no triggers: the index follows the rows itself).
-- 0070 replaces it with the weighted index the directory's search uses (node/store/card_search.py).
CREATE INDEX cards_fts ON cards USING gin (to_tsvector('simple',
    coalesce(display_name, '') || ' ' || coalesce(headline, '') || ' ' || coalesce(bio, '') || ' ' ||
    coalesce(terms, '') || ' ' || coalesce(city, '') || ' ' || coalesce(looking_for, '') || ' ' ||
    coalesce(languages, '')));
