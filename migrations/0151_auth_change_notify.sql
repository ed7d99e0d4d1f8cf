-- What the cache of bearer tokens (src/domain/oauth/token-cache.ts) listens
-- to: a change to any row that answers "who is this token and what may it
-- do" (the token, its application, its user, the user's account) is told on
-- channel `herd_auth`, from the database itself, so that no code path (a
-- route, a job, the CLI in another process, plain SQL) has to remember to.
-- Every connection of Herd's pool LISTENs: a write made through one of them
-- is heard before its statement returns (PostgreSQL delivers a session's
-- own notifications before its ReadyForQuery), other processes' writes
-- within milliseconds.
--
-- One notification per statement (transition tables): `txid kind:id,id,...`,
-- or `txid *` (forget everything) when the ids would pass NOTIFY's 8000
-- bytes or the table was truncated. The transaction id makes each payload
-- unique, so that a listener hearing it on several connections acts once.
CREATE FUNCTION herd_auth_notify(kind text, ids text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF ids IS NULL THEN
    RETURN;
  ELSIF kind = '*' OR length(ids) > 7000 THEN
    PERFORM pg_notify('herd_auth', txid_current() || ' *');
  ELSE
    PERFORM pg_notify('herd_auth', txid_current() || ' ' || kind || ':' || ids);
  END IF;
END $$;

CREATE FUNCTION herd_auth_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM herd_auth_notify('*', '');
  RETURN NULL;
END $$;
CREATE TRIGGER oauth_access_tokens_auth_truncated AFTER TRUNCATE ON oauth_access_tokens
  FOR EACH STATEMENT EXECUTE FUNCTION herd_auth_truncated();
CREATE TRIGGER oauth_applications_auth_truncated AFTER TRUNCATE ON oauth_applications
  FOR EACH STATEMENT EXECUTE FUNCTION herd_auth_truncated();
CREATE TRIGGER users_auth_truncated AFTER TRUNCATE ON users
  FOR EACH STATEMENT EXECUTE FUNCTION herd_auth_truncated();
CREATE TRIGGER accounts_auth_truncated AFTER TRUNCATE ON accounts
  FOR EACH STATEMENT EXECUTE FUNCTION herd_auth_truncated();

-- Tokens: any change but the use stamp (touchToken, once a minute).
CREATE FUNCTION herd_auth_tokens_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM herd_auth_notify('t', (SELECT string_agg(n.id::text, ',') FROM changed_new n
    JOIN changed_old o ON o.id = n.id
    WHERE to_jsonb(n) - 'last_used_at' IS DISTINCT FROM to_jsonb(o) - 'last_used_at'));
  RETURN NULL;
END $$;
CREATE TRIGGER oauth_access_tokens_auth_updated AFTER UPDATE ON oauth_access_tokens
  REFERENCING OLD TABLE AS changed_old NEW TABLE AS changed_new
  FOR EACH STATEMENT EXECUTE FUNCTION herd_auth_tokens_updated();

-- Applications, users, local accounts: any change (the cached rows are
-- what routes read of them).
CREATE FUNCTION herd_auth_rows_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'accounts' THEN
    PERFORM herd_auth_notify(TG_ARGV[0],
      (SELECT string_agg(id::text, ',') FROM changed_old WHERE domain IS NULL));
  ELSE
    PERFORM herd_auth_notify(TG_ARGV[0], (SELECT string_agg(id::text, ',') FROM changed_old));
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER oauth_access_tokens_auth_deleted AFTER DELETE ON oauth_access_tokens
  REFERENCING OLD TABLE AS changed_old
  FOR EACH STATEMENT EXECUTE FUNCTION herd_auth_rows_changed('t');
CREATE TRIGGER oauth_applications_auth_updated AFTER UPDATE ON oauth_applications
  REFERENCING OLD TABLE AS changed_old
  FOR EACH STATEMENT EXECUTE FUNCTION herd_auth_rows_changed('app');
CREATE TRIGGER oauth_applications_auth_deleted AFTER DELETE ON oauth_applications
  REFERENCING OLD TABLE AS changed_old
  FOR EACH STATEMENT EXECUTE FUNCTION herd_auth_rows_changed('app');
CREATE TRIGGER users_auth_updated AFTER UPDATE ON users
  REFERENCING OLD TABLE AS changed_old
  FOR EACH STATEMENT EXECUTE FUNCTION herd_auth_rows_changed('u');
CREATE TRIGGER users_auth_deleted AFTER DELETE ON users
  REFERENCING OLD TABLE AS changed_old
  FOR EACH STATEMENT EXECUTE FUNCTION herd_auth_rows_changed('u');
CREATE TRIGGER accounts_auth_updated AFTER UPDATE ON accounts
  REFERENCING OLD TABLE AS changed_old
  FOR EACH STATEMENT EXECUTE FUNCTION herd_auth_rows_changed('a');
CREATE TRIGGER accounts_auth_deleted AFTER DELETE ON accounts
  REFERENCING OLD TABLE AS changed_old
  FOR EACH STATEMENT EXECUTE FUNCTION herd_auth_rows_changed('a');
