-- The social core (issue P2): statuses and what hangs on them, the social
-- graph, feeds, notifications, lists, markers and conversations. Tables and
-- columns follow Mastodon's schema names where Mastodon has them.

CREATE TABLE conversations (
  id bigint PRIMARY KEY,
  -- The ActivityPub `context`/`conversation` of remote threads (P3).
  uri text UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE statuses (
  id bigint PRIMARY KEY,
  uri text,
  url text,
  account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  in_reply_to_id bigint REFERENCES statuses (id) ON DELETE SET NULL,
  in_reply_to_account_id bigint REFERENCES accounts (id) ON DELETE SET NULL,
  reblog_of_id bigint REFERENCES statuses (id) ON DELETE CASCADE,
  conversation_id bigint REFERENCES conversations (id) ON DELETE SET NULL,
  -- The source a local author typed (statuses/:id/source); '' for reblogs.
  text text NOT NULL DEFAULT '',
  -- The rendered (local) or sanitised (remote) HTML.
  content text NOT NULL DEFAULT '',
  spoiler_text text NOT NULL DEFAULT '',
  sensitive boolean NOT NULL DEFAULT false,
  -- public | unlisted | private | direct
  visibility text NOT NULL DEFAULT 'public',
  language text,
  application_id bigint REFERENCES oauth_applications (id) ON DELETE SET NULL,
  local boolean NOT NULL DEFAULT true,
  replies_count integer NOT NULL DEFAULT 0,
  reblogs_count integer NOT NULL DEFAULT 0,
  favourites_count integer NOT NULL DEFAULT 0,
  edited_at timestamptz,
  deleted_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT statuses_visibility CHECK (visibility IN ('public', 'unlisted', 'private', 'direct'))
);

CREATE UNIQUE INDEX statuses_uri ON statuses (uri) WHERE uri IS NOT NULL;
CREATE INDEX statuses_account ON statuses (account_id, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX statuses_in_reply_to ON statuses (in_reply_to_id) WHERE in_reply_to_id IS NOT NULL;
CREATE INDEX statuses_reblog_of ON statuses (reblog_of_id, account_id) WHERE reblog_of_id IS NOT NULL;
CREATE INDEX statuses_conversation ON statuses (conversation_id);
-- Public timelines: public, not reblogs, not deleted, newest first.
CREATE INDEX statuses_public ON statuses (id DESC)
  WHERE visibility = 'public' AND reblog_of_id IS NULL AND deleted_at IS NULL;
CREATE UNIQUE INDEX statuses_one_reblog ON statuses (account_id, reblog_of_id)
  WHERE reblog_of_id IS NOT NULL AND deleted_at IS NULL;

-- Earlier versions of edited statuses (statuses/:id/history).
CREATE TABLE status_edits (
  id bigint PRIMARY KEY,
  status_id bigint NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
  account_id bigint REFERENCES accounts (id) ON DELETE SET NULL,
  text text NOT NULL DEFAULT '',
  content text NOT NULL DEFAULT '',
  spoiler_text text NOT NULL DEFAULT '',
  sensitive boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX status_edits_status ON status_edits (status_id, id);

CREATE TABLE mentions (
  id bigint PRIMARY KEY,
  status_id bigint NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
  account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  -- Silent mentions (e.g. of a reply's other participants) notify nobody.
  silent boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (status_id, account_id)
);

CREATE INDEX mentions_account ON mentions (account_id, status_id DESC);

CREATE TABLE tags (
  id bigint PRIMARY KEY,
  -- Lower-case, normalised name; display_name keeps the case first seen.
  name text NOT NULL UNIQUE,
  display_name text NOT NULL,
  usable boolean,
  listable boolean,
  trendable boolean,
  last_status_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE statuses_tags (
  status_id bigint NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
  tag_id bigint NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
  PRIMARY KEY (tag_id, status_id)
);

CREATE INDEX statuses_tags_status ON statuses_tags (status_id);

-- Idempotency-Key of POST /api/v1/statuses: the same key within an hour
-- returns the same status.
CREATE TABLE idempotency_keys (
  account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  key text NOT NULL,
  status_id bigint REFERENCES statuses (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (account_id, key)
);

CREATE TABLE favourites (
  id bigint PRIMARY KEY,
  account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  status_id bigint NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
  uri text,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (account_id, status_id)
);

CREATE INDEX favourites_status ON favourites (status_id, id DESC);
CREATE INDEX favourites_account ON favourites (account_id, id DESC);

CREATE TABLE bookmarks (
  id bigint PRIMARY KEY,
  account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  status_id bigint NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (account_id, status_id)
);

CREATE INDEX bookmarks_account ON bookmarks (account_id, id DESC);

CREATE TABLE status_pins (
  id bigint PRIMARY KEY,
  account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  status_id bigint NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (account_id, status_id)
);

CREATE TABLE conversation_mutes (
  account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  conversation_id bigint NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  PRIMARY KEY (account_id, conversation_id)
);

-- The social graph.
CREATE TABLE follows (
  id bigint PRIMARY KEY,
  account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  target_account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  show_reblogs boolean NOT NULL DEFAULT true,
  notify boolean NOT NULL DEFAULT false,
  -- NULL: all languages.
  languages text[],
  uri text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (account_id, target_account_id)
);

CREATE INDEX follows_target ON follows (target_account_id, id DESC);
CREATE INDEX follows_account ON follows (account_id, id DESC);

CREATE TABLE follow_requests (
  id bigint PRIMARY KEY,
  account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  target_account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  show_reblogs boolean NOT NULL DEFAULT true,
  notify boolean NOT NULL DEFAULT false,
  languages text[],
  uri text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (account_id, target_account_id)
);

CREATE INDEX follow_requests_target ON follow_requests (target_account_id, id DESC);

CREATE TABLE blocks (
  id bigint PRIMARY KEY,
  account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  target_account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  uri text,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (account_id, target_account_id)
);

CREATE INDEX blocks_target ON blocks (target_account_id);

CREATE TABLE mutes (
  id bigint PRIMARY KEY,
  account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  target_account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  hide_notifications boolean NOT NULL DEFAULT true,
  expires_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (account_id, target_account_id)
);

CREATE INDEX mutes_target ON mutes (target_account_id);

-- Domains a user blocks (methods/domain_blocks.md), not instance moderation.
CREATE TABLE account_domain_blocks (
  id bigint PRIMARY KEY,
  account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  domain text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (account_id, domain)
);

-- Private notes on accounts (Relationship.note).
CREATE TABLE account_notes (
  id bigint PRIMARY KEY,
  account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  target_account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  comment text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (account_id, target_account_id)
);

-- Endorsements ("feature on profile").
CREATE TABLE account_pins (
  id bigint PRIMARY KEY,
  account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  target_account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (account_id, target_account_id)
);

CREATE TABLE featured_tags (
  id bigint PRIMARY KEY,
  account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  tag_id bigint NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
  name text NOT NULL,
  statuses_count integer NOT NULL DEFAULT 0,
  last_status_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (account_id, tag_id)
);

CREATE TABLE tag_follows (
  id bigint PRIMARY KEY,
  account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  tag_id bigint NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (account_id, tag_id)
);

-- Feeds: fan-out on write (see ARCHITECTURE.md). One row per status shown in
-- an account's home feed or a list's feed; a boost's row is the boost status.
CREATE TABLE home_feed_entries (
  account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  status_id bigint NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
  -- The original of a boost (or the status itself): boosts of a post
  -- already in the feed are not added again.
  reblog_of_id bigint,
  PRIMARY KEY (account_id, status_id)
);

CREATE INDEX home_feed_entries_original ON home_feed_entries (account_id, reblog_of_id);

CREATE TABLE lists (
  id bigint PRIMARY KEY,
  account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  title text NOT NULL,
  -- followed | list | none
  replies_policy text NOT NULL DEFAULT 'list',
  exclusive boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX lists_account ON lists (account_id);

CREATE TABLE list_accounts (
  id bigint PRIMARY KEY,
  list_id bigint NOT NULL REFERENCES lists (id) ON DELETE CASCADE,
  account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  follow_id bigint REFERENCES follows (id) ON DELETE CASCADE,
  follow_request_id bigint REFERENCES follow_requests (id) ON DELETE CASCADE,
  UNIQUE (list_id, account_id)
);

CREATE INDEX list_accounts_account ON list_accounts (account_id);

CREATE TABLE list_feed_entries (
  list_id bigint NOT NULL REFERENCES lists (id) ON DELETE CASCADE,
  status_id bigint NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
  reblog_of_id bigint,
  PRIMARY KEY (list_id, status_id)
);

CREATE TABLE markers (
  id bigint PRIMARY KEY,
  account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  -- home | notifications
  timeline text NOT NULL,
  last_read_id bigint NOT NULL,
  lock_version integer NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (account_id, timeline)
);

-- Direct-message conversations as each participant sees them.
CREATE TABLE account_conversations (
  id bigint PRIMARY KEY,
  account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  conversation_id bigint NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  -- The other participants, sorted.
  participant_account_ids bigint[] NOT NULL DEFAULT '{}',
  status_ids bigint[] NOT NULL DEFAULT '{}',
  last_status_id bigint,
  unread boolean NOT NULL DEFAULT false,
  lock_version integer NOT NULL DEFAULT 0,
  UNIQUE (account_id, conversation_id, participant_account_ids)
);

CREATE INDEX account_conversations_account ON account_conversations (account_id, last_status_id DESC);

CREATE TABLE notifications (
  id bigint PRIMARY KEY,
  -- The recipient.
  account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  from_account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  -- mention | status | reblog | follow | follow_request | favourite | poll | update
  -- | admin.sign_up | admin.report | severed_relationships | moderation_warning | quote ...
  type text NOT NULL,
  status_id bigint REFERENCES statuses (id) ON DELETE CASCADE,
  -- Grouped notifications (methods/grouped_notifications.md): favourites,
  -- reblogs and follows of the same target within a window share a key.
  group_key text,
  -- Held back by the notification policy (shown under notification requests).
  filtered boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX notifications_account ON notifications (account_id, id DESC) WHERE filtered = false;
CREATE INDEX notifications_account_filtered ON notifications (account_id, from_account_id, id DESC)
  WHERE filtered = true;
CREATE INDEX notifications_status ON notifications (status_id) WHERE status_id IS NOT NULL;
CREATE INDEX notifications_group ON notifications (account_id, group_key, id DESC);

-- Notification policy (4.3): accept | filter | drop for each category.
CREATE TABLE notification_policies (
  account_id bigint PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
  for_not_following text NOT NULL DEFAULT 'accept',
  for_not_followers text NOT NULL DEFAULT 'accept',
  for_new_accounts text NOT NULL DEFAULT 'accept',
  for_private_mentions text NOT NULL DEFAULT 'filter',
  for_limited_accounts text NOT NULL DEFAULT 'filter',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE notification_requests (
  id bigint PRIMARY KEY,
  account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  from_account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  last_status_id bigint REFERENCES statuses (id) ON DELETE SET NULL,
  notifications_count integer NOT NULL DEFAULT 0,
  dismissed boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (account_id, from_account_id)
);

-- Senders whose notifications a user accepted from the requests.
CREATE TABLE notification_permissions (
  id bigint PRIMARY KEY,
  account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  from_account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (account_id, from_account_id)
);
