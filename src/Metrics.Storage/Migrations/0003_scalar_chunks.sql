-- Metrics schema, version 3: scalar points stored as compressed chunks (issue #17, docs/storage.md).
--
-- One row holds a run of one series' points in rising step order, encoded as described in
-- docs/storage-chunks.md, with its summary as plain columns so downsampled reads and extents need
-- no decoding. Invariant kept by every writer: the [first_step, last_step] ranges of a series' rows
-- in all_scalar_chunks (chunks and not yet converted scalar_points rows) never overlap, so each step
-- has at most one visible point and each summary describes exactly the visible points it covers.
CREATE TABLE scalar_chunks (
    series_id        bigint NOT NULL,
    first_step       bigint NOT NULL,
    last_step        bigint NOT NULL,
    point_count      integer NOT NULL CHECK (point_count > 0),
    first_wall_time  double precision NOT NULL,
    first_value      double precision NOT NULL,
    last_wall_time   double precision NOT NULL,
    last_value       double precision NOT NULL,
    -- The smallest and largest non-NaN value (ties to the earlier step); NULL when every value is NaN.
    min_step         bigint,
    min_wall_time    double precision,
    min_value        double precision,
    max_step         bigint,
    max_wall_time    double precision,
    max_value        double precision,
    -- The first NaN point; NULL when there is none.
    nan_step         bigint,
    nan_wall_time    double precision,
    nan_value        double precision,
    data             bytea NOT NULL,
    CONSTRAINT scalar_chunks_pkey PRIMARY KEY (series_id, first_step),
    CHECK (last_step >= first_step)
) WITH (fillfactor = 100, toast_tuple_target = 8160, autovacuum_vacuum_insert_scale_factor = 0.05);

-- Chunk bytes are compressed already: never try pglz/lz4 on them, keep them in the row up to
-- toast_tuple_target (8 kB) and out of line only beyond that.
ALTER TABLE scalar_chunks ALTER COLUMN data SET STORAGE EXTERNAL;

-- Compaction looks for series with several small chunks without scanning the large ones.
CREATE INDEX scalar_chunks_small_idx ON scalar_chunks (series_id) WHERE point_count < 128;

-- What readers read: every chunk, and every scalar_points row not yet converted (a database from
-- schema version 2, or an ingest of an earlier version still running during an upgrade) as a
-- one-point chunk without data. `metrics db migrate` converts those rows into chunks online.
CREATE VIEW all_scalar_chunks AS
    SELECT series_id, first_step, last_step, point_count,
           first_wall_time, first_value, last_wall_time, last_value,
           min_step, min_wall_time, min_value, max_step, max_wall_time, max_value,
           nan_step, nan_wall_time, nan_value, data
    FROM scalar_chunks
    UNION ALL
    SELECT series_id, step, step, 1,
           wall_time, value, wall_time, value,
           CASE WHEN value <> 'NaN' THEN step END, CASE WHEN value <> 'NaN' THEN wall_time END, CASE WHEN value <> 'NaN' THEN value END,
           CASE WHEN value <> 'NaN' THEN step END, CASE WHEN value <> 'NaN' THEN wall_time END, CASE WHEN value <> 'NaN' THEN value END,
           CASE WHEN value = 'NaN' THEN step END, CASE WHEN value = 'NaN' THEN wall_time END, CASE WHEN value = 'NaN' THEN value END,
           NULL::bytea
    FROM scalar_points;
