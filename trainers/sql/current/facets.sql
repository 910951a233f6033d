-- Current definitions: writes to branches and specialties announce themselves
--
-- The query side caches the facet lists (/query/branches, /query/specialties) under
-- the key `facets` (announce.sql). The projection announces it when it changes a
-- branch or specialty row or a count; these statement triggers also announce it for
-- every write to the branch and specialty tables, TRUNCATE included. A rebuild's swap
-- announces every key (`*`).
--
-- This folder (trainers/sql/current/) holds the one current definition of every
-- function and trigger of the read model; edit them here, in place. Each file is
-- re-runnable (CREATE OR REPLACE, DROP TRIGGER IF EXISTS + CREATE TRIGGER).
-- A database gets them only through a migration that applies a frozen snapshot:
-- `python -m trainers.sqlfiles freeze NNNN_name` (docs/read-model.md, "Changing a
-- definition"). Tables, sequences and indexes live in the migrations' own SQL.

CREATE OR REPLACE FUNCTION read.announce_facets() RETURNS void
LANGUAGE sql
RETURN read.announce(ARRAY['facets']);

CREATE OR REPLACE FUNCTION read.on_facet_write() RETURNS trigger
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan  -- projection.sql, "Generic plans"
AS $$
BEGIN
    PERFORM read.announce_facets();
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS read_announce_facets ON trainers_branch;
CREATE TRIGGER read_announce_facets
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON trainers_branch
    FOR EACH STATEMENT EXECUTE FUNCTION read.on_facet_write();
DROP TRIGGER IF EXISTS read_announce_facets ON trainers_specialty;
CREATE TRIGGER read_announce_facets
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON trainers_specialty
    FOR EACH STATEMENT EXECUTE FUNCTION read.on_facet_write();
