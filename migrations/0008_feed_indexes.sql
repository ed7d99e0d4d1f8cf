-- Feeds (P2, timelines): indexes for removing a status from every feed
-- (deletion, and the cascade when a status row goes), and for the cascade
-- from follows and follow requests to list memberships.
CREATE INDEX home_feed_entries_status ON home_feed_entries (status_id);
CREATE INDEX list_feed_entries_status ON list_feed_entries (status_id);
CREATE INDEX list_feed_entries_original ON list_feed_entries (list_id, reblog_of_id);
CREATE INDEX list_accounts_follow ON list_accounts (follow_id) WHERE follow_id IS NOT NULL;
CREATE INDEX list_accounts_follow_request ON list_accounts (follow_request_id)
  WHERE follow_request_id IS NOT NULL;
