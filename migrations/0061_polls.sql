-- Polls (https://docs.joinmastodon.org/entities/Poll/), as Mastodon's polls
-- and poll_votes tables. Local polls are made with their status; remote
-- polls (federation, `Question`) use the same columns: `cached_tallies` and
-- `voters_count` as the origin reports them, `last_fetched_at` for refreshing.
CREATE TABLE polls (
  id bigint PRIMARY KEY,
  account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  status_id bigint NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
  -- NULL: a (remote) poll that never ends.
  expires_at timestamptz,
  options text[] NOT NULL DEFAULT '{}',
  -- Votes per option, in the order of `options`.
  cached_tallies integer[] NOT NULL DEFAULT '{}',
  multiple boolean NOT NULL DEFAULT false,
  hide_totals boolean NOT NULL DEFAULT false,
  votes_count integer NOT NULL DEFAULT 0,
  -- Distinct voters; NULL when unknown (some remote single-choice polls).
  voters_count integer,
  last_fetched_at timestamptz,
  -- When the end of the poll was announced (the `poll` notifications): set
  -- once, so the closing job runs its effects exactly once; an edit that
  -- moves the end clears it.
  closed_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- One poll per status (an edit changes the poll in place).
CREATE UNIQUE INDEX polls_status ON polls (status_id);
CREATE INDEX polls_account ON polls (account_id);
-- The sweep of polls that ended without their closing job having run.
CREATE INDEX polls_open ON polls (expires_at) WHERE closed_at IS NULL AND expires_at IS NOT NULL;

CREATE TABLE poll_votes (
  id bigint PRIMARY KEY,
  account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  poll_id bigint NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
  choice integer NOT NULL,
  -- The Vote activity of a remote voter (federation).
  uri text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- A voter picks each option at most once (VoteValidator); the viewer's own
-- votes are read by (poll, account).
CREATE UNIQUE INDEX poll_votes_poll_account_choice ON poll_votes (poll_id, account_id, choice);
CREATE INDEX poll_votes_account ON poll_votes (account_id);
CREATE UNIQUE INDEX poll_votes_uri ON poll_votes (uri) WHERE uri IS NOT NULL;
