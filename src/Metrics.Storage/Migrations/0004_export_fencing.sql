-- Metrics schema, version 4: fence the exporter's run ownership across failover (#19, docs/exporter.md).
-- Advisory locks are per session and vanish with the primary: after a failover a second exporter
-- can take a run while the first still believes it owns it. Taking a run now also increments
-- owner_epoch (a fencing token) and names the owner; every progress record is a compare-and-set on
-- the epoch the owner took, so a stale owner can record nothing. writer is the owner whose session
-- recorded the current file and may still have it open; NULL once it let go cleanly. Only a writer
-- of NULL or the taker itself lets the next owner append to that file; any other takes a new file.
ALTER TABLE export_state
    ADD COLUMN IF NOT EXISTS owner_epoch bigint NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS owner text,
    ADD COLUMN IF NOT EXISTS writer text;
