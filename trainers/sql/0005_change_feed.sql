-- The change feed (GET /query/changes): one row per committed change of a public trainer.
--
-- Written at commit by a deferred trigger on trainers_event (the outbox), which diffs
-- the trainers an event concerns against what the feed last said about them
-- (read.change_head). Only what the public can see goes in: a trainer id, its version,
-- and whether it is now public (upsert) or no longer (delete). A trainer is published
-- when its public documents (`item`, `profile`) change, so a private-only edit (email,
-- notes: it bumps the version, nothing public) publishes nothing, and neither does a
-- draft that was never public.
--
-- Ids follow commit order: the publisher takes an EXCLUSIVE lock on read.change
-- (readers are not blocked) before drawing ids and keeps it until its commit is
-- visible, so a reader that has seen id N has seen every id below N. That lets a
-- client resume with "everything after N" and miss nothing.

CREATE SEQUENCE read.change_id AS bigint;

CREATE TABLE read.change (
    id bigint PRIMARY KEY,
    trainer_id uuid NOT NULL,
    version integer NOT NULL,
    kind text NOT NULL CHECK (kind IN ('upsert', 'delete')),
    changed_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- What the feed last published for each trainer it reports as public.
CREATE TABLE read.change_head (
    trainer_id uuid PRIMARY KEY,
    digest uuid NOT NULL,
    version integer NOT NULL
);

-- A trainer's public content, as the feed compares it.
CREATE FUNCTION read.change_digest(item jsonb, profile jsonb) RETURNS uuid
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN md5(item::text || profile::text)::uuid;

-- Publishes the differences between read.trainer and read.change_head for `ids`
-- (NULL: every trainer), notifies listeners, and returns the newest change id.
-- `gone_version` is the version to report for a trainer that no longer exists at all.
CREATE FUNCTION read.publish_changes(ids uuid[], gone_version integer DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    newest bigint;
BEGIN
    LOCK TABLE read.change IN EXCLUSIVE MODE;
    IF ids IS NULL THEN
        ids := ARRAY(SELECT id FROM read.trainer UNION SELECT trainer_id FROM read.change_head);
    END IF;
    WITH diff AS MATERIALIZED (
        SELECT coalesce(t.id, h.trainer_id) AS trainer_id, t.digest,
               coalesce(t.version, w.version, gone_version, h.version) AS version
          FROM (SELECT id, version, read.change_digest(item, profile) AS digest
                  FROM read.trainer WHERE id = ANY(ids)) AS t
          FULL JOIN (SELECT trainer_id, digest, version FROM read.change_head
                      WHERE trainer_id = ANY(ids)) AS h ON h.trainer_id = t.id
          LEFT JOIN trainers_trainer w ON w.id = coalesce(t.id, h.trainer_id)
         WHERE t.digest IS DISTINCT FROM h.digest
    ), gone AS (
        DELETE FROM read.change_head h USING diff d
         WHERE h.trainer_id = d.trainer_id AND d.digest IS NULL
    ), seen AS (
        INSERT INTO read.change_head (trainer_id, digest, version)
        SELECT trainer_id, digest, version FROM diff WHERE digest IS NOT NULL
        ON CONFLICT (trainer_id) DO UPDATE SET digest = excluded.digest, version = excluded.version
    ), published AS (
        INSERT INTO read.change (id, trainer_id, version, kind)
        SELECT nextval('read.change_id'), trainer_id, version,
               CASE WHEN digest IS NULL THEN 'delete' ELSE 'upsert' END
          FROM diff
        RETURNING id
    )
    SELECT max(id) INTO newest FROM published;
    IF newest IS NULL THEN
        RETURN NULL;
    END IF;
    PERFORM pg_notify('read_change', newest::text);
    RETURN newest;
END
$$;

-- At commit, once per event: the event's trainer, or (classes, branches, specialties,
-- which move several trainers' documents) every trainer, at most once per commit.
CREATE FUNCTION read.on_event_commit() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    marker text := 'changes published at ' || statement_timestamp()::text;
BEGIN
    IF current_setting('read.changes_published', true) IS NOT DISTINCT FROM marker THEN
        RETURN NULL;
    END IF;
    IF NEW.aggregate_type = 'trainer'
       AND NEW.aggregate_id ~* '^[0-9a-f]{8}-?([0-9a-f]{4}-?){3}[0-9a-f]{12}$' THEN
        PERFORM read.publish_changes(ARRAY[NEW.aggregate_id::uuid], NEW.version);
    ELSE
        PERFORM read.publish_changes(NULL);
        PERFORM set_config('read.changes_published', marker, true);
    END IF;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER publish_changes AFTER INSERT ON trainers_event
DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW EXECUTE FUNCTION read.on_event_commit();

-- The public trainers of today, as the first changes: a client reading from the
-- start gets every public trainer, then what happened to it.
INSERT INTO read.change_head (trainer_id, digest, version)
SELECT id, read.change_digest(item, profile), version FROM read.trainer;
INSERT INTO read.change (id, trainer_id, version, kind)
SELECT nextval('read.change_id'), id, version, 'upsert'
  FROM (SELECT id, version FROM read.trainer ORDER BY sort_key, id) AS t;
