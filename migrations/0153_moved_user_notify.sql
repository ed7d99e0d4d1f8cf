-- A local account's Account entity shows things its users row holds (its
-- role, `noindex`), and so does the `moved` of every account that moved to
-- it. Migration 0152 told a change of a users row to the pages showing its
-- own account only: a page showing an author who moved to that account kept
-- the old role or `noindex` in `moved` until something else changed. Now a
-- users row names its account and the accounts that moved to it, as a change
-- of the accounts row itself does (herd_pages_accounts_changed).
DROP TRIGGER users_pages_inserted ON users;
DROP TRIGGER users_pages_updated ON users;
DROP TRIGGER users_pages_deleted ON users;

CREATE FUNCTION herd_pages_users_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  changed bigint[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(DISTINCT account_id) INTO changed FROM changed_new;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(DISTINCT account_id) INTO changed FROM changed_old;
  ELSE
    SELECT array_agg(DISTINCT account_id) INTO changed
      FROM (SELECT account_id FROM changed_new UNION ALL SELECT account_id FROM changed_old) r;
  END IF;
  PERFORM herd_pages_notify('a', ARRAY(
    SELECT id::text FROM unnest(changed) AS c(id) WHERE id IS NOT NULL
    UNION
    SELECT m.id::text FROM accounts m
    WHERE m.moved_to_account_id = ANY(changed) AND m.moved_to_account_id IS NOT NULL));
  RETURN NULL;
END $$;

CREATE TRIGGER users_pages_inserted AFTER INSERT ON users
  REFERENCING NEW TABLE AS changed_new
  FOR EACH STATEMENT EXECUTE FUNCTION herd_pages_users_changed();
CREATE TRIGGER users_pages_updated AFTER UPDATE ON users
  REFERENCING OLD TABLE AS changed_old NEW TABLE AS changed_new
  FOR EACH STATEMENT EXECUTE FUNCTION herd_pages_users_changed();
CREATE TRIGGER users_pages_deleted AFTER DELETE ON users
  REFERENCING OLD TABLE AS changed_old
  FOR EACH STATEMENT EXECUTE FUNCTION herd_pages_users_changed();
