-- Media attachments (https://docs.joinmastodon.org/entities/MediaAttachment/),
-- as Mastodon's media_attachments table. The files themselves are in media
-- storage (src/storage/: DATA_DIR/media or S3); these columns hold their keys.
CREATE TABLE media_attachments (
  id bigint PRIMARY KEY,
  account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  -- Null until a status carries it; unattached uploads are removed after a day.
  status_id bigint REFERENCES statuses (id) ON DELETE SET NULL,
  -- image | gifv | video | audio | unknown
  type text NOT NULL DEFAULT 'image',
  -- The original (while processing: the upload as received), its preview
  -- ("small" style) and a custom thumbnail, as storage keys.
  file_key text,
  file_content_type text,
  file_size bigint,
  preview_key text,
  thumbnail_key text,
  -- Where a remote attachment came from (federation); null for local uploads.
  remote_url text,
  -- {"original": {...}, "small": {...}, "focus": {"x": 0, "y": 0}}
  meta jsonb NOT NULL DEFAULT '{}',
  description text,
  blurhash text,
  -- queued | in_progress | complete | failed
  processing text NOT NULL DEFAULT 'complete',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT media_attachments_type CHECK (type IN ('image', 'gifv', 'video', 'audio', 'unknown')),
  CONSTRAINT media_attachments_processing
    CHECK (processing IN ('queued', 'in_progress', 'complete', 'failed'))
);

CREATE INDEX media_attachments_account ON media_attachments (account_id, id);
CREATE INDEX media_attachments_status ON media_attachments (status_id) WHERE status_id IS NOT NULL;
-- The cleanup of unattached uploads.
CREATE INDEX media_attachments_unattached ON media_attachments (created_at) WHERE status_id IS NULL;
