-- Remote accounts (P3, incoming federation): what Herd keeps of another
-- server's actor, as Mastodon's accounts table does
-- (ActivityPub::ProcessAccountService). Remote accounts are rows of
-- `accounts` with `domain` set; these columns are NULL for local accounts.

ALTER TABLE accounts
  ADD COLUMN inbox_url text,
  ADD COLUMN shared_inbox_url text,
  ADD COLUMN outbox_url text,
  ADD COLUMN followers_url text,
  ADD COLUMN following_url text,
  ADD COLUMN featured_url text,
  ADD COLUMN featured_tags_url text,
  -- Person | Service | Group | Application | Organization
  ADD COLUMN actor_type text,
  -- The actor's RSA key (`publicKey`), PEM (SPKI), and its id.
  ADD COLUMN public_key_pem text,
  ADD COLUMN public_key_id text,
  -- `alsoKnownAs`: the actor URIs it says it also is (checked by Move).
  ADD COLUMN also_known_as text[] NOT NULL DEFAULT '{}',
  -- When WebFinger last confirmed its `user@domain` (Mastodon's last_webfingered_at).
  ADD COLUMN last_webfinger_at timestamptz,
  -- When its actor document was last fetched and processed: refreshed after a day.
  ADD COLUMN fetched_at timestamptz,
  -- 'local' (a moderator here) or 'remote' (its server says `suspended`), as Mastodon.
  ADD COLUMN suspension_origin text,
  ADD CONSTRAINT accounts_suspension_origin CHECK (suspension_origin IN ('local', 'remote'));

-- One account per actor URI: concurrent deliveries from a new actor make one row.
DROP INDEX accounts_uri;
CREATE UNIQUE INDEX accounts_uri ON accounts (uri) WHERE uri IS NOT NULL;
-- Resolving a remote profile URL (search with resolve).
CREATE INDEX accounts_url ON accounts (url) WHERE domain IS NOT NULL;
