-- Current definitions: what the read rows must be, from the write tables alone
--
-- *_rows(keys) derive the rows of read.branch, read.specialty, read.class,
-- read.trainer and read.search_term for some keys; the projection (projection.sql), the check (check.sql)
-- and the shadow rebuild (shadow.sql) all derive through them. read.derivation*()
-- name the full derivation of a relation, as the shadow load and the check run it.
--
-- This folder (trainers/sql/current/) holds the one current definition of every
-- function and trigger of the read model; edit them here, in place. Each file is
-- re-runnable (CREATE OR REPLACE, DROP TRIGGER IF EXISTS + CREATE TRIGGER).
-- A database gets them only through a migration that applies a frozen snapshot:
-- `python -m trainers.sqlfiles freeze NNNN_name` (docs/read-model.md, "Changing a
-- definition"). Tables, sequences and indexes live in the migrations' own SQL.

-- A branch and its count of public trainers: one grouped count for all `ids`.
CREATE OR REPLACE FUNCTION read.branch_rows(ids bigint[])
RETURNS TABLE (id bigint, slug text, name text, city text, timezone text, trainer_count integer)
LANGUAGE sql STABLE AS $$
    SELECT b.id, b.slug, b.name, b.city, b.timezone, coalesce(n.trainers, 0)::integer
      FROM trainers_branch b
      LEFT JOIN (SELECT t.branch_id, count(*) AS trainers FROM trainers_trainer t
                  WHERE t.branch_id = ANY(ids) AND read.is_public(t.status)
                  GROUP BY t.branch_id) n ON n.branch_id = b.id
     WHERE b.id = ANY(ids)
$$;

-- A specialty and its count of public trainers: one grouped count for all `ids`.
CREATE OR REPLACE FUNCTION read.specialty_rows(ids bigint[])
RETURNS TABLE (id bigint, slug text, name text, trainer_count integer)
LANGUAGE sql STABLE AS $$
    SELECT s.id, s.slug, s.name, coalesce(n.trainers, 0)::integer
      FROM trainers_specialty s
      LEFT JOIN (SELECT ts.specialty_id, count(*) AS trainers
                   FROM trainers_trainer_specialties ts
                   JOIN trainers_trainer t ON t.id = ts.trainer_id
                  WHERE ts.specialty_id = ANY(ids) AND read.is_public(t.status)
                  GROUP BY ts.specialty_id) n ON n.specialty_id = s.id
     WHERE s.id = ANY(ids)
$$;

-- The classes taught by the public trainers among `trainer_ids`.
CREATE OR REPLACE FUNCTION read.class_rows(trainer_ids uuid[])
RETURNS TABLE (id bigint, branch_id bigint, weekday smallint, start_time time,
               trainer_id uuid, doc jsonb)
LANGUAGE sql STABLE AS $$
    SELECT g.id, g.branch_id, g.weekday, g.start_time, g.trainer_id,
           jsonb_build_object(
               'id', g.id,
               'title', g.title,
               'weekday', g.weekday,
               'start_time', to_char(g.start_time, 'HH24:MI'),
               'duration_minutes', g.duration_minutes,
               'capacity', g.capacity,
               'branch', jsonb_build_object('slug', b.slug, 'name', b.name),
               'trainer', jsonb_build_object(
                   'id', t.id, 'slug', t.slug, 'first_name', t.first_name,
                   'last_name', t.last_name, 'on_leave', t.status = 'on_leave'))
      FROM trainers_gymclass g
      JOIN trainers_trainer t ON t.id = g.trainer_id
      JOIN trainers_branch b ON b.id = g.branch_id
     WHERE g.trainer_id = ANY(trainer_ids) AND read.is_public(t.status)
$$;

-- A trainer's uploaded photo (trainers_trainer.photo, written by trainers/photos/files.py)
-- as the public documents carry it: the largest rendition (JPEG) as `url`, the WebP
-- renditions as an HTML `srcset` by width, `alt` from the trainer's name; null without
-- one. PL/pgSQL: the renditions (written in width order) are joined in a loop, and
-- sorted by a query only when they are not in order. The SQL function's sub-select kept
-- it from being inlined, and a call cost twice this one's (~11 us: a rebuild calls it
-- for every trainer; migration 0026).
CREATE OR REPLACE FUNCTION read.photo_document(photo jsonb, alt text) RETURNS json
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    renditions jsonb := photo -> 'renditions';
    n integer := CASE jsonb_typeof(renditions) WHEN 'array' THEN jsonb_array_length(renditions)
                 ELSE 0 END;
    srcset text;
    i integer;
