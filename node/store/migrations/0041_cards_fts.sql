-- SQLite only: the directory's full-text index over `cards` (FTS5, external content).
-- PostgreSQL gets its own version of this file (a tsvector column and a GIN index). `languages`
-- (the JSON list's text: its tags as words) lets a search with words filter by language inside
-- the index, instead of row by row.
CREATE VIRTUAL TABLE cards_fts USING fts5 (
    display_name, headline, bio, terms, city, looking_for, languages,
    content = 'cards', content_rowid = 'pk', tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER cards_fts_insert AFTER INSERT ON cards BEGIN
    INSERT INTO cards_fts (rowid, display_name, headline, bio, terms, city, looking_for, languages)
    VALUES (new.pk, new.display_name, new.headline, new.bio, new.terms, new.city, new.looking_for, new.languages);
END;

CREATE TRIGGER cards_fts_delete AFTER DELETE ON cards BEGIN
    INSERT INTO cards_fts (cards_fts, rowid, display_name, headline, bio, terms, city, looking_for, languages)
    VALUES ('delete', old.pk, old.display_name, old.headline, old.bio, old.terms, old.city, old.looking_for, old.languages);
END;

CREATE TRIGGER cards_fts_update AFTER UPDATE ON cards BEGIN
    INSERT INTO cards_fts (cards_fts, rowid, display_name, headline, bio, terms, city, looking_for, languages)
    VALUES ('delete', old.pk, old.display_name, old.headline, old.bio, old.terms, old.city, old.looking_for, old.languages);
    INSERT INTO cards_fts (rowid, display_name, headline, bio, terms, city, looking_for, languages)
    VALUES (new.pk, new.display_name, new.headline, new.bio, new.terms, new.city, new.looking_for, new.languages);
END;
