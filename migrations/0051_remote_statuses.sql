-- Remote statuses (P3, incoming federation).

-- What a remote status carries that local statuses do not have yet: a
-- Question's poll (kept as received until polls exist, issue P5) and the URI
-- of a quoted post (FEP-e232 `quote`, Misskey `_misskey_quote`, `quoteUrl`).
CREATE TABLE remote_status_data (
  status_id bigint PRIMARY KEY REFERENCES statuses (id) ON DELETE CASCADE,
  -- {"options": [{"title": ..., "votes_count": ...}], "multiple": ..., "expires_at": ...,
  --  "voters_count": ..., "closed": ...}
  poll jsonb,
  quote_uri text
);

-- URIs of remote statuses deleted before (or after) Herd saw them: a Create
-- of one arriving late is refused, as Mastodon's Tombstone.
CREATE TABLE tombstones (
  id bigint PRIMARY KEY,
  uri text NOT NULL UNIQUE,
  account_id bigint REFERENCES accounts (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Undo and Accept name what they undo or accept by its activity id.
CREATE INDEX follows_uri ON follows (uri) WHERE uri IS NOT NULL;
CREATE INDEX follow_requests_uri ON follow_requests (uri) WHERE uri IS NOT NULL;
CREATE INDEX favourites_uri ON favourites (uri) WHERE uri IS NOT NULL;
CREATE INDEX blocks_uri ON blocks (uri) WHERE uri IS NOT NULL;
