-- Videos and their processing state (docs/contract.md VID-1, VID-2).
--
-- seq orders rows by insertion: it breaks ties between equal created_at,
-- so "newest first" is a total, stable order. created_at is UTC text in
-- one fixed-width layout ("2026-11-26T12:00:00.000Z"), so text order is
-- time order. metadata and sensitivity are JSON objects stored as text.
-- The CHECKs restate the contract's states: whatever the code does, the
-- table cannot hold a state a client must never read (VID-4).
CREATE TABLE videos (
	seq             INTEGER PRIMARY KEY AUTOINCREMENT,
	id              TEXT    NOT NULL UNIQUE CHECK (length(id) BETWEEN 1 AND 64),
	title           TEXT    NOT NULL CHECK (title <> ''),
	organization_id TEXT    NOT NULL CHECK (organization_id <> ''),
	uploaded_by     TEXT    NOT NULL CHECK (uploaded_by <> ''),
	status          TEXT    NOT NULL DEFAULT 'processing'
	                        CHECK (status IN ('processing', 'completed', 'failed')),
	progress        INTEGER NOT NULL DEFAULT 0 CHECK (progress IN (0, 10, 40, 70, 100)),
	stage           TEXT    CHECK (stage IN ('metadata', 'thumbnail', 'sensitivity')),
	metadata        TEXT    CHECK (json_valid(metadata) AND json_type(metadata) = 'object'),
	thumbnail       TEXT    CHECK (thumbnail <> ''),
	sensitivity     TEXT    CHECK (json_valid(sensitivity) AND json_type(sensitivity) = 'object'),
	error           TEXT    CHECK (error <> ''),
	created_at      TEXT    NOT NULL CHECK (length(created_at) = 24),

	-- progress and stage go together (PROG-1)
	CHECK (CASE progress
	         WHEN 10 THEN stage IS 'metadata'
	         WHEN 40 THEN stage IS 'thumbnail'
	         WHEN 70 THEN stage IS 'sensitivity'
	         ELSE stage IS NULL
	       END),
	-- a result exactly when completed, an error exactly when failed (VID-2)
	CHECK ((status = 'completed') = (progress = 100)),
	CHECK ((status = 'completed') = (metadata IS NOT NULL AND thumbnail IS NOT NULL AND sensitivity IS NOT NULL)),
	CHECK (status = 'completed' OR (metadata IS NULL AND thumbnail IS NULL AND sensitivity IS NULL)),
	CHECK ((status = 'failed') = (error IS NOT NULL))
) STRICT;

-- ListVideos: one organization, newest first.
CREATE INDEX videos_org_created ON videos (organization_id, created_at DESC, seq DESC);

-- ListProcessing: the few unfinished videos, oldest first.
CREATE INDEX videos_processing ON videos (created_at, seq) WHERE status = 'processing';
