-- Current definitions: a trainer's card on the public directory, as HTML
--
-- The directory (readapi/pages/directory.py) shows twenty cards a page. Each card is
-- written once, when its read row is written: `read.trainer.card_html`, a column
-- PostgreSQL generates from `item` with read.card_html (migration 0023), so a page
-- splices twenty stored texts instead of parsing its JSON and writing every card again.
-- What depends on the day or the page stays out of the stored text: chr(1) stands for
-- the position's label and chr(2) for the tenure, both written by the page's statement
-- (readapi/pages/directory.py `CARDS`), which also drops `loading="lazy"` from the
-- cards above the fold.
--
-- A stored card changes only when its row is written: a migration that changes
-- read.card_html must also rewrite the column (drop and add it; docs/read-model.md,
-- "Changing a definition").
--
-- This folder (trainers/sql/current/) holds the one current definition of every
-- function and trigger of the read model; edit them here, in place. Each file is
-- re-runnable (CREATE OR REPLACE, DROP TRIGGER IF EXISTS + CREATE TRIGGER).
-- A database gets them only through a migration that applies a frozen snapshot:
-- `python -m trainers.sqlfiles freeze NNNN_name` (docs/read-model.md, "Changing a
-- definition"). Tables, sequences and indexes live in the migrations' own SQL.

-- A value as HTML text or a quoted attribute value: the five characters markup gives
-- meaning to, as references. Inlined where it is used (a plain expression).
CREATE OR REPLACE FUNCTION read.html_escape(value text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN replace(replace(replace(replace(replace(value,
    '&', '&amp;'), '<', '&lt;'), '>', '&gt;'), '"', '&quot;'), '''', '&#x27;');

-- HTML in ASCII: every character beyond ASCII as a numeric reference. Together with
-- read.html_escape, what readapi/pages/html.py `text` writes (a test holds them equal);
-- applied once to a whole card, whose markup is ASCII.
CREATE OR REPLACE FUNCTION read.html_ascii(html text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN CASE
    WHEN html !~ '[^\x01-\x7f]' THEN html
    ELSE (SELECT string_agg(CASE WHEN ascii(c) > 127 THEN '&#' || ascii(c) || ';' ELSE c END,
                            '' ORDER BY n)
            FROM regexp_split_to_table(html, '') WITH ORDINALITY AS x (c, n))
END;

-- A list item (read.trainer.item) as its card: the photo (WebP widths in `srcset`, the
-- JPEG as fallback) or the initials, the name linking to the profile, on leave, the
-- position (chr(1)), branch and city, the tenure (chr(2)) and the specialties.
CREATE OR REPLACE FUNCTION read.card_html(item jsonb) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN read.html_ascii('<li class="card" data-id="' || read.html_escape(item ->> 'id') || '">'
    || CASE
        WHEN jsonb_typeof(item -> 'photo') = 'object' THEN
            '<img class="photo" src="' || read.html_escape(item -> 'photo' ->> 'url')
            || '" srcset="' || read.html_escape(item -> 'photo' ->> 'srcset')
            || '" sizes="96px" width="' || read.html_escape(item -> 'photo' ->> 'width')
            || '" height="' || read.html_escape(item -> 'photo' ->> 'height')
            || '" alt="" loading="lazy" decoding="async">'
        WHEN coalesce(item ->> 'photo_url', '') <> '' THEN
            '<img class="photo" src="' || read.html_escape(item ->> 'photo_url')
            || '" alt="" loading="lazy">'
        ELSE
            '<div class="initials" aria-hidden="true">'
            || read.html_escape(upper(left(item ->> 'first_name', 1) || left(item ->> 'last_name', 1)))
            || '</div>'
       END
    || '<div><h2><a href="/trainers/' || read.html_escape(item ->> 'slug') || '">'
    || read.html_escape(item ->> 'first_name') || ' ' || read.html_escape(item ->> 'last_name') || '</a>'
    || CASE WHEN (item ->> 'on_leave')::boolean THEN ' <span class="badge">On leave</span>'
            ELSE '' END
    || '</h2><p>' || chr(1) || ' &middot; ' || read.html_escape(item -> 'branch' ->> 'name') || ', '
    || read.html_escape(item -> 'branch' ->> 'city') || '</p><p>' || chr(2) || '</p>'
    || coalesce('<ul class="tags" aria-label="Specialties"><li>'
                || (SELECT string_agg(read.html_escape(s ->> 'name'), '</li><li>' ORDER BY n)
                      FROM jsonb_array_elements(item -> 'specialties') WITH ORDINALITY AS x (s, n))
                || '</li></ul>', '')
    || '</div></li>');
