-- Current definitions: former slugs, kept by the database for whoever writes a trainer
--
-- trainers_formerslug (the write model; migration 0020) maps a slug a trainer had
-- and nobody holds now to that trainer, so that its old address redirects to the
-- current one (readapi/routes/trainers.py). The triggers below keep it for every
-- write to trainers_trainer (command handlers, queryset update(), raw SQL, data
-- migrations): a slug that changes becomes former, and a slug taken as current (by
-- a rename or a new trainer) stops being anyone's former slug. So a slug is current
-- for one trainer or former for at most one, and the most recent holder keeps it.
-- This is write-model upkeep, not projection: it runs even while the projection is
-- deferred. The projection reads the table through read.trainer_rows (former_slugs),
-- and its own triggers on trainers_formerslug (triggers.sql) re-project the trainers
-- whose former slugs moved, a trainer who lost one to another trainer included.
--
-- This folder (trainers/sql/current/) holds the one current definition of every
-- function and trigger of the read model; edit them here, in place. Each file is
-- re-runnable (CREATE OR REPLACE, DROP TRIGGER IF EXISTS + CREATE TRIGGER).
-- A database gets them only through a migration that applies a frozen snapshot:
-- `python -m trainers.sqlfiles freeze NNNN_name` (docs/read-model.md, "Changing a
-- definition"). Tables, sequences and indexes live in the migrations' own SQL.

CREATE OR REPLACE FUNCTION read.keep_former_slugs() RETURNS trigger
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan  -- projection.sql, "Generic plans"
AS $$
DECLARE
    taken text[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        -- A bulk insert costs one probe of an (often empty) table, not a join.
        IF NOT EXISTS (SELECT FROM trainers_formerslug) THEN
            RETURN NULL;
        END IF;
        taken := ARRAY(SELECT slug FROM new_rows);
    ELSE
        taken := ARRAY(SELECT n.slug FROM new_rows n JOIN old_rows o ON o.id = n.id
                        WHERE n.slug IS DISTINCT FROM o.slug);
        IF cardinality(taken) = 0 THEN
            RETURN NULL;
        END IF;
        -- First the old slugs become former, then the new ones stop being former: a
        -- slug that changes hands within the statement ends up current, not former.
        INSERT INTO trainers_formerslug AS f (slug, trainer_id, retired_at)
        SELECT o.slug, o.id, now() FROM old_rows o JOIN new_rows n ON n.id = o.id
         WHERE n.slug IS DISTINCT FROM o.slug
         ORDER BY 1
        ON CONFLICT (slug) DO UPDATE
           SET trainer_id = excluded.trainer_id, retired_at = excluded.retired_at;
    END IF;
    DELETE FROM trainers_formerslug f WHERE f.slug = ANY(taken);
    RETURN NULL;
END
$$;

-- Named to fire before read_project_* (same event: alphabetical order), so the
-- trainer's projection already sees its former slugs.
DROP TRIGGER IF EXISTS keep_former_slugs_insert ON trainers_trainer;
CREATE TRIGGER keep_former_slugs_insert AFTER INSERT ON trainers_trainer
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION read.keep_former_slugs();
DROP TRIGGER IF EXISTS keep_former_slugs_update ON trainers_trainer;
CREATE TRIGGER keep_former_slugs_update AFTER UPDATE ON trainers_trainer
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION read.keep_former_slugs();
