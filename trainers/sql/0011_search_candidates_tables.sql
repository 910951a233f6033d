-- The search's candidates (migration 0011): the words of public trainers' names and
-- specialty names, one row per trainer and word, kept by read.project_trainers in the
-- writer's transaction (trainers/sql/current/projection.sql), derived by
-- read.search_term_rows (current/derivation.sql), rebuilt by the shadow rebuild and
-- compared by the check like the other read relations.
--
-- The search reads a word's rows best first through search_term_top (backwards: by
-- score, then trainer id, descending), so it reads a bounded number of rows however
-- many trainers match (docs/read-model.md, "Search"); search_term_by_trainer finds a
-- trainer's other words without a visit to the table. Terms compare in "C"
-- collation: the words that start with a prefix are a range of the index.

CREATE TABLE read.search_term (
    id uuid PRIMARY KEY,
    term text COLLATE "C" NOT NULL,
    trainer_id uuid NOT NULL,
    score real NOT NULL,
    rev bigint NOT NULL DEFAULT nextval('read.rev')
);
CREATE INDEX search_term_top ON read.search_term (term, score, trainer_id);
CREATE INDEX search_term_by_trainer ON read.search_term (trainer_id, term) INCLUDE (score);
