-- The query side caches the facet lists (/query/branches, /query/specialties) like
-- trainer pages, so every change to them must reach other processes' caches. A
-- change that moves a trainer is announced already (the trainer's document
-- changes, and the change feed NOTIFYs at commit). A branch or specialty created,
-- renamed or deleted without moving any public trainer was not: these
-- projections now announce themselves on the same channel, payload 0 ("something
-- changed, no new feed entry"), delivered at commit like every NOTIFY.

CREATE FUNCTION read.announce_facets() RETURNS void
LANGUAGE sql
RETURN pg_notify('read_change', '0');

CREATE OR REPLACE FUNCTION read.project_branches(ids bigint[]) RETURNS void
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
    IF coalesce(cardinality(ids), 0) > 0 THEN
        PERFORM read.announce_facets();
    END IF;
END
$$;

CREATE OR REPLACE FUNCTION read.project_specialties(ids bigint[]) RETURNS void
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
    IF coalesce(cardinality(ids), 0) > 0 THEN
        PERFORM read.announce_facets();
    END IF;
END
$$;
