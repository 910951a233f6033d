-- Statement-level triggers: one projection call per write statement, with the
-- keys it touched (transition tables), whoever issued it: command handlers,
-- queryset update()/delete(), admin bulk actions, raw SQL, data migrations.
-- PostgreSQL allows transition tables on one event per trigger, hence three
-- triggers per table sharing one function.

CREATE FUNCTION read.on_trainer_write() RETURNS trigger
LANGUAGE plpgsql AS $$
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

-- Specialty links, certifications and classes: rows that belong to a trainer.
CREATE FUNCTION read.on_trainer_part_write() RETURNS trigger
LANGUAGE plpgsql AS $$
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

CREATE FUNCTION read.on_branch_write() RETURNS trigger
LANGUAGE plpgsql AS $$
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

CREATE FUNCTION read.on_specialty_write() RETURNS trigger
LANGUAGE plpgsql AS $$
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

DO $$
DECLARE
    target record;
BEGIN
    FOR target IN
        SELECT * FROM (VALUES
            ('trainers_trainer', 'read.on_trainer_write'),
            ('trainers_trainer_specialties', 'read.on_trainer_part_write'),
            ('trainers_certification', 'read.on_trainer_part_write'),
            ('trainers_gymclass', 'read.on_trainer_part_write'),
            ('trainers_branch', 'read.on_branch_write'),
            ('trainers_specialty', 'read.on_specialty_write')
        ) AS t (tbl, fn)
    LOOP
        EXECUTE format('CREATE TRIGGER read_project_insert AFTER INSERT ON %I '
                       'REFERENCING NEW TABLE AS new_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION %s()', target.tbl, target.fn);
        EXECUTE format('CREATE TRIGGER read_project_update AFTER UPDATE ON %I '
                       'REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION %s()', target.tbl, target.fn);
        EXECUTE format('CREATE TRIGGER read_project_delete AFTER DELETE ON %I '
                       'REFERENCING OLD TABLE AS old_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION %s()', target.tbl, target.fn);
        EXECUTE format('CREATE TRIGGER read_project_truncate AFTER TRUNCATE ON %I '
                       'FOR EACH STATEMENT EXECUTE FUNCTION %s()', target.tbl, target.fn);
    END LOOP;
END
$$;
