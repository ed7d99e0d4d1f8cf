-- The application a user signed up with (POST /api/v1/accounts): only that
-- application may resend the confirmation e-mail (POST /api/v1/emails/confirmations),
-- as Mastodon's users.created_by_application_id.
ALTER TABLE users
  ADD COLUMN created_by_application_id bigint REFERENCES oauth_applications (id) ON DELETE SET NULL;

CREATE INDEX users_created_by_application ON users (created_by_application_id)
  WHERE created_by_application_id IS NOT NULL;

-- Prefix searches on usernames (GET /api/v1/accounts/search).
CREATE INDEX accounts_username_prefix ON accounts (lower(username) text_pattern_ops);
