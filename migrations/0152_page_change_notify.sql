-- What the cache of rendered pages (src/mastodon/entities/page-cache.ts:
-- the home timeline and single statuses, as each viewer sees them) listens
-- to: a change to any row a page was made of, or that decides what its
-- viewer may see, is told on channel `herd_pages` from the database itself,
-- whatever code or process wrote it, as migration 0151 does for tokens.
--
-- One notification per statement and kind of key (transition tables):
-- `txid kind:id,id,...`, 300 ids at most each (NOTIFY takes 8000 bytes), or
-- `txid *` (forget everything). Kinds:
--   v  a viewer's pages: their home feed, whom they follow, block, mute or
--      whose domain they block, who blocks them, what mentions them, their
--      favourites, bookmarks, pins, boosts, muted conversations, poll votes;
--   s  a status shown (its row, which migration 0140 touches when its
--      media, poll or card change; its mentions);
--   a  an account shown as an author (its accounts and users rows; the
--      account it moved to).
-- `*` also when an account is unsuspended (its statuses may appear on
-- pages that do not show it) and when the epoch of migration 0140 changes.
CREATE FUNCTION herd_pages_notify(kind text, ids text[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  i int := 1;
  n int := coalesce(array_length(ids, 1), 0);
BEGIN
  IF kind = '*' THEN
    PERFORM pg_notify('herd_pages', txid_current() || ' *');
    RETURN;
  END IF;
  WHILE i <= n LOOP
    PERFORM pg_notify('herd_pages',
      txid_current() || ' ' || kind || ':' || array_to_string(ids[i:i + 299], ','));
    i := i + 300;
  END LOOP;
END $$;

-- TG_ARGV: pairs of a kind and an expression over a changed row (old and
-- new rows alike) giving an id, or null for none.
CREATE FUNCTION herd_pages_rows_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  k int := 0;
  changed text;
  ids text[];
BEGIN
  changed := CASE TG_OP
    WHEN 'INSERT' THEN 'SELECT * FROM changed_new'
    WHEN 'DELETE' THEN 'SELECT * FROM changed_old'
    ELSE 'SELECT * FROM changed_new UNION ALL SELECT * FROM changed_old' END;
  WHILE k < TG_NARGS LOOP
    EXECUTE format('SELECT array_agg(DISTINCT x::text) FROM (SELECT %s AS x FROM (%s) r) c WHERE x IS NOT NULL',
      TG_ARGV[k + 1], changed) INTO ids;
    PERFORM herd_pages_notify(TG_ARGV[k], ids);
    k := k + 2;
  END LOOP;
  RETURN NULL;
END $$;

CREATE FUNCTION herd_pages_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM herd_pages_notify('*', NULL);
  RETURN NULL;
END $$;

-- The generic tables: INSERT, UPDATE and DELETE each, and TRUNCATE.
DO $$
DECLARE
  t record;
BEGIN
  FOR t IN SELECT * FROM (VALUES
    ('home_feed_entries', $a$'v', 'account_id'$a$),
    ('follows', $a$'v', 'account_id'$a$),
    ('blocks', $a$'v', 'account_id', 'v', 'target_account_id'$a$),
    ('mutes', $a$'v', 'account_id'$a$),
    ('account_domain_blocks', $a$'v', 'account_id'$a$),
    ('favourites', $a$'v', 'account_id'$a$),
    ('bookmarks', $a$'v', 'account_id'$a$),
    ('status_pins', $a$'v', 'account_id'$a$),
    ('conversation_mutes', $a$'v', 'account_id'$a$),
    ('poll_votes', $a$'v', 'account_id'$a$),
    ('mentions', $a$'s', 'status_id', 'v', 'account_id'$a$),
    ('users', $a$'a', 'account_id'$a$),
    -- A status's own row; a boost also changes its author's `reblogged`.
    ('statuses', $a$'s', 'id', 'v', 'CASE WHEN reblog_of_id IS NOT NULL THEN account_id END'$a$)
  ) AS v(tbl, args) LOOP
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS changed_new
      FOR EACH STATEMENT EXECUTE FUNCTION herd_pages_rows_changed(%s)', t.tbl || '_pages_inserted', t.tbl, t.args);
    EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %I REFERENCING OLD TABLE AS changed_old NEW TABLE AS changed_new
      FOR EACH STATEMENT EXECUTE FUNCTION herd_pages_rows_changed(%s)', t.tbl || '_pages_updated', t.tbl, t.args);
    EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS changed_old
      FOR EACH STATEMENT EXECUTE FUNCTION herd_pages_rows_changed(%s)', t.tbl || '_pages_deleted', t.tbl, t.args);
    EXECUTE format('CREATE TRIGGER %I AFTER TRUNCATE ON %I
      FOR EACH STATEMENT EXECUTE FUNCTION herd_pages_truncated()', t.tbl || '_pages_truncated', t.tbl);
  END LOOP;
END $$;

-- Accounts: the changed ones and those that moved to them (whose JSON
-- shows them as `moved`); everything when one is unsuspended.
CREATE INDEX accounts_moved_to_account_id ON accounts (moved_to_account_id)
  WHERE moved_to_account_id IS NOT NULL;

CREATE FUNCTION herd_pages_accounts_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    IF EXISTS (SELECT 1 FROM changed_old o JOIN changed_new n ON n.id = o.id
        WHERE o.suspended_at IS NOT NULL AND n.suspended_at IS NULL) THEN
      PERFORM herd_pages_notify('*', NULL);
      RETURN NULL;
    END IF;
  END IF;
  PERFORM herd_pages_notify('a', ARRAY(
    SELECT id::text FROM changed_old
    UNION
    SELECT m.id::text FROM accounts m
    WHERE m.moved_to_account_id IN (SELECT id FROM changed_old)
      AND m.moved_to_account_id IS NOT NULL));
  RETURN NULL;
END $$;
CREATE TRIGGER accounts_pages_updated AFTER UPDATE ON accounts
  REFERENCING OLD TABLE AS changed_old NEW TABLE AS changed_new
  FOR EACH STATEMENT EXECUTE FUNCTION herd_pages_accounts_changed();
CREATE TRIGGER accounts_pages_deleted AFTER DELETE ON accounts
  REFERENCING OLD TABLE AS changed_old
  FOR EACH STATEMENT EXECUTE FUNCTION herd_pages_accounts_changed();
CREATE TRIGGER accounts_pages_truncated AFTER TRUNCATE ON accounts
  FOR EACH STATEMENT EXECUTE FUNCTION herd_pages_truncated();

-- Mentions and tags change with their status's row when Herd edits it, but
-- not always when a remote edit or a silent mention made loud does: they
-- touch their status too, as migration 0140 does for media, polls and
-- cards, so that the cache of rendered statuses (which keys a status by its
-- row version) and the pages showing it see the change.
CREATE TRIGGER mentions_touch_status AFTER INSERT OR UPDATE OR DELETE ON mentions
  FOR EACH ROW EXECUTE FUNCTION herd_touch_status();
CREATE TRIGGER statuses_tags_touch_status AFTER INSERT OR UPDATE OR DELETE ON statuses_tags
  FOR EACH ROW EXECUTE FUNCTION herd_touch_status();

-- Custom emojis and applications (migration 0140's epoch).
CREATE TRIGGER cache_epochs_pages_updated AFTER UPDATE ON cache_epochs
  FOR EACH STATEMENT EXECUTE FUNCTION herd_pages_truncated();