BEGIN
    IF photo IS NULL THEN
        RETURN NULL;
    END IF;
    FOR i IN 1 .. n - 1 LOOP
        IF (renditions -> (i - 1) ->> 'width')::integer > (renditions -> i ->> 'width')::integer THEN
            SELECT string_agg((r ->> 'url') || ' ' || (r ->> 'width') || 'w', ', '
                              ORDER BY (r ->> 'width')::integer)
              INTO srcset FROM jsonb_array_elements(renditions) r;
            n := 0;  -- sorted: nothing left to join
            EXIT;
        END IF;
    END LOOP;
    FOR i IN 0 .. n - 1 LOOP
        srcset := CASE WHEN i = 0 THEN '' ELSE srcset || ', ' END
                  || (renditions -> i ->> 'url') || ' ' || (renditions -> i ->> 'width') || 'w';
    END LOOP;
    RETURN json_build_object('url', photo -> 'url', 'width', photo -> 'width',
                             'height', photo -> 'height', 'srcset', srcset, 'alt', alt);
END
$$;

-- The public trainers among `ids`, with their documents (`item` for lists, `profile`
-- for the detail page) and the slugs that still lead to them (`former_slugs`, from
-- trainers_formerslug: slugs.sql). Certifications, classes, specialties and former
-- slugs are one grouped subquery each, restricted to `ids`: index scans for a few trainers, one ordered
-- pass for all of them. Nested documents are built as json and converted to jsonb
-- once per document.
CREATE OR REPLACE FUNCTION read.trainer_rows(ids uuid[])
RETURNS TABLE (id uuid, slug text, sort_key text, names text, first_name text, last_name text,
               "position" text, shift text, on_leave boolean, hired_on date, branch_id bigint,
               specialty_ids bigint[], weekdays smallint[], search tsvector, version integer,
               item jsonb, profile jsonb, former_slugs text[])
LANGUAGE sql STABLE AS $$
    SELECT t.id, t.slug,
           lower(t.last_name || ' ' || t.first_name || ' ' || t.slug) COLLATE "C",
           t.first_name || ' ' || t.last_name,
           t.first_name, t.last_name, t.position, t.shift, t.status = 'on_leave', t.hired_on,
           t.branch_id, coalesce(sp.id_list, '{}'), coalesce(cl.weekdays, '{}'),
           setweight(to_tsvector('simple', t.first_name || ' ' || t.last_name), 'A')
             || setweight(to_tsvector('simple', coalesce(sp.names, '')), 'B')
             || setweight(to_tsvector('simple', t.bio), 'C'),
           t.version,
           json_build_object(
               'id', t.id, 'slug', t.slug,
               'first_name', t.first_name, 'last_name', t.last_name,
               'position', t.position, 'shift', t.shift,
               'on_leave', t.status = 'on_leave',
               'photo_url', coalesce(t.photo ->> 'url', nullif(t.photo_url, '')),
               'photo', read.photo_document(t.photo, t.first_name || ' ' || t.last_name),
               'branch', json_build_object('slug', b.slug, 'name', b.name, 'city', b.city),
               'specialties', coalesce(sp.docs, '[]'))::jsonb,
           json_build_object(
               'bio', t.bio,
               'weekdays', coalesce(cl.weekdays, '{}'),
               'certifications', coalesce(ce.docs, '[]'),
               'classes', coalesce(cl.docs, '[]'))::jsonb,
           coalesce(fs.slugs, '{}')
      FROM trainers_trainer t
      JOIN trainers_branch b ON b.id = t.branch_id
      LEFT JOIN (
          SELECT ts.trainer_id,
                 array_agg(s.id ORDER BY s.id) AS id_list,
                 string_agg(s.name, ' ' ORDER BY s.id) AS names,
                 json_agg(json_build_object('slug', s.slug, 'name', s.name)
                           ORDER BY s.name, s.slug) AS docs
            FROM trainers_trainer_specialties ts
            JOIN trainers_specialty s ON s.id = ts.specialty_id
           WHERE ts.trainer_id = ANY(ids)
           GROUP BY ts.trainer_id) sp ON sp.trainer_id = t.id
      LEFT JOIN (
          SELECT c.trainer_id,
                 json_agg(json_build_object(
                     'name', c.name, 'issuer', c.issuer,
                     'issued_on', c.issued_on, 'expires_on', c.expires_on)
                 ORDER BY c.issued_on DESC, c.name, c.id) AS docs
            FROM trainers_certification c
           WHERE c.trainer_id = ANY(ids)
           GROUP BY c.trainer_id) ce ON ce.trainer_id = t.id
      LEFT JOIN (
          SELECT g.trainer_id,
                 array_agg(DISTINCT g.weekday ORDER BY g.weekday) AS weekdays,
                 json_agg(json_build_object(
                     'id', g.id, 'title', g.title, 'weekday', g.weekday,
                     'start_time', to_char(g.start_time, 'HH24:MI'),
                     'duration_minutes', g.duration_minutes,
                     'branch', json_build_object('slug', gb.slug, 'name', gb.name))
                 ORDER BY g.weekday, g.start_time, g.id) AS docs
            FROM trainers_gymclass g
            JOIN trainers_branch gb ON gb.id = g.branch_id
           WHERE g.trainer_id = ANY(ids)
           GROUP BY g.trainer_id) cl ON cl.trainer_id = t.id
      LEFT JOIN (
          SELECT f.trainer_id, array_agg(f.slug ORDER BY f.slug) AS slugs
            FROM trainers_formerslug f
           WHERE f.trainer_id = ANY(ids)
           GROUP BY f.trainer_id) fs ON fs.trainer_id = t.id
     WHERE t.id = ANY(ids) AND read.is_public(t.status)
