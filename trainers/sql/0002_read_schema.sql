-- The read model: denormalized, public-only rows shaped for the query API.
-- Owned by the projection functions (0002_projection.sql); never written by hand.
-- Every row carries `rev`, a value unique to each write of that row: ETags are built from it.

CREATE SCHEMA read;

CREATE SEQUENCE read.rev;

CREATE TABLE read.branch (
    id bigint PRIMARY KEY,
    slug text NOT NULL UNIQUE,
    name text NOT NULL,
    city text NOT NULL,
    timezone text NOT NULL,
    trainer_count integer NOT NULL,
    rev bigint NOT NULL DEFAULT nextval('read.rev')
);
CREATE INDEX branch_by_name ON read.branch (name, slug);

CREATE TABLE read.specialty (
    id bigint PRIMARY KEY,
    slug text NOT NULL UNIQUE,
    name text NOT NULL,
    trainer_count integer NOT NULL,
    rev bigint NOT NULL DEFAULT nextval('read.rev')
);
CREATE INDEX specialty_by_name ON read.specialty (name, slug);

-- One row per public (published or on-leave) trainer.
CREATE TABLE read.trainer (
    id uuid PRIMARY KEY,
    slug text NOT NULL,
    sort_key text COLLATE "C" NOT NULL,
    names text NOT NULL,
    first_name text NOT NULL,
    last_name text NOT NULL,
    position text NOT NULL,
    shift text NOT NULL,
    on_leave boolean NOT NULL,
    hired_on date NOT NULL,
    branch_id bigint NOT NULL,
    specialty_ids bigint[] NOT NULL,
    weekdays smallint[] NOT NULL,
    search tsvector NOT NULL,
    version integer NOT NULL,
    item jsonb NOT NULL,
    profile jsonb NOT NULL,
    rev bigint NOT NULL DEFAULT nextval('read.rev')
);
CREATE INDEX trainer_by_name ON read.trainer (sort_key, id);
CREATE INDEX trainer_by_branch ON read.trainer (branch_id, sort_key, id);
CREATE INDEX trainer_specialties ON read.trainer USING gin (specialty_ids);
CREATE INDEX trainer_weekdays ON read.trainer USING gin (weekdays);
CREATE INDEX trainer_search ON read.trainer USING gin (search);

-- The weekly timetable: classes taught by public trainers.
CREATE TABLE read.class (
    id bigint PRIMARY KEY,
    branch_id bigint NOT NULL,
    weekday smallint NOT NULL,
    start_time time NOT NULL,
    trainer_id uuid NOT NULL,
    doc jsonb NOT NULL,
    rev bigint NOT NULL DEFAULT nextval('read.rev')
);
CREATE INDEX class_by_branch_slot ON read.class (branch_id, weekday, start_time, id);
CREATE INDEX class_by_slot ON read.class (weekday, start_time, id);
CREATE INDEX class_by_trainer ON read.class (trainer_id);

-- Tenure changes with the calendar, so it is derived at query time, in UTC.
CREATE FUNCTION read.today() RETURNS date
LANGUAGE sql STABLE PARALLEL SAFE
RETURN (statement_timestamp() AT TIME ZONE 'UTC')::date;

CREATE FUNCTION read.tenure_years(hired_on date) RETURNS integer
LANGUAGE sql STABLE PARALLEL SAFE
RETURN greatest(date_part('year', age(read.today(), hired_on))::integer, 0);

-- Trigram matching on names where pg_trgm can be installed (contrib present,
-- enough privilege); the query side falls back to full-text alone otherwise.
DO $$
DECLARE
    trgm_schema text;
BEGIN
    BEGIN
        CREATE EXTENSION IF NOT EXISTS pg_trgm;
    EXCEPTION WHEN OTHERS THEN
        RAISE NOTICE 'pg_trgm unavailable (%); name search uses full-text only', SQLERRM;
    END;
    SELECT extnamespace::regnamespace::text INTO trgm_schema
    FROM pg_extension WHERE extname = 'pg_trgm';
    IF trgm_schema IS NOT NULL THEN
        EXECUTE format(
            'CREATE INDEX trainer_names_trgm ON read.trainer USING gin (names %s.gin_trgm_ops)',
            trgm_schema
        );
    END IF;
END
$$;
