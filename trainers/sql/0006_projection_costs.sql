-- Two costs of every write that grew with the size of the gym chain.
--
-- 1. Facet counts. project_trainers recounted every branch and specialty of the
--    trainers it touched from the write tables: at 100,000 trainers about 0.6 s
--    of every write, a bio edit included. It now moves the counts by the
--    difference between what the trainers counted before and after, and the
--    full recounts (project_branches, project_specialties) run only for branch
--    and specialty writes and at the end of a rebuild.
--
-- 2. The change feed, once per commit instead of once per event.
--
-- 0005 published at commit once per event row, and for a class, branch or
-- specialty event diffed every public trainer: a bulk import of 2,000 trainers
-- ran 2,000 publications, and one class change at 100,000 trainers hashed them
-- all. Now the projection notes which trainers it re-derived in this
-- transaction (a temporary table emptied at commit), and the first event
-- trigger to fire at commit publishes exactly those; the others find nothing
-- left to do.

CREATE FUNCTION read.note_projected(ids uuid[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF to_regclass('pg_temp.read_projected') IS NULL THEN
        CREATE TEMPORARY TABLE read_projected (trainer_id uuid PRIMARY KEY)
            ON COMMIT DELETE ROWS;
    END IF;
    INSERT INTO pg_temp.read_projected (trainer_id)
    SELECT DISTINCT unnest(ids) ON CONFLICT DO NOTHING;
END
$$;

CREATE OR REPLACE FUNCTION read.on_event_commit() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    ids uuid[];
BEGIN
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

-- Re-derives the trainers `ids`, their classes, and moves the facet counts by what changed.
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

    DELETE FROM read.class c
     WHERE (c.trainer_id = ANY(ids)
            OR c.id IN (SELECT g.id FROM trainers_gymclass g WHERE g.trainer_id = ANY(ids)))
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


-- Trainers first, then a full recount of the facets: the recount does not depend
-- on the counts the trainer projection moved.
CREATE OR REPLACE FUNCTION read.rebuild() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM read.project_trainers(ARRAY(
        SELECT id FROM trainers_trainer
        UNION SELECT id FROM read.trainer
        UNION SELECT trainer_id FROM read.class));
    -- Classes whose trainer no longer exists anywhere.
    DELETE FROM read.class c WHERE NOT EXISTS (SELECT FROM read.trainer t WHERE t.id = c.trainer_id);
    PERFORM read.project_branches(ARRAY(
        SELECT id FROM trainers_branch UNION SELECT id FROM read.branch));
    PERFORM read.project_specialties(ARRAY(
        SELECT id FROM trainers_specialty UNION SELECT id FROM read.specialty));
END
$$;

-- The shadow rebuild's catch-up (0004), in the order the delta counts need.
CREATE OR REPLACE FUNCTION read.shadow_catch_up(snap pg_snapshot) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    horizon integer := read.snapshot_horizon(snap);
    t_ids uuid[];
    b_ids bigint[];
    s_ids bigint[];
BEGIN
    t_ids := ARRAY(
        SELECT id FROM read.trainer WHERE age(xmin) <= horizon
        UNION
        SELECT id FROM read_shadow.trainer s
         WHERE NOT EXISTS (SELECT FROM read.trainer l WHERE l.id = s.id)
           AND NOT EXISTS (SELECT FROM trainers_trainer w
                            WHERE w.id = s.id AND read.is_public(w.status))
        UNION
        SELECT trainer_id FROM read.class WHERE age(xmin) <= horizon
        UNION
        SELECT trainer_id FROM read_shadow.class s
         WHERE NOT EXISTS (SELECT FROM read.class l WHERE l.id = s.id)
           AND NOT EXISTS (SELECT FROM trainers_gymclass g
                             JOIN trainers_trainer w ON w.id = g.trainer_id
                            WHERE g.id = s.id AND read.is_public(w.status)));
    b_ids := ARRAY(
        SELECT id FROM read.branch WHERE age(xmin) <= horizon
        UNION
        SELECT id FROM read_shadow.branch s
         WHERE NOT EXISTS (SELECT FROM read.branch l WHERE l.id = s.id)
           AND NOT EXISTS (SELECT FROM trainers_branch w WHERE w.id = s.id));
    s_ids := ARRAY(
        SELECT id FROM read.specialty WHERE age(xmin) <= horizon
        UNION
        SELECT id FROM read_shadow.specialty s
         WHERE NOT EXISTS (SELECT FROM read.specialty l WHERE l.id = s.id)
           AND NOT EXISTS (SELECT FROM trainers_specialty w WHERE w.id = s.id));
    -- Trainers first: their projection moves facet counts by difference, and the
    -- recounts after it set the final figures of the facets that moved.
    PERFORM read_shadow.project_trainers(t_ids);
    PERFORM read_shadow.project_branches(b_ids);
    PERFORM read_shadow.project_specialties(s_ids);
    RETURN jsonb_build_object('trainer', cardinality(t_ids), 'branch', cardinality(b_ids),
                              'specialty', cardinality(s_ids));
END
$$;
