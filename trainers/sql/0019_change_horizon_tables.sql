-- Migration 0013: how far the change feed has been pruned (issue 17, retention).
-- Every change with an id up to `pruned_through` may be gone from read.change; a client
-- resuming from before it missed changes it can no longer get, and is told to resync
-- (readapi/feed.py). One row, moved only forward by the pruning job (trainers/retention.py).
CREATE TABLE read.change_horizon (
    one boolean PRIMARY KEY DEFAULT true CHECK (one),
    pruned_through bigint NOT NULL DEFAULT 0 CHECK (pruned_through >= 0)
);
INSERT INTO read.change_horizon DEFAULT VALUES;
