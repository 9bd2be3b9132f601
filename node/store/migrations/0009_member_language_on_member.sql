-- A member's language lives on the member now (members.language, which an import also sets): the
-- choices made with the pages' language switcher move there, and their table goes.
UPDATE members SET language = (SELECT language FROM member_languages WHERE member_id = members.id)
 WHERE language IS NULL AND id IN (SELECT member_id FROM member_languages);
DROP TABLE member_languages;
