-- Metrics schema, version 5: series.chunk_version (issue #17, docs/query.md).
--
-- Bumped in the same transaction as every change of a series' scalar chunk rows (PointWriter,
-- restarts, compaction, legacy conversion), so a query replica may cache a series' chunk
-- summaries keyed by (series_id, chunk_version) and never serve a layout the database no longer has.
ALTER TABLE series ADD COLUMN chunk_version bigint NOT NULL DEFAULT 0;
