-- Reports (https://docs.joinmastodon.org/entities/Report/), as Mastodon's
-- reports table: filed by a local account through POST /api/v1/reports, or
-- by a remote account with a Flag activity. Moderation (resolving, assigning,
-- notes) comes later; its columns are here so that the entity reads them.
CREATE TABLE reports (
  id bigint PRIMARY KEY,
  -- The reporter (a remote account, often an instance actor, for a Flag).
  account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  target_account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  -- Statuses of the target attached to the report (deleted ones stay listed).
  status_ids bigint[] NOT NULL DEFAULT '{}',
  -- Rules cited by a `violation` report; NULL for the other categories.
  rule_ids bigint[],
  comment text NOT NULL DEFAULT '',
  -- other | spam | legal | violation
  category text NOT NULL DEFAULT 'other',
  -- Sent to the target's server (Flag from the instance actor).
  forwarded boolean NOT NULL DEFAULT false,
  -- The domains the Flag goes to: the target's (when `forwarded`) and those of
  -- the accounts the reported statuses reply to (forward_to_domains[]).
  forward_to_domains text[] NOT NULL DEFAULT '{}',
  -- The Flag's id, for a report from another server.
  uri text,
  action_taken_at timestamptz,
  action_taken_by_account_id bigint REFERENCES accounts (id) ON DELETE SET NULL,
  assigned_account_id bigint REFERENCES accounts (id) ON DELETE SET NULL,
  application_id bigint REFERENCES oauth_applications (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT reports_category CHECK (category IN ('other', 'spam', 'legal', 'violation'))
);

CREATE INDEX reports_account ON reports (account_id);
CREATE INDEX reports_target_account ON reports (target_account_id);

-- `admin.report` notifications name their report (Notification#report), and
-- go with it.
ALTER TABLE notifications
  ADD COLUMN report_id bigint REFERENCES reports (id) ON DELETE CASCADE;
CREATE INDEX notifications_report ON notifications (report_id) WHERE report_id IS NOT NULL;