$$;

-- The words of public trainers' names and specialty names, one row per trainer and
-- word (a lexeme that read.trainer.search holds at weight A or B). `score` sums the
-- word's occurrences in the trainer's names (1), specialty names (0.5) and bio (0.25):
-- binary fractions, so that sums and the search's cursor arithmetic stay exact (counted
-- with array_positions: a sub-select over the weights, once per row, cost 1 of the
-- 4.3 s that deriving every row took at 100k; migration 0026). The
-- search reads a word's rows best first to bound its work (readapi/handlers/search.py;
-- docs/read-model.md, "Search"). The id is a digest of trainer and word, so a row
-- keeps its id, and its rev, across writes that do not change it.
CREATE OR REPLACE FUNCTION read.search_term_rows(trainer_ids uuid[])
RETURNS TABLE (id uuid, term text, trainer_id uuid, score real)
LANGUAGE sql STABLE AS $$
    SELECT md5(v.id::text || ' ' || u.lexeme)::uuid, u.lexeme, v.id,
           (cardinality(array_positions(u.weights, 'A'))
            + 0.5 * cardinality(array_positions(u.weights, 'B'))
            + 0.25 * cardinality(array_positions(u.weights, 'C')))::real
      FROM (SELECT t.id,
                   setweight(to_tsvector('simple', t.first_name || ' ' || t.last_name), 'A')
                     || setweight(to_tsvector('simple', coalesce(sp.names, '')), 'B')
                     || setweight(to_tsvector('simple', t.bio), 'C') AS words
              FROM trainers_trainer t
              LEFT JOIN (
                  SELECT ts.trainer_id, string_agg(s.name, ' ' ORDER BY s.id) AS names
                    FROM trainers_trainer_specialties ts
                    JOIN trainers_specialty s ON s.id = ts.specialty_id
                   WHERE ts.trainer_id = ANY(trainer_ids)
                   GROUP BY ts.trainer_id) sp ON sp.trainer_id = t.id
             WHERE t.id = ANY(trainer_ids) AND read.is_public(t.status)) v,
           unnest(v.words) u
     WHERE u.weights && ARRAY['A', 'B']
$$;

-- Relation -> the function that derives its rows.
CREATE OR REPLACE FUNCTION read.derivation_function(rel text) RETURNS text
LANGUAGE sql IMMUTABLE
RETURN CASE rel
    WHEN 'branch' THEN 'read.branch_rows'
    WHEN 'specialty' THEN 'read.specialty_rows'
    WHEN 'trainer' THEN 'read.trainer_rows'
    WHEN 'class' THEN 'read.class_rows'
    WHEN 'search_term' THEN 'read.search_term_rows'
END;

-- The keys a full derivation of `rel` covers.
CREATE OR REPLACE FUNCTION read.derivation_keys(rel text) RETURNS text
LANGUAGE sql IMMUTABLE
RETURN CASE rel
    WHEN 'branch' THEN 'SELECT id FROM trainers_branch'
    WHEN 'specialty' THEN 'SELECT id FROM trainers_specialty'
    WHEN 'trainer' THEN 'SELECT id FROM trainers_trainer'
    WHEN 'class' THEN 'SELECT id FROM trainers_trainer'
    WHEN 'search_term' THEN 'SELECT id FROM trainers_trainer'
END;

-- Relation -> what its rows must be, as one expression (read.check_relation() runs it).
CREATE OR REPLACE FUNCTION read.derivation(rel text) RETURNS text
LANGUAGE sql IMMUTABLE
RETURN read.derivation_function(rel) || '(ARRAY(' || read.derivation_keys(rel) || '))';
