-- Rebuild without downtime: build the read model into schema `read_shadow` from
-- one snapshot, then swap it in with one short transaction (see docs/read-model.md,
-- "Rebuilding without downtime"). `trainers/rebuild.py` drives the phases.

CREATE SCHEMA IF NOT EXISTS read_shadow;
-- Where the replaced tables wait for their DROP, which runs after the swap commits.
CREATE SCHEMA IF NOT EXISTS read_old;

-- Relation -> what its rows must be, from the write tables alone (as read.check() derives them).
CREATE FUNCTION read.derivation(rel text) RETURNS text
LANGUAGE sql IMMUTABLE
RETURN CASE rel
    WHEN 'branch' THEN 'read.branch_rows(ARRAY(SELECT id FROM trainers_branch))'
    WHEN 'specialty' THEN 'read.specialty_rows(ARRAY(SELECT id FROM trainers_specialty))'
    WHEN 'trainer' THEN 'read.trainer_rows(ARRAY(SELECT id FROM trainers_trainer))'
    WHEN 'class' THEN 'read.class_rows(ARRAY(SELECT id FROM trainers_trainer))'
END;

-- An empty copy of read.<rel>: columns, defaults, checks, storage, comments; no index yet
-- (they are built after the load, which is several times faster than maintaining them).
CREATE FUNCTION read.shadow_create(rel text) RETURNS void
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

-- Fills read_shadow.<rel> with a fresh derivation. A row equal to its live
-- counterpart keeps the live `rev`, so an unchanged row keeps its ETag.
-- Returns the rows loaded and how many live rows the rebuild corrects or removes.
CREATE FUNCTION read.shadow_load(rel text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    columns text;
    loaded bigint;
    kept bigint;
    removed bigint;
BEGIN
    SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO columns
      FROM pg_attribute
     WHERE attrelid = format('read.%I', rel)::regclass AND attnum > 0 AND NOT attisdropped
       AND attname <> 'rev';
    EXECUTE format(
        'INSERT INTO read_shadow.%1$I (%2$s, rev) '
        'SELECT %3$s, CASE WHEN to_jsonb(l) - ''rev'' = to_jsonb(e) THEN l.rev '
        '                  ELSE nextval(''read.rev'') END '
        '  FROM %4$s e LEFT JOIN read.%1$I l ON l.id = e.id',
        rel, columns, 'e.' || replace(columns, ', ', ', e.'), read.derivation(rel));
    GET DIAGNOSTICS loaded = ROW_COUNT;
    EXECUTE format('SELECT count(*) FILTER (WHERE s.rev = l.rev), count(*) FILTER (WHERE s.id IS NULL) '
                   '  FROM read.%1$I l LEFT JOIN read_shadow.%1$I s ON s.id = l.id', rel)
       INTO kept, removed;
    RETURN jsonb_build_object('rows', loaded, 'corrected', loaded - kept, 'removed', removed);
END
$$;

-- The constraints (primary key, unique) and indexes of read.<rel>, under the same names.
CREATE FUNCTION read.shadow_index(rel text) RETURNS void
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
-- their current definitions (so they follow any later CREATE OR REPLACE). They
-- let the rebuild catch up with writes in the shadow, before the swap.
CREATE FUNCTION read.shadow_functions() RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    fn text;
    def text;
BEGIN
    FOREACH fn IN ARRAY ARRAY['project_branches', 'project_specialties', 'project_trainers'] LOOP
        def := pg_get_functiondef(format('read.%I', fn)::regproc);
        def := regexp_replace(def, '\mread\.(trainer|class|branch|specialty)\M(?!_)',
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
CREATE FUNCTION read.snapshot_horizon(snap pg_snapshot) RETURNS integer
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
-- write rows that nobody has changed since.
CREATE FUNCTION read.shadow_catch_up(snap pg_snapshot) RETURNS jsonb
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
    PERFORM read_shadow.project_branches(b_ids);
    PERFORM read_shadow.project_specialties(s_ids);
    PERFORM read_shadow.project_trainers(t_ids);
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
CREATE FUNCTION read.shadow_swap(snap pg_snapshot) RETURNS jsonb
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
    LOCK TABLE read_shadow.branch, read_shadow.specialty, read_shadow.trainer, read_shadow.class
          IN ACCESS EXCLUSIVE MODE;
    LOCK TABLE read.branch, read.specialty, read.trainer, read.class IN SHARE UPDATE EXCLUSIVE MODE;
    PERFORM set_config('lock_timeout', caller_lock_timeout, true);

    LOCK TABLE trainers_branch, trainers_specialty, trainers_trainer,
               trainers_trainer_specialties, trainers_certification, trainers_gymclass
          IN SHARE MODE;
    LOCK TABLE read.branch, read.specialty, read.trainer, read.class IN SHARE MODE;
    writers_locked := clock_timestamp();

    -- Triggers, row policies and dependent views or functions would stay with the
    -- old tables; refuse instead.
    SELECT string_agg(d, ', ') INTO dependents FROM (
        SELECT format('trigger %s on %s', tgname, tgrelid::regclass) AS d FROM pg_trigger
         WHERE tgrelid IN ('read.branch'::regclass, 'read.specialty'::regclass,
                           'read.trainer'::regclass, 'read.class'::regclass)
           AND NOT tgisinternal
        UNION ALL
        SELECT format('policy %s on %s', polname, polrelid::regclass) FROM pg_policy
         WHERE polrelid IN ('read.branch'::regclass, 'read.specialty'::regclass,
                            'read.trainer'::regclass, 'read.class'::regclass)
        UNION ALL
        SELECT DISTINCT pg_describe_object(classid, objid, objsubid) FROM pg_depend
         WHERE refclassid = 'pg_class'::regclass AND deptype = 'n'
           AND refobjid IN ('read.branch'::regclass, 'read.specialty'::regclass,
                            'read.trainer'::regclass, 'read.class'::regclass)) AS x;
    IF dependents IS NOT NULL THEN
        RAISE EXCEPTION 'the read tables have dependents that a shadow swap cannot carry over: %',
            dependents;
    END IF;

    reprojected := read.shadow_catch_up(snap);
    caught_up := clock_timestamp();

    LOCK TABLE read.branch, read.specialty, read.trainer, read.class IN ACCESS EXCLUSIVE MODE;
    readers_locked := clock_timestamp();
    FOREACH rel IN ARRAY ARRAY['branch', 'specialty', 'trainer', 'class'] LOOP
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
CREATE FUNCTION read.shadow_drop_old() RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    rel text;
BEGIN
    FOREACH rel IN ARRAY ARRAY['branch', 'specialty', 'trainer', 'class'] LOOP
        EXECUTE format('DROP TABLE IF EXISTS read_old.%I', rel);
    END LOOP;
END
$$;

-- The check, one relation at a time (the ops API and check_read_model report per relation).
CREATE FUNCTION read.check_relation(rel text)
RETURNS TABLE (relation text, key text, problem text)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN QUERY EXECUTE format(
        'SELECT %1$L, coalesce(e.id, a.id)::text, '
        '       CASE WHEN a.id IS NULL THEN ''missing'' '
        '            WHEN e.id IS NULL THEN ''unexpected'' '
        '            ELSE ''differs in '' || read.differing_columns(to_jsonb(e), to_jsonb(a) - ''rev'') END '
        '  FROM %2$s e FULL JOIN read.%3$I a ON a.id = e.id '
        ' WHERE to_jsonb(e) IS DISTINCT FROM to_jsonb(a) - ''rev'' '
        ' ORDER BY 2',
        'read.' || rel, read.derivation(rel), rel);
END
$$;
