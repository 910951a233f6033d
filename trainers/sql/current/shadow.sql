-- Current definitions: rebuild without downtime
--
-- Build the read model into schema `read_shadow` from one snapshot, then swap it in
-- with one short transaction (docs/read-model.md, "Rebuilding without downtime").
-- trainers/rebuild.py drives the phases. The functions read_shadow.project_*() are
-- not defined here: read.shadow_functions() generates them from the live projection
-- functions at every rebuild.
--
-- This folder (trainers/sql/current/) holds the one current definition of every
-- function and trigger of the read model; edit them here, in place. Each file is
-- re-runnable (CREATE OR REPLACE, DROP TRIGGER IF EXISTS + CREATE TRIGGER).
-- A database gets them only through a migration that applies a frozen snapshot:
-- `python -m trainers.sqlfiles freeze NNNN_name` (docs/read-model.md, "Changing a
-- definition"). Tables, sequences and indexes live in the migrations' own SQL.

-- An empty copy of read.<rel>: columns, defaults, checks, storage, comments; no index yet
-- (they are built after the load, which is several times faster than maintaining them).
CREATE OR REPLACE FUNCTION read.shadow_create(rel text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    options text[];
BEGIN
    EXECUTE format('DROP TABLE IF EXISTS read_shadow.%I', rel);
    EXECUTE format('CREATE TABLE read_shadow.%1$I (LIKE read.%1$I INCLUDING ALL EXCLUDING INDEXES)',
                   rel);
    SELECT reloptions INTO options FROM pg_class WHERE oid = format('read.%I', rel)::regclass;
    IF options IS NOT NULL THEN
        EXECUTE format('ALTER TABLE read_shadow.%I SET (%s)', rel, array_to_string(options, ', '));
    END IF;
    -- Until the swap: an autovacuum on it would hold up the swap's lock (ANALYZE runs in the build).
    EXECUTE format('ALTER TABLE read_shadow.%I SET (autovacuum_enabled = false)', rel);
END
$$;

-- Part `part` of `parts` of read_shadow.<rel> (parts > 1 for relations whose rows each
-- belong to one derivation key: read.trainer, read.branch, read.specialty by their ids,
-- read.search_term by its trainer_id): the keys whose hash falls in the part. Sessions
-- that share one snapshot (SET TRANSACTION SNAPSHOT) load the parts side by side;
-- together they load exactly what one session loading everything would. A row equal
-- to its live counterpart keeps the live `rev`, so an unchanged row keeps its ETag.
-- Returns the rows loaded, how many of them differ from their live counterpart
-- ('corrected'), and how many live rows of the part the derivation no longer has ('removed').
CREATE OR REPLACE FUNCTION read.shadow_load(rel text, part integer, parts integer) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    fn text := read.derivation_function(rel);
    keys text := read.derivation_keys(rel);
    -- The column of the derivation keys: read.search_term is derived per trainer.
    key_column text := CASE rel WHEN 'search_term' THEN 'trainer_id' ELSE 'id' END;
    in_part text := 'true';
    key_type regtype;
    uuid_keys uuid[];
    bigint_keys bigint[];
    columns text[];
    statement text;
    loaded bigint;
    kept bigint;
    removed bigint;
BEGIN
    IF parts > 1 THEN
        IF rel NOT IN ('trainer', 'branch', 'specialty', 'search_term') THEN
            RAISE EXCEPTION 'read.shadow_load: read.% is not keyed by its derivation keys', rel;
        END IF;
        in_part := format('(hashtextextended(%%s::text, 0) & 2147483647) %%%% %s = %s', parts, part);
        keys := format('SELECT id FROM (%s) k WHERE %s', keys, format(in_part, 'k.id'));
    END IF;
    SELECT array_agg(quote_ident(attname) ORDER BY attnum) INTO columns
      FROM pg_attribute
     WHERE attrelid = format('read.%I', rel)::regclass AND attnum > 0 AND NOT attisdropped
       AND attname <> 'rev' AND attgenerated = '';
    -- Generated columns (read.trainer.item_text) are computed by the insert itself.
    -- OFFSET 0 keeps the derivation a subquery of its own: flattened, each of its
    -- expressions would be computed twice, for the insert and for the comparison.
    statement := format(
        'INSERT INTO read_shadow.%1$I (%2$s, rev) '
        'SELECT %3$s, CASE WHEN ROW(%4$s) IS NOT DISTINCT FROM ROW(%3$s) THEN l.rev '
        '                  ELSE nextval(''read.rev'') END '
        '  FROM (SELECT * FROM %5$s($1) OFFSET 0) e LEFT JOIN read.%1$I l ON l.id = e.id',
        rel, array_to_string(columns, ', '),
        'e.' || array_to_string(columns, ', e.'), 'l.' || array_to_string(columns, ', l.'), fn);
    SELECT p.proargtypes[0]::regtype INTO key_type FROM pg_proc p WHERE p.oid = fn::regproc;
    IF key_type = 'uuid[]'::regtype THEN
        EXECUTE format('SELECT ARRAY(%s)', keys) INTO uuid_keys;
        EXECUTE statement USING uuid_keys;
    ELSIF key_type = 'bigint[]'::regtype THEN
        EXECUTE format('SELECT ARRAY(%s)', keys) INTO bigint_keys;
        EXECUTE statement USING bigint_keys;
    ELSE
        RAISE EXCEPTION 'read.shadow_load: % takes %, not uuid[] or bigint[]', fn, key_type;
    END IF;
    GET DIAGNOSTICS loaded = ROW_COUNT;
    EXECUTE format('SELECT count(*) FILTER (WHERE s.rev = l.rev), count(*) FILTER (WHERE s.id IS NULL) '
                   '  FROM read.%1$I l LEFT JOIN read_shadow.%1$I s ON s.id = l.id WHERE %2$s',
                   rel, format(in_part, 'l.' || key_column))
       INTO kept, removed;
    RETURN jsonb_build_object('rows', loaded, 'corrected', loaded - kept, 'removed', removed);
END
$$;

-- The whole relation, in one session.
CREATE OR REPLACE FUNCTION read.shadow_load(rel text) RETURNS jsonb
LANGUAGE sql AS $$
    SELECT read.shadow_load(rel, 0, 1)
$$;

-- The constraints (primary key, unique) and indexes of read.<rel>, under the same names.
CREATE OR REPLACE FUNCTION read.shadow_index(rel text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    live regclass := format('read.%I', rel)::regclass;
    item record;
BEGIN
    FOR item IN
        SELECT conname, pg_get_constraintdef(oid) AS def
          FROM pg_constraint WHERE conrelid = live AND contype IN ('p', 'u', 'x') ORDER BY conname
    LOOP
        EXECUTE format('ALTER TABLE read_shadow.%I ADD CONSTRAINT %I %s', rel, item.conname, item.def);
    END LOOP;
    FOR item IN
        SELECT pg_get_indexdef(i.indexrelid) AS def
          FROM pg_index i
         WHERE i.indrelid = live
           AND NOT EXISTS (SELECT FROM pg_constraint c WHERE c.conindid = i.indexrelid)
         ORDER BY i.indexrelid
    LOOP
        EXECUTE replace(item.def, ' ON ' || live::text || ' ',
                        ' ON ' || format('read_shadow.%I', rel) || ' ');
    END LOOP;
    EXECUTE format('ANALYZE read_shadow.%I', rel);
END
$$;

-- read_shadow.project_{branches,specialties,trainers}: the live projection
-- functions with their target tables renamed to the shadow's, generated from
-- their current definitions. They let the rebuild catch up with writes in the
-- shadow, before the swap.
CREATE OR REPLACE FUNCTION read.shadow_functions() RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    fn text;
    def text;
BEGIN
    FOREACH fn IN ARRAY ARRAY['project_branches', 'project_specialties', 'project_trainers'] LOOP
        def := pg_get_functiondef(format('read.%I', fn)::regproc);
        def := regexp_replace(def, '\mread\.(trainer|class|branch|specialty|search_term)\M(?!_)',
                              'read_shadow.\1', 'g');
        def := regexp_replace(def, '\mread\.(project_(trainers|branches|specialties))\M',
                              'read_shadow.\1', 'g');
        EXECUTE def;
    END LOOP;
END
$$;

-- How old (age(), in transactions) the oldest transaction that `snap` cannot
-- see is: its xmin. A row whose xmin is at most this old may have been written
-- after the snapshot. Conservative on purpose: a transaction committed between
-- the snapshot's xmin and xmax was visible to it, but telling it apart needs
-- the snapshot's subtransaction list, which pg_snapshot does not carry (Django
-- nests savepoints, e.g. in the admin). Exact for xids within 2^31 of now.
CREATE OR REPLACE FUNCTION read.snapshot_horizon(snap pg_snapshot) RETURNS integer
LANGUAGE sql STABLE
RETURN age((pg_snapshot_xmin(snap)::text::bigint % 4294967296)::text::xid);

-- Brings the shadow up to date with everything written after snapshot `snap`,
-- with the shadow projection functions. Returns the keys it re-projected.
--
-- What changed after the snapshot:
-- * live rows written after it (age(xmin) <= horizon: see read.snapshot_horizon;
--   a frozen xmin has the largest age);
-- * shadow rows whose live row is gone and which no longer derive (a trainer no
--   longer public, a class no longer taught by a public trainer, a branch or
--   specialty deleted): a projection after the snapshot deleted them. A shadow
--   row that is gone from the live table but still derives was missing already
--   at the snapshot (any projection of it since would have put it back), and
--   the shadow has it right.
-- A live row absent from the shadow and not written since was wrong at the
-- snapshot, and the shadow drops it. Every other shadow row was derived from
-- write rows that nobody has changed since. read.search_term needs no scan of its
-- own: its rows are a function of the trainer's read.trainer.search (the words it
-- holds at weights A and B, with their counts), so a projection that writes or
-- deletes one writes or deletes that trainer's read.trainer row too, which the scans
-- above find; read_shadow.project_trainers re-derives both. Trainers are re-projected first:
-- their projection moves facet counts by difference, and the recounts after it
-- set the final figures of the facets that moved.
CREATE OR REPLACE FUNCTION read.shadow_catch_up(snap pg_snapshot) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    horizon integer := read.snapshot_horizon(snap);
    t_ids uuid[];
    b_ids bigint[];
    s_ids bigint[];
BEGIN
    t_ids := ARRAY(
        SELECT id FROM read.trainer WHERE age(xmin) <= horizon
        UNION
        SELECT id FROM read_shadow.trainer s
         WHERE NOT EXISTS (SELECT FROM read.trainer l WHERE l.id = s.id)
           AND NOT EXISTS (SELECT FROM trainers_trainer w
                            WHERE w.id = s.id AND read.is_public(w.status))
        UNION
        SELECT trainer_id FROM read.class WHERE age(xmin) <= horizon
        UNION
        SELECT trainer_id FROM read_shadow.class s
         WHERE NOT EXISTS (SELECT FROM read.class l WHERE l.id = s.id)
           AND NOT EXISTS (SELECT FROM trainers_gymclass g
                             JOIN trainers_trainer w ON w.id = g.trainer_id
                            WHERE g.id = s.id AND read.is_public(w.status)));
    b_ids := ARRAY(
        SELECT id FROM read.branch WHERE age(xmin) <= horizon
        UNION
        SELECT id FROM read_shadow.branch s
         WHERE NOT EXISTS (SELECT FROM read.branch l WHERE l.id = s.id)
           AND NOT EXISTS (SELECT FROM trainers_branch w WHERE w.id = s.id));
    s_ids := ARRAY(
        SELECT id FROM read.specialty WHERE age(xmin) <= horizon
        UNION
        SELECT id FROM read_shadow.specialty s
         WHERE NOT EXISTS (SELECT FROM read.specialty l WHERE l.id = s.id)
           AND NOT EXISTS (SELECT FROM trainers_specialty w WHERE w.id = s.id));
    -- Trainers first: their projection moves facet counts by difference, and the
    -- recounts after it set the final figures of the facets that moved.
    PERFORM read_shadow.project_trainers(t_ids);
    PERFORM read_shadow.project_branches(b_ids);
    PERFORM read_shadow.project_specialties(s_ids);
    RETURN jsonb_build_object('trainer', cardinality(t_ids), 'branch', cardinality(b_ids),
                              'specialty', cardinality(s_ids));
END
$$;

-- Catches the shadow up with the writes after `snap` and swaps it in for read.*.
-- One transaction; its locks, in this order:
--   1. SHARE UPDATE EXCLUSIVE on the read tables: keeps autovacuum off them
--      (it yields to us) while readers and writers go on;
--   2. SHARE on the write tables: in-flight writes commit first, new ones wait
--      until we commit (every projection starts with a write-table statement);
--   3. SHARE on the read tables (no writer left); catch the shadow up with what
--      writers changed since `snap` (read.shadow_catch_up);
--   4. ACCESS EXCLUSIVE on the read tables: readers wait from here to commit,
--      which is only the renames.
-- The caller runs read.shadow_catch_up() before, without these locks, so that
-- little is left to catch up here. The old tables go to schema read_old;
-- the caller drops them after commit. Returns what it re-projected and timings.
CREATE OR REPLACE FUNCTION read.shadow_swap(snap pg_snapshot) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    started timestamptz := clock_timestamp();
    caller_lock_timeout text := current_setting('lock_timeout');
    writers_locked timestamptz;
    readers_locked timestamptz;
    caught_up timestamptz;
    rel text;
    dependents text;
    grant_sql text;
    reprojected jsonb;
BEGIN
    -- Waiting here blocks nobody: give autovacuum time to notice and yield.
    PERFORM set_config('lock_timeout', '30s', true);
    LOCK TABLE read_shadow.branch, read_shadow.specialty, read_shadow.trainer, read_shadow.class,
               read_shadow.search_term
          IN ACCESS EXCLUSIVE MODE;
    LOCK TABLE read.branch, read.specialty, read.trainer, read.class, read.search_term
          IN SHARE UPDATE EXCLUSIVE MODE;
    PERFORM set_config('lock_timeout', caller_lock_timeout, true);

    LOCK TABLE trainers_branch, trainers_specialty, trainers_trainer,
               trainers_trainer_specialties, trainers_certification, trainers_gymclass,
               trainers_formerslug
          IN SHARE MODE;
    LOCK TABLE read.branch, read.specialty, read.trainer, read.class, read.search_term
          IN SHARE MODE;
    writers_locked := clock_timestamp();

    -- Triggers, row policies and dependent views or functions would stay with the
    -- old tables; refuse instead.
    SELECT string_agg(d, ', ') INTO dependents FROM (
        SELECT format('trigger %s on %s', tgname, tgrelid::regclass) AS d FROM pg_trigger
         WHERE tgrelid IN ('read.branch'::regclass, 'read.specialty'::regclass,
                           'read.trainer'::regclass, 'read.class'::regclass,
                           'read.search_term'::regclass)
           AND NOT tgisinternal
        UNION ALL
        SELECT format('policy %s on %s', polname, polrelid::regclass) FROM pg_policy
         WHERE polrelid IN ('read.branch'::regclass, 'read.specialty'::regclass,
                            'read.trainer'::regclass, 'read.class'::regclass,
                            'read.search_term'::regclass)
        UNION ALL
        SELECT DISTINCT pg_describe_object(classid, objid, objsubid) FROM pg_depend d
         WHERE refclassid = 'pg_class'::regclass AND deptype = 'n'
           AND refobjid IN ('read.branch'::regclass, 'read.specialty'::regclass,
                            'read.trainer'::regclass, 'read.class'::regclass,
                           'read.search_term'::regclass)
           -- A generated column's expression (read.trainer.item_text) is its own table's:
           -- the shadow copy has its own.
           AND NOT EXISTS (SELECT FROM pg_attrdef a
                            WHERE d.classid = 'pg_attrdef'::regclass AND a.oid = d.objid
                              AND a.adrelid = d.refobjid)) AS x;
    IF dependents IS NOT NULL THEN
        RAISE EXCEPTION 'the read tables have dependents that a shadow swap cannot carry over: %',
            dependents;
    END IF;

    reprojected := read.shadow_catch_up(snap);
    caught_up := clock_timestamp();

    LOCK TABLE read.branch, read.specialty, read.trainer, read.class, read.search_term
          IN ACCESS EXCLUSIVE MODE;
    readers_locked := clock_timestamp();
    FOREACH rel IN ARRAY ARRAY['branch', 'specialty', 'trainer', 'class', 'search_term'] LOOP
        -- Privileges of the live table (a read-only role's SELECT, for one).
        FOR grant_sql IN
            SELECT format('GRANT %s ON read_shadow.%I TO %s%s', a.privilege_type, rel,
                          CASE WHEN a.grantee = 0 THEN 'PUBLIC'
                               ELSE quote_ident(a.grantee::regrole::text) END,
                          CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END)
              FROM pg_class c, aclexplode(c.relacl) a
             WHERE c.oid = format('read.%I', rel)::regclass AND a.grantee <> c.relowner
        LOOP
            EXECUTE grant_sql;
        END LOOP;
        EXECUTE format('DROP TABLE IF EXISTS read_old.%I', rel);
        EXECUTE format('ALTER TABLE read.%I SET SCHEMA read_old', rel);
        EXECUTE format('ALTER TABLE read_shadow.%I RESET (autovacuum_enabled)', rel);
        EXECUTE format('ALTER TABLE read_shadow.%I SET SCHEMA read', rel);
    END LOOP;
    -- Any answer of the query side may differ from the swapped-in tables.
    PERFORM read.announce(ARRAY['*']);

    RETURN jsonb_build_object(
        'lock_wait_ms', round(extract(epoch FROM writers_locked - started) * 1000, 1),
        'catch_up_ms', round(extract(epoch FROM caught_up - writers_locked) * 1000, 1),
        'reader_lock_wait_ms', round(extract(epoch FROM readers_locked - caught_up) * 1000, 1),
        'rename_ms', round(extract(epoch FROM clock_timestamp() - readers_locked) * 1000, 1),
        'readers_locked_at', extract(epoch FROM readers_locked),
        'writers_locked_at', extract(epoch FROM writers_locked),
        'reprojected', reprojected);
END
$$;

-- The replaced tables, once the swap has committed (a separate, unhurried transaction).
CREATE OR REPLACE FUNCTION read.shadow_drop_old() RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    rel text;
BEGIN
    FOREACH rel IN ARRAY ARRAY['branch', 'specialty', 'trainer', 'class', 'search_term'] LOOP
        EXECUTE format('DROP TABLE IF EXISTS read_old.%I', rel);
    END LOOP;
END
$$;
