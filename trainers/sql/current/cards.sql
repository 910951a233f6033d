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
-- A stored card changes only when its row is written: a migration that changes what
-- read.card_html writes must also rewrite the column (drop and add it; docs/read-model.md,
-- "Changing a definition"); one that only makes it faster (0024) need not.
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
--
-- PL/pgSQL, so that the item is read once (migration 0024): `item || '{}'` is one
-- aligned copy of it, which every `->>` then reads in place, where each `->>` on the
-- stored value copied the whole item again (twenty times a card); and the
-- specialties are a loop, not a sub-select, which kept the SQL function from being
-- inlined (an executor run per card). 36 us -> 5 us a card at 100,000 trainers: a
-- rebuild derives every card and a write its own (docs/performance.md). The text is
-- the one the SQL definition of migration 0023 wrote, for any item (a test holds the
-- two equal), so stored cards stay as they are.
CREATE OR REPLACE FUNCTION read.card_html(item jsonb) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    doc jsonb := item || '{}'::jsonb;
    photo jsonb := doc -> 'photo';
    branch jsonb := doc -> 'branch';
    specialties jsonb := doc -> 'specialties';
    name text;
    tags text;
    html text;
BEGIN
    html := '<li class="card" data-id="' || read.html_escape(doc ->> 'id') || '">'
    || CASE
        WHEN jsonb_typeof(photo) = 'object' THEN
            '<img class="photo" src="' || read.html_escape(photo ->> 'url')
            || '" srcset="' || read.html_escape(photo ->> 'srcset')
            || '" sizes="96px" width="' || read.html_escape(photo ->> 'width')
            || '" height="' || read.html_escape(photo ->> 'height')
            || '" alt="" loading="lazy" decoding="async">'
        WHEN coalesce(doc ->> 'photo_url', '') <> '' THEN
            '<img class="photo" src="' || read.html_escape(doc ->> 'photo_url')
            || '" alt="" loading="lazy">'
        ELSE
            '<div class="initials" aria-hidden="true">'
            || read.html_escape(upper(left(doc ->> 'first_name', 1) || left(doc ->> 'last_name', 1)))
            || '</div>'
       END
    || '<div><h2><a href="/trainers/' || read.html_escape(doc ->> 'slug') || '">'
    || read.html_escape(doc ->> 'first_name') || ' ' || read.html_escape(doc ->> 'last_name') || '</a>'
    || CASE WHEN (doc ->> 'on_leave')::boolean THEN ' <span class="badge">On leave</span>'
            ELSE '' END
    || '</h2><p>' || chr(1) || ' &middot; ' || read.html_escape(branch ->> 'name') || ', '
    || read.html_escape(branch ->> 'city') || '</p><p>' || chr(2) || '</p>';
    -- As string_agg did: names in order, a missing one left out, none: no list.
    FOR i IN 0 .. coalesce(jsonb_array_length(specialties), 0) - 1 LOOP
        name := read.html_escape(specialties -> i ->> 'name');
        IF name IS NOT NULL THEN
            tags := coalesce(tags || '</li><li>', '') || name;
        END IF;
    END LOOP;
    html := html || coalesce('<ul class="tags" aria-label="Specialties"><li>' || tags || '</li></ul>', '')
            || '</div></li>';
    -- read.html_ascii, past its pattern match when the card is ASCII (most are).
    RETURN CASE WHEN octet_length(html) = length(html) THEN html ELSE read.html_ascii(html) END;
END
$$;
