-- Scheduled statuses (https://docs.joinmastodon.org/entities/ScheduledStatus/),
-- as Mastodon's scheduled_statuses table: the parameters of
-- POST /api/v1/statuses kept until `scheduled_at`, when a durable job (and,
-- should it be lost, a periodic sweep) posts them.
CREATE TABLE scheduled_statuses (
  id bigint PRIMARY KEY,
  account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  scheduled_at timestamptz NOT NULL,
  params jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX scheduled_statuses_account ON scheduled_statuses (account_id, id);
CREATE INDEX scheduled_statuses_due ON scheduled_statuses (scheduled_at);

-- Media of a scheduled status wait for it (MediaAttachment#scheduled_status):
-- not attached to a status yet, but not free for another post either.
-- Cancelling the scheduled status frees them (dependent: :nullify).
ALTER TABLE media_attachments
  ADD COLUMN scheduled_status_id bigint REFERENCES scheduled_statuses (id) ON DELETE SET NULL;
CREATE INDEX media_attachments_scheduled ON media_attachments (scheduled_status_id)
  WHERE scheduled_status_id IS NOT NULL;

-- The Idempotency-Key of a POST that scheduled a status answers that
-- scheduled status again within the hour, as a posted one does.
ALTER TABLE idempotency_keys
  ADD COLUMN scheduled_status_id bigint REFERENCES scheduled_statuses (id) ON DELETE SET NULL;
