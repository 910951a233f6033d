-- Current definitions: the change feed (GET /query/changes), written at commit
--
-- One row of read.change per committed change of a public trainer. The projection
-- notes the trainers it re-derived (read.note_projected); at commit the first
-- deferred trigger on trainers_event (the outbox) diffs exactly those against what
-- the feed last said about them (read.change_head) and publishes the difference: a
-- trainer id, its version, and whether it is now public (upsert) or no longer
-- (delete). A private-only edit (email, notes) publishes nothing.
-- 
-- Ids follow commit order: the publisher takes an EXCLUSIVE lock on read.change
-- (readers are not blocked) before drawing ids and keeps it until its commit is
-- visible, so a reader that has seen id N has seen every id below N.
--
-- This folder (trainers/sql/current/) holds the one current definition of every
-- function and trigger of the read model; edit them here, in place. Each file is
-- re-runnable (CREATE OR REPLACE, DROP TRIGGER IF EXISTS + CREATE TRIGGER).
-- A database gets them only through a migration that applies a frozen snapshot:
-- `python -m trainers.sqlfiles freeze NNNN_name` (docs/read-model.md, "Changing a
-- definition"). Tables, sequences and indexes live in the migrations' own SQL.

-- A trainer's public content, as the feed compares it.
CREATE OR REPLACE FUNCTION read.change_digest(item jsonb, profile jsonb) RETURNS uuid
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN md5(item::text || profile::text)::uuid;

-- Publishes the differences between read.trainer and read.change_head for `ids`
-- (NULL: every trainer), notifies listeners, and returns the newest change id.
-- `gone_version` is the version to report for a trainer that no longer exists at all.
CREATE OR REPLACE FUNCTION read.publish_changes(ids uuid[], gone_version integer DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan  -- projection.sql, "Generic plans"
AS $$
DECLARE
    newest bigint;
BEGIN
    LOCK TABLE read.change IN EXCLUSIVE MODE;
    IF ids IS NULL OR cardinality(ids) > 16 THEN  -- many keys: projection.sql, "Generic plans"
        PERFORM set_config('plan_cache_mode', 'auto', true);
    END IF;
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

-- At commit, once per event row: the first to fire publishes the trainers the
-- projection noted in this transaction; the others find the flag down and return.
CREATE OR REPLACE FUNCTION read.on_event_commit() RETURNS trigger
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan  -- projection.sql, "Generic plans"
AS $$
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

DROP TRIGGER IF EXISTS publish_changes ON trainers_event;
CREATE CONSTRAINT TRIGGER publish_changes AFTER INSERT ON trainers_event
DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW EXECUTE FUNCTION read.on_event_commit();
