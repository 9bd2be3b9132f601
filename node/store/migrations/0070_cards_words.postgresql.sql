-- The directory's full-text search on PostgreSQL (node/store/card_search.py): a GIN index over
-- each card's words, weighted as SQLite's bm25 weighs its FTS5 columns (the name most, then the
-- vocabulary's labels, the headline, the rest), with the 'simple' configuration (no stemming,
-- no stop words: every language alike) and diacritics removed as FTS5's `remove_diacritics`
-- does, so "citta" finds "Città". It replaces 0041's unweighted index. The query calls the same
-- functions on the member's words, so both sides are folded alike.
DROP INDEX IF EXISTS cards_fts;

CREATE FUNCTION card_fold(value text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT regexp_replace(normalize(coalesce(value, ''), NFD), '[\u0300-\u036f]', '', 'g')
$$;

CREATE FUNCTION card_words(display_name text, headline text, bio text, terms text, city text, looking_for text)
    RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT setweight(to_tsvector('simple', card_fold(display_name)), 'A')
        || setweight(to_tsvector('simple', card_fold(terms)), 'B')
        || setweight(to_tsvector('simple', card_fold(headline)), 'C')
        || setweight(to_tsvector('simple', card_fold(bio) || ' ' || card_fold(city) || ' ' || card_fold(looking_for)), 'D')
$$;

CREATE INDEX cards_words ON cards USING gin (card_words(display_name, headline, bio, terms, city, looking_for));
