-- Current definitions: every difference between the read model and a fresh derivation
--
-- `rev` is bookkeeping, not content, and is left out of the comparison (read.content),
-- as are the columns PostgreSQL generates from others: `read.trainer.item_text` and
-- `card_html` (from `item`, migrations 0021 and 0023) and `profile_text` (from
-- `profile`, 0022).
-- read.check() compares everything at once; read.check_relation() one relation at a
-- time (the ops API and check_read_model report per relation).
--
-- This folder (trainers/sql/current/) holds the one current definition of every
-- function and trigger of the read model; edit them here, in place. Each file is
-- re-runnable (CREATE OR REPLACE, DROP TRIGGER IF EXISTS + CREATE TRIGGER).
-- A database gets them only through a migration that applies a frozen snapshot:
-- `python -m trainers.sqlfiles freeze NNNN_name` (docs/read-model.md, "Changing a
-- definition"). Tables, sequences and indexes live in the migrations' own SQL.

CREATE OR REPLACE FUNCTION read.differing_columns(expected jsonb, actual jsonb) RETURNS text
LANGUAGE sql IMMUTABLE
RETURN (SELECT string_agg(k, ', ' ORDER BY k)
          FROM (SELECT jsonb_object_keys(coalesce(expected, '{}') || coalesce(actual, '{}'))) AS x (k)
         WHERE k <> 'rev' AND expected -> k IS DISTINCT FROM actual -> k);

-- A read row as the check compares it: without its bookkeeping and generated columns.
CREATE OR REPLACE FUNCTION read.content(actual jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE
RETURN actual - ARRAY['rev', 'item_text', 'profile_text', 'card_html'];

CREATE OR REPLACE FUNCTION read.check()
RETURNS TABLE (relation text, key text, problem text)
LANGUAGE sql STABLE AS $$
    WITH
    e_branch AS (SELECT * FROM read.branch_rows(ARRAY(SELECT id FROM trainers_branch))),
    e_specialty AS (SELECT * FROM read.specialty_rows(ARRAY(SELECT id FROM trainers_specialty))),
    e_trainer AS (SELECT * FROM read.trainer_rows(ARRAY(SELECT id FROM trainers_trainer))),
    e_class AS (SELECT * FROM read.class_rows(ARRAY(SELECT id FROM trainers_trainer))),
    e_search_term AS (
        SELECT * FROM read.search_term_rows(ARRAY(SELECT id FROM trainers_trainer))),
    diff AS (
        SELECT 'read.branch' AS relation, coalesce(e.id, a.id)::text AS key,
               to_jsonb(e) AS expected, read.content(to_jsonb(a)) AS actual
          FROM e_branch e FULL JOIN read.branch a ON a.id = e.id
        UNION ALL
        SELECT 'read.specialty', coalesce(e.id, a.id)::text, to_jsonb(e), read.content(to_jsonb(a))
          FROM e_specialty e FULL JOIN read.specialty a ON a.id = e.id
        UNION ALL
        SELECT 'read.trainer', coalesce(e.id, a.id)::text, to_jsonb(e), read.content(to_jsonb(a))
          FROM e_trainer e FULL JOIN read.trainer a ON a.id = e.id
        UNION ALL
        SELECT 'read.class', coalesce(e.id, a.id)::text, to_jsonb(e), read.content(to_jsonb(a))
          FROM e_class e FULL JOIN read.class a ON a.id = e.id
        UNION ALL
        SELECT 'read.search_term', coalesce(e.id, a.id)::text, to_jsonb(e), read.content(to_jsonb(a))
          FROM e_search_term e FULL JOIN read.search_term a ON a.id = e.id
    )
    SELECT relation, key,
           CASE WHEN actual IS NULL THEN 'missing'
                WHEN expected IS NULL THEN 'unexpected'
                ELSE 'differs in ' || read.differing_columns(expected, actual) END
      FROM diff
     WHERE expected IS DISTINCT FROM actual
     ORDER BY relation, key
$$;

CREATE OR REPLACE FUNCTION read.check_relation(rel text)
RETURNS TABLE (relation text, key text, problem text)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN QUERY EXECUTE format(
        'SELECT %1$L, coalesce(e.id, a.id)::text, '
        '       CASE WHEN a.id IS NULL THEN ''missing'' '
        '            WHEN e.id IS NULL THEN ''unexpected'' '
        '            ELSE ''differs in '' || read.differing_columns(to_jsonb(e), read.content(to_jsonb(a))) END '
        '  FROM %2$s e FULL JOIN read.%3$I a ON a.id = e.id '
        ' WHERE to_jsonb(e) IS DISTINCT FROM read.content(to_jsonb(a)) '
        ' ORDER BY 2',
        'read.' || rel, read.derivation(rel), rel);
END
$$;
