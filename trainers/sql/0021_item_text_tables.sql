-- Migration 0021: each trainer's list item also stored as JSON text, without its opening
-- brace: list and search pages splice it as it is instead of printing the jsonb at
-- every read (readapi/handlers/search.py). PostgreSQL computes it when a row is
-- written, so the projection, the rebuild and the check leave it alone.
ALTER TABLE read.trainer
    ADD COLUMN item_text text GENERATED ALWAYS AS (substr(item::text, 2)) STORED;
