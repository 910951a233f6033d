"""Rebuild the read model without downtime, and check it, one relation at a time.

A rebuild derives every read relation into schema ``read_shadow`` from one
snapshot, indexes and analyzes it (``build``), re-projects what writers changed
meanwhile without blocking them (``catchup``), then swaps it in with one short
transaction that re-projects whatever is left (``swap``, ``read.shadow_swap``);
``run`` holds the lock and drives the phases. docs/read-model.md ("Rebuilding
without downtime") explains why no reader sees a half-built model and no write
is lost.
"""

from trainers.rebuild.common import (
    RELATIONS,
    Progress,
    RebuildBusy,
    RebuildReport,
    check_phases,
    rebuild_phases,
    snapshot_transaction,
)
from trainers.rebuild.run import (
    REBUILD_LOCK,
    read_model_check_relations,
    read_model_swap_rebuild,
    rebuild_running,
)
from trainers.rebuild.swap import LOCK_TIMEOUT_MS, SWAP_ATTEMPTS

__all__ = [
    "LOCK_TIMEOUT_MS",
    "REBUILD_LOCK",
    "RELATIONS",
    "SWAP_ATTEMPTS",
    "Progress",
    "RebuildBusy",
    "RebuildReport",
    "check_phases",
    "read_model_check_relations",
    "read_model_swap_rebuild",
    "rebuild_phases",
    "rebuild_running",
    "snapshot_transaction",
]
