-- Metrics schema, version 2: find the blob points that reference a blob key without a scan.
-- GET /blobs/{key} checks that a run of the caller's project references the blob
-- (blob_keys @> ARRAY[key]); a GIN index answers that from the key alone.
-- fastupdate = off: every lookup would otherwise also scan the pending list (up to
-- gin_pending_list_limit, 4 MB), and its size in the cost estimate made the planner prefer a
-- table scan; inserting straight into the tree cost about the same (docs/storage.md).
-- IF NOT EXISTS lets an operator build it beforehand with CREATE INDEX CONCURRENTLY on a large
-- database (docs/operations.md).
CREATE INDEX IF NOT EXISTS blob_points_blob_keys_idx ON blob_points USING gin (blob_keys) WITH (fastupdate = off);
