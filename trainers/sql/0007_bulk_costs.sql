-- Seed and rebuild at 100,000 trainers: what made them cost what they did, and the
-- changes (docs/performance.md, "Seed and rebuild"). What the read model contains
-- does not change: every function here returns what its previous definition returned.

-- 1. project_trainers found the classes to delete with
--      c.trainer_id = ANY(ids) OR c.id IN (the classes of ids in the write model)
--    which no index answers: a sequential scan of read.class comparing each row with
--    every id. PL/pgSQL switches to a generic plan after five calls, where `ANY($1)` is
--    a linear search: a bulk import of 2,000 trainers spent 2.2 s of each batch there
--    at 100,000 trainers, growing with the table. A UNION of the two index lookups
--    costs 30 ms for 2,000 trainers and 0.2 ms for one.
CREATE OR REPLACE FUNCTION read.project_trainers(ids uuid[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    old_branches bigint[];
    old_specialties bigint[];
BEGIN
    IF coalesce(cardinality(ids), 0) = 0 THEN
        RETURN;
    END IF;
    -- What these trainers counted in the facets before; locked, so that a concurrent
    -- projection of the same trainer waits and then starts from this one's result.
    PERFORM FROM read.trainer r WHERE r.id = ANY(ids) ORDER BY r.id FOR UPDATE;
    old_branches := ARRAY(SELECT r.branch_id FROM read.trainer r WHERE r.id = ANY(ids));
    old_specialties := ARRAY(
        SELECT unnest(r.specialty_ids) FROM read.trainer r WHERE r.id = ANY(ids));

    DELETE FROM read.trainer r
     WHERE r.id = ANY(ids)
       AND NOT EXISTS (SELECT FROM trainers_trainer t
                        WHERE t.id = r.id AND read.is_public(t.status));
    INSERT INTO read.trainer AS r (id, slug, sort_key, names, first_name, last_name, "position",
                                   shift, on_leave, hired_on, branch_id, specialty_ids, weekdays,
                                   search, version, item, profile)
    SELECT * FROM read.trainer_rows(ids) ORDER BY 1
    ON CONFLICT (id) DO UPDATE
       SET slug = excluded.slug, sort_key = excluded.sort_key, names = excluded.names,
           first_name = excluded.first_name, last_name = excluded.last_name,
           "position" = excluded."position", shift = excluded.shift,
           on_leave = excluded.on_leave, hired_on = excluded.hired_on,
           branch_id = excluded.branch_id, specialty_ids = excluded.specialty_ids,
           weekdays = excluded.weekdays, search = excluded.search, version = excluded.version,
           item = excluded.item, profile = excluded.profile, rev = nextval('read.rev')
     WHERE (r.slug, r.sort_key, r.names, r.first_name, r.last_name, r."position", r.shift,
            r.on_leave, r.hired_on, r.branch_id, r.specialty_ids, r.weekdays, r.search,
            r.version, r.item, r.profile)
           IS DISTINCT FROM
           (excluded.slug, excluded.sort_key, excluded.names, excluded.first_name,
            excluded.last_name, excluded."position", excluded.shift, excluded.on_leave,
            excluded.hired_on, excluded.branch_id, excluded.specialty_ids, excluded.weekdays,
            excluded.search, excluded.version, excluded.item, excluded.profile);

    -- The classes these trainers had or have, found through the indexes: an OR of the
    -- two conditions scanned all of read.class, comparing each row with every id.
    DELETE FROM read.class c
     WHERE c.id IN (SELECT r.id FROM read.class r WHERE r.trainer_id = ANY(ids)
                    UNION SELECT g.id FROM trainers_gymclass g WHERE g.trainer_id = ANY(ids))
       AND NOT EXISTS (SELECT FROM read.class_rows(ids) s WHERE s.id = c.id);
    INSERT INTO read.class AS r (id, branch_id, weekday, start_time, trainer_id, doc)
    SELECT * FROM read.class_rows(ids) ORDER BY 1
    ON CONFLICT (id) DO UPDATE
       SET branch_id = excluded.branch_id, weekday = excluded.weekday,
           start_time = excluded.start_time, trainer_id = excluded.trainer_id,
           doc = excluded.doc, rev = nextval('read.rev')
     WHERE (r.branch_id, r.weekday, r.start_time, r.trainer_id, r.doc)
           IS DISTINCT FROM (excluded.branch_id, excluded.weekday, excluded.start_time,
                             excluded.trainer_id, excluded.doc);

    -- Facet counts move by the difference, not by a recount: a recount of a
    -- specialty reads every trainer who has it, on every write of any of them.
    WITH delta AS (
        SELECT k, sum(v)::integer AS n
          FROM (SELECT r.branch_id AS k, 1 AS v FROM read.trainer r WHERE r.id = ANY(ids)
                UNION ALL SELECT unnest(old_branches), -1) AS moves
         GROUP BY k HAVING sum(v) <> 0)
    UPDATE read.branch b SET trainer_count = b.trainer_count + delta.n, rev = nextval('read.rev')
      FROM delta WHERE b.id = delta.k;
    WITH delta AS (
        SELECT k, sum(v)::integer AS n
          FROM (SELECT unnest(r.specialty_ids) AS k, 1 AS v FROM read.trainer r
                 WHERE r.id = ANY(ids)
                UNION ALL SELECT unnest(old_specialties), -1) AS moves
         GROUP BY k HAVING sum(v) <> 0)
    UPDATE read.specialty s SET trainer_count = s.trainer_count + delta.n,
                                rev = nextval('read.rev')
      FROM delta WHERE s.id = delta.k;
    PERFORM read.note_projected(ids);
END
$$;

-- 2. The change feed at commit: the first event trigger publishes, and the others (one
--    per event: 2,000 in a batch of the bulk import) found nothing to do, each after a
--    catalog lookup and a DELETE on the temporary table: 0.1 s a batch. The projection
--    now also raises a transaction-local flag; the triggers that find it down return
--    at once. The flag and the noted rows go together: both roll back with a
--    subtransaction, and both are cleared by the trigger that publishes.
CREATE OR REPLACE FUNCTION read.note_projected(ids uuid[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF to_regclass('pg_temp.read_projected') IS NULL THEN
        CREATE TEMPORARY TABLE read_projected (trainer_id uuid PRIMARY KEY)
            ON COMMIT DELETE ROWS;
    END IF;
    INSERT INTO pg_temp.read_projected (trainer_id)
    SELECT DISTINCT unnest(ids) ON CONFLICT DO NOTHING;
    PERFORM set_config('read.projected_pending', 'on', true);
END
$$;

CREATE OR REPLACE FUNCTION read.on_event_commit() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    ids uuid[];
BEGIN
    IF current_setting('read.projected_pending', true) IS DISTINCT FROM 'on' THEN
        RETURN NULL;
    END IF;
    PERFORM set_config('read.projected_pending', 'off', true);
    IF to_regclass('pg_temp.read_projected') IS NULL THEN
        RETURN NULL;
    END IF;
    WITH taken AS (DELETE FROM pg_temp.read_projected RETURNING trainer_id)
    SELECT array_agg(trainer_id) INTO ids FROM taken;
    IF ids IS NOT NULL THEN
        -- A trainer gone from the write model is reported with its last event's version.
        PERFORM read.publish_changes(
            ids, CASE WHEN NEW.aggregate_type = 'trainer' THEN NEW.version END);
    END IF;
    RETURN NULL;
END
$$;

-- 3. The trainer derivation, shared by every write (one trainer), the bulk import
--    (2,000) and the rebuild (all of them). Its certifications, classes and
--    specialties were LATERAL subqueries, run once per trainer: 255,000 index
--    searches for a full derivation. Each is now one grouped subquery restricted to
--    `ids`, which the planner answers with index scans for a few trainers and with
--    one ordered pass for all of them. The nested documents are built as json and
--    converted to jsonb once per document, instead of converting every class,
--    certification and specialty again at each level of nesting; the jsonb that
--    comes out is the same (jsonb orders keys and drops the formatting).
CREATE OR REPLACE FUNCTION read.trainer_rows(ids uuid[])
RETURNS TABLE (id uuid, slug text, sort_key text, names text, first_name text, last_name text,
               "position" text, shift text, on_leave boolean, hired_on date, branch_id bigint,
               specialty_ids bigint[], weekdays smallint[], search tsvector, version integer,
               item jsonb, profile jsonb)
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
               'photo_url', nullif(t.photo_url, ''),
               'branch', json_build_object('slug', b.slug, 'name', b.name, 'city', b.city),
               'specialties', coalesce(sp.docs, '[]'))::jsonb,
           json_build_object(
               'bio', t.bio,
               'weekdays', coalesce(cl.weekdays, '{}'),
               'certifications', coalesce(ce.docs, '[]'),
               'classes', coalesce(cl.docs, '[]'))::jsonb
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
     WHERE t.id = ANY(ids) AND read.is_public(t.status)
$$;

-- 4. Facet counts: one grouped count instead of a count per branch or specialty
--    (a specialty's count joined 17,000 links to trainers one index search each).
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

-- 5. The rebuild's load. read.derivation(rel) passed the keys as ARRAY(SELECT ...), a
--    subquery, which keeps PostgreSQL from inlining the derivation function: it ran
--    on its own and its rows (160 MB for read.trainer) went through a tuplestore
--    spilled to disk. The keys are now read first and passed as a parameter, so the
--    derivation is planned as part of the load with their values known. A derived row
--    was compared with its live one as `to_jsonb(l) - 'rev' = to_jsonb(e)`, which
--    built two jsonb documents per row (2.5 s for read.trainer); it is now compared
--    column by column, with each type's own equality: the same verdict.
CREATE FUNCTION read.derivation_function(rel text) RETURNS text
LANGUAGE sql IMMUTABLE
RETURN CASE rel
    WHEN 'branch' THEN 'read.branch_rows'
    WHEN 'specialty' THEN 'read.specialty_rows'
    WHEN 'trainer' THEN 'read.trainer_rows'
    WHEN 'class' THEN 'read.class_rows'
END;

-- The keys a full derivation of `rel` covers.
CREATE FUNCTION read.derivation_keys(rel text) RETURNS text
LANGUAGE sql IMMUTABLE
RETURN CASE rel
    WHEN 'branch' THEN 'SELECT id FROM trainers_branch'
    WHEN 'specialty' THEN 'SELECT id FROM trainers_specialty'
    WHEN 'trainer' THEN 'SELECT id FROM trainers_trainer'
    WHEN 'class' THEN 'SELECT id FROM trainers_trainer'
END;

-- Unchanged: read.check_relation() still uses this text.
CREATE OR REPLACE FUNCTION read.derivation(rel text) RETURNS text
LANGUAGE sql IMMUTABLE
RETURN read.derivation_function(rel) || '(ARRAY(' || read.derivation_keys(rel) || '))';

-- Part `part` of `parts` of read_shadow.<rel> (parts > 1 for read.trainer only, whose
-- derivation keys are its own ids): the keys whose hash falls in the part. Sessions
-- that share one snapshot (SET TRANSACTION SNAPSHOT) load the parts side by side;
-- together they load exactly what one session loading everything would. Returns the
-- rows loaded, how many of them differ from their live counterpart ('corrected'), and
-- how many live rows of the part the derivation no longer has ('removed').
CREATE FUNCTION read.shadow_load(rel text, part integer, parts integer) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    fn text := read.derivation_function(rel);
    keys text := read.derivation_keys(rel);
    in_part text := 'true';
    key_type regtype;
    uuid_keys uuid[];
    bigint_keys bigint[];
    columns text[];
    statement text;
    loaded bigint;
    kept bigint;
    removed bigint;
BEGIN
    IF parts > 1 THEN
        IF rel NOT IN ('trainer', 'branch', 'specialty') THEN
            RAISE EXCEPTION 'read.shadow_load: read.% is not keyed by its derivation keys', rel;
        END IF;
        in_part := format('(hashtextextended(%%s::text, 0) & 2147483647) %%%% %s = %s', parts, part);
        keys := format('SELECT id FROM (%s) k WHERE %s', keys, format(in_part, 'k.id'));
    END IF;
    SELECT array_agg(quote_ident(attname) ORDER BY attnum) INTO columns
      FROM pg_attribute
     WHERE attrelid = format('read.%I', rel)::regclass AND attnum > 0 AND NOT attisdropped
       AND attname <> 'rev';
    -- OFFSET 0 keeps the derivation a subquery of its own: flattened, each of its
    -- expressions would be computed twice, for the insert and for the comparison.
    statement := format(
        'INSERT INTO read_shadow.%1$I (%2$s, rev) '
        'SELECT %3$s, CASE WHEN ROW(%4$s) IS NOT DISTINCT FROM ROW(%3$s) THEN l.rev '
        '                  ELSE nextval(''read.rev'') END '
        '  FROM (SELECT * FROM %5$s($1) OFFSET 0) e LEFT JOIN read.%1$I l ON l.id = e.id',
        rel, array_to_string(columns, ', '),
        'e.' || array_to_string(columns, ', e.'), 'l.' || array_to_string(columns, ', l.'), fn);
    SELECT p.proargtypes[0]::regtype INTO key_type FROM pg_proc p WHERE p.oid = fn::regproc;
    IF key_type = 'uuid[]'::regtype THEN
        EXECUTE format('SELECT ARRAY(%s)', keys) INTO uuid_keys;
        EXECUTE statement USING uuid_keys;
    ELSIF key_type = 'bigint[]'::regtype THEN
        EXECUTE format('SELECT ARRAY(%s)', keys) INTO bigint_keys;
        EXECUTE statement USING bigint_keys;
    ELSE
        RAISE EXCEPTION 'read.shadow_load: % takes %, not uuid[] or bigint[]', fn, key_type;
    END IF;
    GET DIAGNOSTICS loaded = ROW_COUNT;
    EXECUTE format('SELECT count(*) FILTER (WHERE s.rev = l.rev), count(*) FILTER (WHERE s.id IS NULL) '
                   '  FROM read.%1$I l LEFT JOIN read_shadow.%1$I s ON s.id = l.id WHERE %2$s',
                   rel, format(in_part, 'l.id'))
       INTO kept, removed;
    RETURN jsonb_build_object('rows', loaded, 'corrected', loaded - kept, 'removed', removed);
END
$$;

-- The whole relation, in one session.
CREATE OR REPLACE FUNCTION read.shadow_load(rel text) RETURNS jsonb
LANGUAGE sql AS $$
    SELECT read.shadow_load(rel, 0, 1)
$$;
