-- Current definitions: small helpers shared by the projection and the query side
--
-- Which trainers are public, tenure at query time, and the bulk loaders' switch
-- that defers the projection to an explicit read.rebuild().
--
-- This folder (trainers/sql/current/) holds the one current definition of every
-- function and trigger of the read model; edit them here, in place. Each file is
-- re-runnable (CREATE OR REPLACE, DROP TRIGGER IF EXISTS + CREATE TRIGGER).
-- A database gets them only through a migration that applies a frozen snapshot:
-- `python -m trainers.sqlfiles freeze NNNN_name` (docs/read-model.md, "Changing a
-- definition"). Tables, sequences and indexes live in the migrations' own SQL.

-- A trainer the public sees: published or on leave.
CREATE OR REPLACE FUNCTION read.is_public(status text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN status IN ('published', 'on_leave');

-- Tenure changes with the calendar, so it is derived at query time, in UTC.
CREATE OR REPLACE FUNCTION read.today() RETURNS date
LANGUAGE sql STABLE PARALLEL SAFE
RETURN (statement_timestamp() AT TIME ZONE 'UTC')::date;

CREATE OR REPLACE FUNCTION read.tenure_years(hired_on date) RETURNS integer
LANGUAGE sql STABLE PARALLEL SAFE
RETURN greatest(date_part('year', age(read.today(), hired_on))::integer, 0);

-- Bulk loaders may `SET LOCAL read.defer_projection = on` and call read.rebuild() before commit.
CREATE OR REPLACE FUNCTION read.projection_deferred() RETURNS boolean
LANGUAGE sql STABLE
RETURN coalesce(current_setting('read.defer_projection', true), '') IN ('on', 'true', '1');
