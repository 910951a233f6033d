-- Current definitions: the projection's triggers on the write tables
--
-- Statement-level triggers: one projection call per write statement, with the keys
-- it touched (transition tables), whoever issued it: command handlers, queryset
-- update()/delete(), admin bulk actions, raw SQL, data migrations. PostgreSQL allows
-- transition tables on one event per trigger, hence four triggers per table sharing
-- one function; TRUNCATE rebuilds everything.
--
-- This folder (trainers/sql/current/) holds the one current definition of every
-- function and trigger of the read model; edit them here, in place. Each file is
-- re-runnable (CREATE OR REPLACE, DROP TRIGGER IF EXISTS + CREATE TRIGGER).
-- A database gets them only through a migration that applies a frozen snapshot:
-- `python -m trainers.sqlfiles freeze NNNN_name` (docs/read-model.md, "Changing a
-- definition"). Tables, sequences and indexes live in the migrations' own SQL.

CREATE OR REPLACE FUNCTION read.on_trainer_write() RETURNS trigger
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan  -- projection.sql, "Generic plans"
AS $$
BEGIN
    IF read.projection_deferred() THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        PERFORM read.project_trainers(ARRAY(SELECT id FROM new_rows));
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM read.project_trainers(ARRAY(SELECT id FROM new_rows UNION SELECT id FROM old_rows));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM read.project_trainers(ARRAY(SELECT id FROM old_rows));
    ELSE
        PERFORM read.rebuild();
    END IF;
    RETURN NULL;
END
$$;

-- Specialty links, certifications, classes and former slugs: rows that belong to a trainer.
CREATE OR REPLACE FUNCTION read.on_trainer_part_write() RETURNS trigger
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan  -- projection.sql, "Generic plans"
AS $$
BEGIN
    IF read.projection_deferred() THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        PERFORM read.project_trainers(ARRAY(SELECT DISTINCT trainer_id FROM new_rows));
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM read.project_trainers(ARRAY(
            SELECT trainer_id FROM new_rows UNION SELECT trainer_id FROM old_rows));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM read.project_trainers(ARRAY(SELECT DISTINCT trainer_id FROM old_rows));
    ELSE
        PERFORM read.rebuild();
    END IF;
    RETURN NULL;
END
$$;

-- A branch, and the trainers and classes whose documents show its renamed fields.
CREATE OR REPLACE FUNCTION read.on_branch_write() RETURNS trigger
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan  -- projection.sql, "Generic plans"
AS $$
DECLARE
    renamed bigint[];
BEGIN
    IF read.projection_deferred() THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        PERFORM read.project_branches(ARRAY(SELECT id FROM new_rows));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM read.project_branches(ARRAY(SELECT id FROM old_rows));
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM read.project_branches(ARRAY(SELECT id FROM new_rows UNION SELECT id FROM old_rows));
        -- Only public fields copied into trainer and class documents matter to them.
        renamed := ARRAY(
            SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
             WHERE (n.slug, n.name, n.city) IS DISTINCT FROM (o.slug, o.name, o.city));
        IF cardinality(renamed) > 0 THEN
            PERFORM read.project_trainers(ARRAY(
                SELECT t.id FROM trainers_trainer t WHERE t.branch_id = ANY(renamed)
                UNION SELECT g.trainer_id FROM trainers_gymclass g WHERE g.branch_id = ANY(renamed)));
        END IF;
    ELSE
        PERFORM read.rebuild();
    END IF;
    RETURN NULL;
END
$$;

-- A specialty, and the trainers whose documents show its renamed fields.
CREATE OR REPLACE FUNCTION read.on_specialty_write() RETURNS trigger
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan  -- projection.sql, "Generic plans"
AS $$
DECLARE
    renamed bigint[];
BEGIN
    IF read.projection_deferred() THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        PERFORM read.project_specialties(ARRAY(SELECT id FROM new_rows));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM read.project_specialties(ARRAY(SELECT id FROM old_rows));
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM read.project_specialties(
            ARRAY(SELECT id FROM new_rows UNION SELECT id FROM old_rows));
        renamed := ARRAY(
            SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
             WHERE (n.slug, n.name) IS DISTINCT FROM (o.slug, o.name));
        IF cardinality(renamed) > 0 THEN
            PERFORM read.project_trainers(ARRAY(
                SELECT DISTINCT ts.trainer_id FROM trainers_trainer_specialties ts
                 WHERE ts.specialty_id = ANY(renamed)));
        END IF;
    ELSE
        PERFORM read.rebuild();
    END IF;
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS read_project_insert ON trainers_trainer;
CREATE TRIGGER read_project_insert AFTER INSERT ON trainers_trainer
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION read.on_trainer_write();
DROP TRIGGER IF EXISTS read_project_update ON trainers_trainer;
CREATE TRIGGER read_project_update AFTER UPDATE ON trainers_trainer
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION read.on_trainer_write();
DROP TRIGGER IF EXISTS read_project_delete ON trainers_trainer;
CREATE TRIGGER read_project_delete AFTER DELETE ON trainers_trainer
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION read.on_trainer_write();
DROP TRIGGER IF EXISTS read_project_truncate ON trainers_trainer;
CREATE TRIGGER read_project_truncate AFTER TRUNCATE ON trainers_trainer
    FOR EACH STATEMENT EXECUTE FUNCTION read.on_trainer_write();

DROP TRIGGER IF EXISTS read_project_insert ON trainers_trainer_specialties;
CREATE TRIGGER read_project_insert AFTER INSERT ON trainers_trainer_specialties
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION read.on_trainer_part_write();
DROP TRIGGER IF EXISTS read_project_update ON trainers_trainer_specialties;
CREATE TRIGGER read_project_update AFTER UPDATE ON trainers_trainer_specialties
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION read.on_trainer_part_write();
DROP TRIGGER IF EXISTS read_project_delete ON trainers_trainer_specialties;
CREATE TRIGGER read_project_delete AFTER DELETE ON trainers_trainer_specialties
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION read.on_trainer_part_write();
DROP TRIGGER IF EXISTS read_project_truncate ON trainers_trainer_specialties;
CREATE TRIGGER read_project_truncate AFTER TRUNCATE ON trainers_trainer_specialties
    FOR EACH STATEMENT EXECUTE FUNCTION read.on_trainer_part_write();

DROP TRIGGER IF EXISTS read_project_insert ON trainers_certification;
CREATE TRIGGER read_project_insert AFTER INSERT ON trainers_certification
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION read.on_trainer_part_write();
DROP TRIGGER IF EXISTS read_project_update ON trainers_certification;
CREATE TRIGGER read_project_update AFTER UPDATE ON trainers_certification
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION read.on_trainer_part_write();
DROP TRIGGER IF EXISTS read_project_delete ON trainers_certification;
CREATE TRIGGER read_project_delete AFTER DELETE ON trainers_certification
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION read.on_trainer_part_write();
DROP TRIGGER IF EXISTS read_project_truncate ON trainers_certification;
CREATE TRIGGER read_project_truncate AFTER TRUNCATE ON trainers_certification
    FOR EACH STATEMENT EXECUTE FUNCTION read.on_trainer_part_write();

DROP TRIGGER IF EXISTS read_project_insert ON trainers_gymclass;
CREATE TRIGGER read_project_insert AFTER INSERT ON trainers_gymclass
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION read.on_trainer_part_write();
DROP TRIGGER IF EXISTS read_project_update ON trainers_gymclass;
CREATE TRIGGER read_project_update AFTER UPDATE ON trainers_gymclass
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION read.on_trainer_part_write();
DROP TRIGGER IF EXISTS read_project_delete ON trainers_gymclass;
CREATE TRIGGER read_project_delete AFTER DELETE ON trainers_gymclass
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION read.on_trainer_part_write();
DROP TRIGGER IF EXISTS read_project_truncate ON trainers_gymclass;
CREATE TRIGGER read_project_truncate AFTER TRUNCATE ON trainers_gymclass
    FOR EACH STATEMENT EXECUTE FUNCTION read.on_trainer_part_write();

DROP TRIGGER IF EXISTS read_project_insert ON trainers_formerslug;
CREATE TRIGGER read_project_insert AFTER INSERT ON trainers_formerslug
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION read.on_trainer_part_write();
DROP TRIGGER IF EXISTS read_project_update ON trainers_formerslug;
CREATE TRIGGER read_project_update AFTER UPDATE ON trainers_formerslug
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION read.on_trainer_part_write();
DROP TRIGGER IF EXISTS read_project_delete ON trainers_formerslug;
CREATE TRIGGER read_project_delete AFTER DELETE ON trainers_formerslug
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION read.on_trainer_part_write();
DROP TRIGGER IF EXISTS read_project_truncate ON trainers_formerslug;
CREATE TRIGGER read_project_truncate AFTER TRUNCATE ON trainers_formerslug
    FOR EACH STATEMENT EXECUTE FUNCTION read.on_trainer_part_write();

DROP TRIGGER IF EXISTS read_project_insert ON trainers_branch;
CREATE TRIGGER read_project_insert AFTER INSERT ON trainers_branch
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION read.on_branch_write();
DROP TRIGGER IF EXISTS read_project_update ON trainers_branch;
CREATE TRIGGER read_project_update AFTER UPDATE ON trainers_branch
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION read.on_branch_write();
DROP TRIGGER IF EXISTS read_project_delete ON trainers_branch;
CREATE TRIGGER read_project_delete AFTER DELETE ON trainers_branch
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION read.on_branch_write();
DROP TRIGGER IF EXISTS read_project_truncate ON trainers_branch;
CREATE TRIGGER read_project_truncate AFTER TRUNCATE ON trainers_branch
    FOR EACH STATEMENT EXECUTE FUNCTION read.on_branch_write();

DROP TRIGGER IF EXISTS read_project_insert ON trainers_specialty;
CREATE TRIGGER read_project_insert AFTER INSERT ON trainers_specialty
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION read.on_specialty_write();
DROP TRIGGER IF EXISTS read_project_update ON trainers_specialty;
CREATE TRIGGER read_project_update AFTER UPDATE ON trainers_specialty
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION read.on_specialty_write();
DROP TRIGGER IF EXISTS read_project_delete ON trainers_specialty;
CREATE TRIGGER read_project_delete AFTER DELETE ON trainers_specialty
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION read.on_specialty_write();
DROP TRIGGER IF EXISTS read_project_truncate ON trainers_specialty;
CREATE TRIGGER read_project_truncate AFTER TRUNCATE ON trainers_specialty
    FOR EACH STATEMENT EXECUTE FUNCTION read.on_specialty_write();
