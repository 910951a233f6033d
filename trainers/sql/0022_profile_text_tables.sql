-- Migration 0022: each trainer's detail fields also stored as JSON text: the members of
-- `profile` but its certifications (whose expired entries are dropped at read time),
-- without the object's braces and followed by ", ". The detail statement splices it
-- with the stored list item (`item_text`) instead of merging two jsonb documents and
-- printing the result at every read (readapi/handlers/trainers.py). PostgreSQL computes
-- it when a row is written, so the projection and the rebuild leave it alone and the
-- check leaves it out.
ALTER TABLE read.trainer
    ADD COLUMN profile_text text GENERATED ALWAYS AS (
        CASE WHEN profile - 'certifications' = '{}' THEN ''
             ELSE left(substr((profile - 'certifications')::text, 2), -1) || ', ' END) STORED;
