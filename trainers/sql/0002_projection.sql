-- The projection: write tables -> schema `read`, in the writer's transaction.
--
-- *_rows() functions derive what the read rows must be, from the write tables
-- alone; project_*() make the read rows equal to them for some keys, writing
-- only the rows that differ (so `rev`, and every ETag built on it, moves only
-- when public data moves). Statement-level triggers on the write tables call
-- them with the keys a statement touched, whoever issued it.

CREATE FUNCTION read.is_public(status text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN status IN ('published', 'on_leave');

CREATE FUNCTION read.branch_rows(ids bigint[])
RETURNS TABLE (id bigint, slug text, name text, city text, timezone text, trainer_count integer)
LANGUAGE sql STABLE AS $$
    SELECT b.id, b.slug, b.name, b.city, b.timezone,
           (SELECT count(*) FROM trainers_trainer t
             WHERE t.branch_id = b.id AND read.is_public(t.status))::integer
      FROM trainers_branch b
     WHERE b.id = ANY(ids)
$$;

CREATE FUNCTION read.specialty_rows(ids bigint[])
RETURNS TABLE (id bigint, slug text, name text, trainer_count integer)
LANGUAGE sql STABLE AS $$
    SELECT s.id, s.slug, s.name,
           (SELECT count(*) FROM trainers_trainer_specialties ts
              JOIN trainers_trainer t ON t.id = ts.trainer_id
             WHERE ts.specialty_id = s.id AND read.is_public(t.status))::integer
      FROM trainers_specialty s
     WHERE s.id = ANY(ids)
$$;

CREATE FUNCTION read.class_rows(trainer_ids uuid[])
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

CREATE FUNCTION read.trainer_rows(ids uuid[])
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
           jsonb_build_object(
               'id', t.id, 'slug', t.slug,
               'first_name', t.first_name, 'last_name', t.last_name,
               'position', t.position, 'shift', t.shift,
               'on_leave', t.status = 'on_leave',
               'photo_url', nullif(t.photo_url, ''),
               'branch', jsonb_build_object('slug', b.slug, 'name', b.name, 'city', b.city),
               'specialties', coalesce(sp.docs, '[]')),
           jsonb_build_object(
               'bio', t.bio,
               'weekdays', coalesce(cl.weekdays, '{}'),
               'certifications', coalesce(ce.docs, '[]'),
               'classes', coalesce(cl.docs, '[]'))
      FROM trainers_trainer t
      JOIN trainers_branch b ON b.id = t.branch_id
      LEFT JOIN LATERAL (
          SELECT array_agg(s.id ORDER BY s.id) AS id_list,
                 string_agg(s.name, ' ' ORDER BY s.id) AS names,
                 jsonb_agg(jsonb_build_object('slug', s.slug, 'name', s.name)
                           ORDER BY s.name, s.slug) AS docs
            FROM trainers_trainer_specialties ts
            JOIN trainers_specialty s ON s.id = ts.specialty_id
           WHERE ts.trainer_id = t.id) sp ON true
      LEFT JOIN LATERAL (
          SELECT jsonb_agg(jsonb_build_object(
                     'name', c.name, 'issuer', c.issuer,
                     'issued_on', c.issued_on, 'expires_on', c.expires_on)
                 ORDER BY c.issued_on DESC, c.name, c.id) AS docs
            FROM trainers_certification c
           WHERE c.trainer_id = t.id) ce ON true
      LEFT JOIN LATERAL (
          SELECT array_agg(DISTINCT g.weekday ORDER BY g.weekday) AS weekdays,
                 jsonb_agg(jsonb_build_object(
                     'id', g.id, 'title', g.title, 'weekday', g.weekday,
                     'start_time', to_char(g.start_time, 'HH24:MI'),
                     'duration_minutes', g.duration_minutes,
                     'branch', jsonb_build_object('slug', gb.slug, 'name', gb.name))
                 ORDER BY g.weekday, g.start_time, g.id) AS docs
            FROM trainers_gymclass g
            JOIN trainers_branch gb ON gb.id = g.branch_id
           WHERE g.trainer_id = t.id) cl ON true
     WHERE t.id = ANY(ids) AND read.is_public(t.status)
$$;

CREATE FUNCTION read.project_branches(ids bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM read.branch r
     WHERE r.id = ANY(ids) AND NOT EXISTS (SELECT FROM trainers_branch b WHERE b.id = r.id);
    INSERT INTO read.branch AS r (id, slug, name, city, timezone, trainer_count)
    SELECT * FROM read.branch_rows(ids) ORDER BY 1
    ON CONFLICT (id) DO UPDATE
       SET slug = excluded.slug, name = excluded.name, city = excluded.city,
           timezone = excluded.timezone, trainer_count = excluded.trainer_count,
           rev = nextval('read.rev')
     WHERE (r.slug, r.name, r.city, r.timezone, r.trainer_count)
           IS DISTINCT FROM (excluded.slug, excluded.name, excluded.city,
                             excluded.timezone, excluded.trainer_count);
END
$$;

CREATE FUNCTION read.project_specialties(ids bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM read.specialty r
     WHERE r.id = ANY(ids) AND NOT EXISTS (SELECT FROM trainers_specialty s WHERE s.id = r.id);
    INSERT INTO read.specialty AS r (id, slug, name, trainer_count)
    SELECT * FROM read.specialty_rows(ids) ORDER BY 1
    ON CONFLICT (id) DO UPDATE
       SET slug = excluded.slug, name = excluded.name, trainer_count = excluded.trainer_count,
           rev = nextval('read.rev')
     WHERE (r.slug, r.name, r.trainer_count)
           IS DISTINCT FROM (excluded.slug, excluded.name, excluded.trainer_count);
END
$$;

-- Re-derives the trainers `ids`, their classes, and the facet counts they move.
CREATE FUNCTION read.project_trainers(ids uuid[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    touched_branches bigint[];
    touched_specialties bigint[];
BEGIN
    IF coalesce(cardinality(ids), 0) = 0 THEN
        RETURN;
    END IF;
    touched_branches := ARRAY(
        SELECT r.branch_id FROM read.trainer r WHERE r.id = ANY(ids)
        UNION SELECT t.branch_id FROM trainers_trainer t WHERE t.id = ANY(ids));
    touched_specialties := ARRAY(
        SELECT unnest(r.specialty_ids) FROM read.trainer r WHERE r.id = ANY(ids)
        UNION SELECT ts.specialty_id FROM trainers_trainer_specialties ts
               WHERE ts.trainer_id = ANY(ids));

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

    PERFORM read.project_branches(touched_branches);
    PERFORM read.project_specialties(touched_specialties);
END
$$;

-- Everything, from scratch; rows that need no change are not rewritten, and
-- readers keep being served from the old rows until commit (no downtime).
CREATE FUNCTION read.rebuild() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM read.project_branches(ARRAY(
        SELECT id FROM trainers_branch UNION SELECT id FROM read.branch));
    PERFORM read.project_specialties(ARRAY(
        SELECT id FROM trainers_specialty UNION SELECT id FROM read.specialty));
    PERFORM read.project_trainers(ARRAY(
        SELECT id FROM trainers_trainer
        UNION SELECT id FROM read.trainer
        UNION SELECT trainer_id FROM read.class));
    -- Classes whose trainer no longer exists anywhere.
    DELETE FROM read.class c WHERE NOT EXISTS (SELECT FROM read.trainer t WHERE t.id = c.trainer_id);
END
$$;

-- Bulk loaders may `SET LOCAL read.defer_projection = on` and call read.rebuild() before commit.
CREATE FUNCTION read.projection_deferred() RETURNS boolean
LANGUAGE sql STABLE
RETURN coalesce(current_setting('read.defer_projection', true), '') IN ('on', 'true', '1');
