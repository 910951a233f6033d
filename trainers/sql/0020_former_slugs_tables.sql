-- Migration 0020: the slugs that still lead to a public trainer, in its read row.
-- read.trainer_rows() returns one more column (former_slugs), which CREATE OR REPLACE
-- cannot do: the snapshot that follows creates it again.
ALTER TABLE read.trainer ADD COLUMN former_slugs text[] NOT NULL DEFAULT '{}';
CREATE INDEX trainer_by_former_slug ON read.trainer USING gin (former_slugs);
DROP FUNCTION read.trainer_rows(uuid[]);
