-- Metrics schema, version 1. See docs/storage.md for the layout and why.

CREATE TABLE projects (
    project_id  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Tokens are stored as SHA-256(pepper || token); the token itself is shown once.
CREATE TABLE api_tokens (
    token_id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id   bigint NOT NULL REFERENCES projects ON DELETE CASCADE,
    token_hash   bytea NOT NULL UNIQUE,
    scope        smallint NOT NULL CHECK (scope BETWEEN 1 AND 3), -- 1 read, 2 write, 3 admin
    description  text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz,
    revoked_at   timestamptz
);

CREATE TABLE runs (
    run_id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id       bigint NOT NULL REFERENCES projects ON DELETE CASCADE,
    name             text NOT NULL,
    hparams          jsonb NOT NULL DEFAULT '{}',
    hparam_metrics   text[] NOT NULL DEFAULT '{}',
    created_at       timestamptz NOT NULL DEFAULT now(),
    last_write_at    timestamptz NOT NULL DEFAULT now(),
    -- Bumped by every commit that writes to the run; the exporter and live tails follow it.
    data_version     bigint NOT NULL DEFAULT 0,
    -- Bumped when a commit changes what was already visible (restart, late or replaced point):
    -- an exported logdir of an older rewrite_version must be rewritten, not appended to.
    rewrite_version  bigint NOT NULL DEFAULT 0,
    UNIQUE (project_id, name)
);

-- One tag of one run with its TensorBoard SummaryMetadata (from the first write of the tag).
CREATE TABLE series (
    series_id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id          bigint NOT NULL REFERENCES runs ON DELETE CASCADE,
    tag             text NOT NULL,
    data_class      smallint NOT NULL, -- TensorBoard DataClass: 1 scalar, 2 tensor, 3 blob sequence
    plugin_name     text NOT NULL,
    plugin_content  bytea NOT NULL DEFAULT '',
    display_name    text NOT NULL DEFAULT '',
    description     text NOT NULL DEFAULT '',
    point_count     bigint NOT NULL DEFAULT 0,
    min_step        bigint,
    max_step        bigint,
    UNIQUE (run_id, tag)
);

-- Points carry no foreign key: COPY speed; series rows are deleted with their points by the
-- code that deletes runs. The covering primary key serves range reads as index-only scans.
CREATE TABLE scalar_points (
    series_id  bigint NOT NULL,
    step       bigint NOT NULL,
    wall_time  double precision NOT NULL,
    value      double precision NOT NULL,
    CONSTRAINT scalar_points_pkey PRIMARY KEY (series_id, step) INCLUDE (wall_time, value)
) WITH (fillfactor = 100, autovacuum_vacuum_insert_scale_factor = 0.05);

-- tensor holds a serialized tensorboard.TensorProto; dtype and shape are copied out for queries.
CREATE TABLE tensor_points (
    series_id  bigint NOT NULL,
    step       bigint NOT NULL,
    wall_time  double precision NOT NULL,
    dtype      smallint NOT NULL,
    shape      bigint[] NOT NULL,
    tensor     bytea NOT NULL,
    CONSTRAINT tensor_points_pkey PRIMARY KEY (series_id, step)
);

-- A blob-sequence point: the SHA-256 keys of its blobs, in order.
CREATE TABLE blob_points (
    series_id  bigint NOT NULL,
    step       bigint NOT NULL,
    wall_time  double precision NOT NULL,
    blob_keys  bytea[] NOT NULL,
    CONSTRAINT blob_points_pkey PRIMARY KEY (series_id, step)
);

-- Content-addressed blobs: never change, so they are cached forever and stored once.
CREATE TABLE blobs (
    sha256   bytea PRIMARY KEY,
    size     bigint NOT NULL,
    content  bytea NOT NULL
);

-- Parts of large blobs that arrived before the point that references them.
CREATE TABLE blob_chunks (
    run_id     bigint NOT NULL,
    writer_id  text NOT NULL,
    sha256     bytea NOT NULL,
    "offset"   bigint NOT NULL,
    data       bytea NOT NULL,
    PRIMARY KEY (run_id, writer_id, sha256, "offset")
);

-- Exactly-once: the last batch seq committed per writer, updated in the batch's transaction.
CREATE TABLE writers (
    run_id         bigint NOT NULL REFERENCES runs ON DELETE CASCADE,
    writer_id      text NOT NULL,
    last_seq       bigint NOT NULL DEFAULT 0,
    points         bigint NOT NULL DEFAULT 0,
    first_seen_at  timestamptz NOT NULL DEFAULT now(),
    last_write_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (run_id, writer_id)
);

-- Exporter progress: recorded only after the bytes are fsynced (see docs/exporter.md).
CREATE TABLE export_state (
    run_id           bigint PRIMARY KEY REFERENCES runs ON DELETE CASCADE,
    generation       integer NOT NULL DEFAULT 0,
    file_name        text NOT NULL DEFAULT '',
    byte_length      bigint NOT NULL DEFAULT 0,
    data_version     bigint NOT NULL DEFAULT 0,
    rewrite_version  bigint NOT NULL DEFAULT 0,
    series_steps     jsonb NOT NULL DEFAULT '{}',
    updated_at       timestamptz NOT NULL DEFAULT now()
);
