-- Current definitions: what a transaction changed in the read model, announced by key
--
-- The query side caches answers by the keys they depend on (readapi/keys.py):
-- `t:<id>` (one trainer's profile document), `lists` (pages without a search: who
-- is in them, in which order, what their items show), `search` (pages with a
-- search: the same plus the searchable text, such as the bio), `facets` (the branch
-- and specialty lists and their counts), `timetable` (the rows of read.class, announced
-- by read.project_trainers when it writes any), `*` (everything). The projection announces
-- exactly the keys it changed, for every write that reaches it (handlers, queryset
-- updates, raw SQL, data migrations alike):
--
-- - on channel read_keys, delivered to every listening process at commit;
-- - in the writer's session setting `read.announced`, which its own process reads
--   right after its commit, before the writer's response is sent
--   (config/readcache.py). A session setting made in a transaction that rolls back
--   is rolled back with it, so only committed changes are announced.
--
-- This folder (trainers/sql/current/) holds the one current definition of every
-- function and trigger of the read model; edit them here, in place. Each file is
-- re-runnable (CREATE OR REPLACE, DROP TRIGGER IF EXISTS + CREATE TRIGGER).
-- A database gets them only through a migration that applies a frozen snapshot:
-- `python -m trainers.sqlfiles freeze NNNN_name` (docs/read-model.md, "Changing a
-- definition"). Tables, sequences and indexes live in the migrations' own SQL.

-- A NOTIFY payload holds at most 8000 bytes; past this, "everything changed".
CREATE OR REPLACE FUNCTION read.announce(keys text[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    payload text := array_to_string(keys, ' ');
    pending text := coalesce(current_setting('read.announced', true), '');
BEGIN
    IF coalesce(payload, '') = '' THEN
        RETURN;
    END IF;
    IF length(payload) > 4000 THEN
        payload := '*';
    END IF;
    PERFORM pg_notify('read_keys', payload);
    pending := CASE WHEN pending = '' THEN payload ELSE pending || ' ' || payload END;
    IF length(pending) > 4000 THEN
        pending := '*';
    END IF;
    PERFORM set_config('read.announced', pending, false);
END
$$;

-- What the keys of a trainer's read row depend on, before a projection changes it:
-- {id: [rev, list digest, search digest, facet digest]}. A list page shows the item
-- and depends on the filter and sort columns; a search also on the search vector;
-- the facet counts on the branch and the specialties.
CREATE OR REPLACE FUNCTION read.trainer_marks(ids uuid[]) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT coalesce(jsonb_object_agg(r.id, jsonb_build_array(
               r.rev,
               md5(ROW(r.sort_key, r.branch_id, r.specialty_ids, r.shift, r."position",
                       r.weekdays, r.on_leave, r.hired_on, r.item)::text),
               md5(ROW(r.names, r.search)::text),
               md5(ROW(r.branch_id, r.specialty_ids)::text))), '{}')
      FROM read.trainer r
     WHERE r.id = ANY(ids)
$$;

-- Announces the keys of `ids` whose marks moved since `before` (read.trainer_marks).
CREATE OR REPLACE FUNCTION read.announce_trainers(ids uuid[], before jsonb) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    after jsonb := read.trainer_marks(ids);
    changed text[];
    lists boolean;
    searches boolean;
    facets boolean;
BEGIN
    SELECT array_agg('t:' || id) FILTER (WHERE a -> 0 IS DISTINCT FROM b -> 0),
           coalesce(bool_or(a -> 1 IS DISTINCT FROM b -> 1), false),
           coalesce(bool_or(a -> 2 IS DISTINCT FROM b -> 2), false),
           coalesce(bool_or(a -> 3 IS DISTINCT FROM b -> 3), false)
      INTO changed, lists, searches, facets
      FROM (SELECT id, after -> id AS a, before -> id AS b
              FROM jsonb_object_keys(after || before) AS id) AS m;
    IF cardinality(changed) > 100 THEN
        changed := ARRAY['*'];
    END IF;
    PERFORM read.announce(
        coalesce(changed, '{}')
        || CASE WHEN lists THEN ARRAY['lists', 'search'] WHEN searches THEN ARRAY['search']
                ELSE '{}' END
        || CASE WHEN facets THEN ARRAY['facets'] ELSE '{}' END);
END
$$;
