-- Current definitions: write tables -> schema `read`, in the writer's transaction
--
-- project_*() make the read rows equal to their derivation (derivation.sql) for some
-- keys, writing only the rows that differ, so `rev`, and every ETag built on it,
-- moves only when public data moves. The triggers (triggers.sql) call them with the
-- keys a statement touched; read.rebuild() runs them over everything.
--
-- Generic plans: the functions a write enters by (the projections, the write triggers
-- and the change feed's) are declared with `SET plan_cache_mode = force_generic_plan`,
-- and what they call runs under it. Their statements take arrays of keys, whose length
-- PostgreSQL cannot know from a generic plan; left to choose, it planned each statement
-- anew at every call, the custom plan looking cheaper: projecting one trainer took 5-9
-- ms, of which ~4 ms was planning; a generic plan is made once per session and runs it
-- in ~1 ms (migration 0025). With more than 16 keys (an import's batch, a branch's
-- trainers) project_trainers() and publish_changes() let PostgreSQL choose again until
-- they return (`set_config(..., true)` inside a function with its own SET lasts until
-- it returns): a generic plan made while the tables were small stayed for the session,
-- and seeding 10,000 trainers took 8.2-10.4 s instead of 7.1-7.2 (migration 0027).
--
-- This folder (trainers/sql/current/) holds the one current definition of every
-- function and trigger of the read model; edit them here, in place. Each file is
-- re-runnable (CREATE OR REPLACE, DROP TRIGGER IF EXISTS + CREATE TRIGGER).
-- A database gets them only through a migration that applies a frozen snapshot:
-- `python -m trainers.sqlfiles freeze NNNN_name` (docs/read-model.md, "Changing a
-- definition"). Tables, sequences and indexes live in the migrations' own SQL.

CREATE OR REPLACE FUNCTION read.project_branches(ids bigint[]) RETURNS void
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan  -- projection.sql, "Generic plans"
AS $$
DECLARE
    deleted boolean;
BEGIN
    DELETE FROM read.branch r
     WHERE r.id = ANY(ids) AND NOT EXISTS (SELECT FROM trainers_branch b WHERE b.id = r.id);
    deleted := FOUND;
    INSERT INTO read.branch AS r (id, slug, name, city, timezone, trainer_count)
    SELECT * FROM read.branch_rows(ids) ORDER BY 1
    ON CONFLICT (id) DO UPDATE
       SET slug = excluded.slug, name = excluded.name, city = excluded.city,
           timezone = excluded.timezone, trainer_count = excluded.trainer_count,
           rev = nextval('read.rev')
     WHERE (r.slug, r.name, r.city, r.timezone, r.trainer_count)
           IS DISTINCT FROM (excluded.slug, excluded.name, excluded.city,
                             excluded.timezone, excluded.trainer_count);
    IF deleted OR FOUND THEN
        PERFORM read.announce(ARRAY['facets']);
    END IF;
END
$$;

CREATE OR REPLACE FUNCTION read.project_specialties(ids bigint[]) RETURNS void
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan  -- projection.sql, "Generic plans"
AS $$
DECLARE
    deleted boolean;
BEGIN
    DELETE FROM read.specialty r
     WHERE r.id = ANY(ids) AND NOT EXISTS (SELECT FROM trainers_specialty s WHERE s.id = r.id);
    deleted := FOUND;
    INSERT INTO read.specialty AS r (id, slug, name, trainer_count)
    SELECT * FROM read.specialty_rows(ids) ORDER BY 1
    ON CONFLICT (id) DO UPDATE
       SET slug = excluded.slug, name = excluded.name, trainer_count = excluded.trainer_count,
           rev = nextval('read.rev')
     WHERE (r.slug, r.name, r.trainer_count)
           IS DISTINCT FROM (excluded.slug, excluded.name, excluded.trainer_count);
    IF deleted OR FOUND THEN
        PERFORM read.announce(ARRAY['facets']);
    END IF;
END
$$;

-- Re-derives the trainers `ids`, their classes and search words, and moves the facet counts by
-- the difference between what the trainers counted before and after (a recount of
-- a specialty would read every trainer who has it, on every write of any of them).
-- Notes the trainers for the change feed (read.note_projected).
CREATE OR REPLACE FUNCTION read.project_trainers(ids uuid[]) RETURNS void
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan  -- projection.sql, "Generic plans"
AS $$
DECLARE
    old_branches bigint[];
    old_specialties bigint[];
    marks jsonb;
    classes_moved bigint;
    classes_written bigint;
BEGIN
    IF coalesce(cardinality(ids), 0) = 0 THEN
        RETURN;
    END IF;
    IF cardinality(ids) > 16 THEN  -- many keys: planned for them ("Generic plans" above)
        PERFORM set_config('plan_cache_mode', 'auto', true);
    END IF;
    -- What these trainers counted in the facets before; locked, so that a concurrent
    -- projection of the same trainer waits and then starts from this one's result.
    PERFORM FROM read.trainer r WHERE r.id = ANY(ids) ORDER BY r.id FOR UPDATE;
    marks := read.trainer_marks(ids);
    old_branches := ARRAY(SELECT r.branch_id FROM read.trainer r WHERE r.id = ANY(ids));
    old_specialties := ARRAY(
        SELECT unnest(r.specialty_ids) FROM read.trainer r WHERE r.id = ANY(ids));

    DELETE FROM read.trainer r
     WHERE r.id = ANY(ids)
       AND NOT EXISTS (SELECT FROM trainers_trainer t
                        WHERE t.id = r.id AND read.is_public(t.status));
    INSERT INTO read.trainer AS r (id, slug, sort_key, names, first_name, last_name, "position",
                                   shift, on_leave, hired_on, branch_id, specialty_ids, weekdays,
                                   search, version, item, profile, former_slugs)
    SELECT * FROM read.trainer_rows(ids) ORDER BY 1
    ON CONFLICT (id) DO UPDATE
       SET slug = excluded.slug, sort_key = excluded.sort_key, names = excluded.names,
           first_name = excluded.first_name, last_name = excluded.last_name,
           "position" = excluded."position", shift = excluded.shift,
           on_leave = excluded.on_leave, hired_on = excluded.hired_on,
           branch_id = excluded.branch_id, specialty_ids = excluded.specialty_ids,
           weekdays = excluded.weekdays, search = excluded.search, version = excluded.version,
           item = excluded.item, profile = excluded.profile,
           former_slugs = excluded.former_slugs, rev = nextval('read.rev')
     WHERE (r.slug, r.sort_key, r.names, r.first_name, r.last_name, r."position", r.shift,
            r.on_leave, r.hired_on, r.branch_id, r.specialty_ids, r.weekdays, r.search,
            r.version, r.item, r.profile, r.former_slugs)
           IS DISTINCT FROM
           (excluded.slug, excluded.sort_key, excluded.names, excluded.first_name,
            excluded.last_name, excluded."position", excluded.shift, excluded.on_leave,
            excluded.hired_on, excluded.branch_id, excluded.specialty_ids, excluded.weekdays,
            excluded.search, excluded.version, excluded.item, excluded.profile,
            excluded.former_slugs);

    -- The classes these trainers had or have, found through the indexes: an OR of the
    -- two conditions scanned all of read.class, comparing each row with every id.
    DELETE FROM read.class c
     WHERE c.id IN (SELECT r.id FROM read.class r WHERE r.trainer_id = ANY(ids)
                    UNION SELECT g.id FROM trainers_gymclass g WHERE g.trainer_id = ANY(ids))
       AND NOT EXISTS (SELECT FROM read.class_rows(ids) s WHERE s.id = c.id);
    GET DIAGNOSTICS classes_moved = ROW_COUNT;
    INSERT INTO read.class AS r (id, branch_id, weekday, start_time, trainer_id, doc)
    SELECT * FROM read.class_rows(ids) ORDER BY 1
    ON CONFLICT (id) DO UPDATE
       SET branch_id = excluded.branch_id, weekday = excluded.weekday,
           start_time = excluded.start_time, trainer_id = excluded.trainer_id,
           doc = excluded.doc, rev = nextval('read.rev')
     WHERE (r.branch_id, r.weekday, r.start_time, r.trainer_id, r.doc)
           IS DISTINCT FROM (excluded.branch_id, excluded.weekday, excluded.start_time,
                             excluded.trainer_id, excluded.doc);
    GET DIAGNOSTICS classes_written = ROW_COUNT;
    -- The timetable shows these rows (class, trainer and branch as its doc holds them).
    IF classes_moved + classes_written > 0 THEN
        PERFORM read.announce(ARRAY['timetable']);
    END IF;

    -- Their name and specialty words, for the search's candidates (derivation.sql).
    DELETE FROM read.search_term s
     WHERE s.trainer_id = ANY(ids)
       AND NOT EXISTS (SELECT FROM read.search_term_rows(ids) e WHERE e.id = s.id);
    INSERT INTO read.search_term AS r (id, term, trainer_id, score)
    SELECT * FROM read.search_term_rows(ids) ORDER BY 1
    ON CONFLICT (id) DO UPDATE
       SET term = excluded.term, trainer_id = excluded.trainer_id, score = excluded.score,
           rev = nextval('read.rev')
     WHERE (r.term, r.trainer_id, r.score)
           IS DISTINCT FROM (excluded.term, excluded.trainer_id, excluded.score);

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
    PERFORM read.announce_trainers(ids, marks);
END
$$;

-- The trainers re-derived in this transaction, for the change feed at commit
-- (read.on_event_commit): a temporary table emptied at commit, and a
-- transaction-local flag that lets the other event triggers return at once. Both
-- roll back with a subtransaction, and both are cleared by the trigger that publishes.
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

-- Everything, from scratch, in place: trainers first, then a full recount of the
-- facets (the recount does not depend on the counts the trainer projection moved).
-- Rows that need no change are not rewritten. The ops rebuild uses the shadow
-- (shadow.sql) instead; this one serves migrations, TRUNCATE and bulk loaders.
CREATE OR REPLACE FUNCTION read.rebuild() RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    orphans bigint;
BEGIN
    PERFORM read.project_trainers(ARRAY(
        SELECT id FROM trainers_trainer
        UNION SELECT id FROM read.trainer
        UNION SELECT trainer_id FROM read.class
        UNION SELECT trainer_id FROM read.search_term));
    -- Classes whose trainer no longer exists anywhere.
    DELETE FROM read.class c WHERE NOT EXISTS (SELECT FROM read.trainer t WHERE t.id = c.trainer_id);
    GET DIAGNOSTICS orphans = ROW_COUNT;
    IF orphans > 0 THEN
        PERFORM read.announce(ARRAY['timetable']);
    END IF;
    PERFORM read.project_branches(ARRAY(
        SELECT id FROM trainers_branch UNION SELECT id FROM read.branch));
    PERFORM read.project_specialties(ARRAY(
        SELECT id FROM trainers_specialty UNION SELECT id FROM read.specialty));
END
$$;
