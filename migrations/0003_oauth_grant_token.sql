-- The access token an authorization code was exchanged for: when a used code
-- comes back, that token is revoked (RFC 6749 section 4.1.2).
ALTER TABLE oauth_access_grants
  ADD COLUMN access_token_id bigint REFERENCES oauth_access_tokens (id) ON DELETE SET NULL;
