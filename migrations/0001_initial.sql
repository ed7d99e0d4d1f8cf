-- Herd's first schema: accounts and users, OAuth, site settings and rules.
-- Ids are Mastodon-style time-ordered 64-bit integers made by the application.

CREATE TABLE accounts (
  id bigint PRIMARY KEY,
  username text NOT NULL,
  -- NULL for local accounts, as Mastodon.
  domain text,
  display_name text NOT NULL DEFAULT '',
  -- The bio as HTML (rendered from note_source for local accounts, sanitised for remote ones).
  note text NOT NULL DEFAULT '',
  -- The plain text a local user typed (CredentialAccount source[note]); NULL for remote accounts.
  note_source text,
  -- [{"name": ..., "value": <html>, "source": <plain text, local only>, "verified_at": ...}]
  fields jsonb NOT NULL DEFAULT '[]',
  locked boolean NOT NULL DEFAULT false,
  bot boolean NOT NULL DEFAULT false,
  "group" boolean NOT NULL DEFAULT false,
  discoverable boolean,
  indexable boolean NOT NULL DEFAULT false,
  hide_collections boolean,
  memorial boolean NOT NULL DEFAULT false,
  moved_to_account_id bigint REFERENCES accounts (id) ON DELETE SET NULL,
  uri text,
  url text,
  avatar_url text,
  avatar_static_url text,
  header_url text,
  header_static_url text,
  followers_count integer NOT NULL DEFAULT 0,
  following_count integer NOT NULL DEFAULT 0,
  statuses_count integer NOT NULL DEFAULT 0,
  last_status_at timestamptz,
  suspended_at timestamptz,
  silenced_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX accounts_username_domain ON accounts (lower(username), coalesce(lower(domain), ''));
CREATE INDEX accounts_uri ON accounts (uri) WHERE uri IS NOT NULL;

CREATE TABLE users (
  id bigint PRIMARY KEY,
  account_id bigint NOT NULL UNIQUE REFERENCES accounts (id) ON DELETE CASCADE,
  email text NOT NULL,
  encrypted_password text NOT NULL,
  -- Owner = 3, Admin = 2, Moderator = 1 (Mastodon's seeded roles); NULL = everyone.
  role_id integer,
  confirmed_at timestamptz,
  confirmation_token_digest text,
  confirmation_sent_at timestamptz,
  unconfirmed_email text,
  approved boolean NOT NULL DEFAULT true,
  disabled boolean NOT NULL DEFAULT false,
  locale text,
  sign_up_reason text,
  sign_up_ip text,
  -- default_privacy, default_sensitive, default_language, expand_media, expand_spoilers
  -- (GET /api/v1/preferences), ...
  settings jsonb NOT NULL DEFAULT '{}',
  agreement boolean NOT NULL DEFAULT false,
  current_sign_in_at timestamptz,
  last_sign_in_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX users_email ON users (lower(email));
CREATE UNIQUE INDEX users_confirmation_token ON users (confirmation_token_digest)
  WHERE confirmation_token_digest IS NOT NULL;

CREATE TABLE oauth_applications (
  id bigint PRIMARY KEY,
  name text NOT NULL,
  website text,
  -- One URI per line, as Doorkeeper keeps them.
  redirect_uri text NOT NULL,
  scopes text NOT NULL DEFAULT 'read',
  client_id text NOT NULL UNIQUE,
  client_secret_digest text NOT NULL,
  -- The user who created it (apps made through the API have none).
  owner_user_id bigint REFERENCES users (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE oauth_access_grants (
  id bigint PRIMARY KEY,
  code_digest text NOT NULL UNIQUE,
  application_id bigint NOT NULL REFERENCES oauth_applications (id) ON DELETE CASCADE,
  user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  redirect_uri text NOT NULL,
  scopes text NOT NULL,
  code_challenge text,
  code_challenge_method text,
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE oauth_access_tokens (
  id bigint PRIMARY KEY,
  token_digest text NOT NULL UNIQUE,
  refresh_token_digest text UNIQUE,
  application_id bigint REFERENCES oauth_applications (id) ON DELETE CASCADE,
  -- NULL for client_credentials tokens (app-only).
  user_id bigint REFERENCES users (id) ON DELETE CASCADE,
  scopes text NOT NULL,
  expires_at timestamptz,
  revoked_at timestamptz,
  last_used_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX oauth_access_tokens_user ON oauth_access_tokens (user_id) WHERE revoked_at IS NULL;
CREATE INDEX oauth_access_tokens_application ON oauth_access_tokens (application_id);

-- Browser sessions of the server-rendered pages (sign-in for OAuth consent).
CREATE TABLE web_sessions (
  id bigint PRIMARY KEY,
  session_digest text NOT NULL UNIQUE,
  user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  user_agent text,
  ip text,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now()
);

-- Site settings set with the CLI (title, description, contact, registrations).
CREATE TABLE site_settings (
  key text PRIMARY KEY,
  value jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE rules (
  id bigint PRIMARY KEY,
  text text NOT NULL,
  hint text NOT NULL DEFAULT '',
  priority integer NOT NULL DEFAULT 0,
  deleted_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Instance-level domain blocks (moderation), shown by /api/v1/instance/domain_blocks.
CREATE TABLE domain_blocks (
  id bigint PRIMARY KEY,
  domain text NOT NULL UNIQUE,
  severity text NOT NULL DEFAULT 'silence',
  reject_media boolean NOT NULL DEFAULT false,
  reject_reports boolean NOT NULL DEFAULT false,
  public_comment text,
  private_comment text,
  obfuscate boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE custom_emojis (
  id bigint PRIMARY KEY,
  shortcode text NOT NULL,
  domain text,
  image_url text NOT NULL,
  static_image_url text NOT NULL,
  category text,
  visible_in_picker boolean NOT NULL DEFAULT true,
  disabled boolean NOT NULL DEFAULT false,
  uri text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX custom_emojis_shortcode_domain ON custom_emojis (shortcode, coalesce(domain, ''));

-- Servers we know of: /api/v1/instance/peers.
CREATE TABLE instances (
  domain text PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now()
);
