-- The cache of remote media (CACHE_REMOTE_MEDIA, src/domain/media/remote-cache*.ts).
--
-- Attachments of remote posts keep their remote_url; when cached, file_key
-- and preview_key name the copies (under cache/ in media storage, as
-- Mastodon's Paperclip paths). `herd media remove` finds the cached ones by age.
CREATE INDEX media_attachments_cached_remote ON media_attachments (created_at)
  WHERE remote_url IS NOT NULL AND file_key IS NOT NULL;

-- Remote accounts' avatars and headers: accounts.avatar_url (header_url)
-- holds the storage key of the cached copy, or the remote URL when there is
-- none; this table remembers which remote URL a cached copy was made from
-- (Mastodon's avatar_remote_url), so that a profile refresh naming the same
-- image keeps the copy and one naming another replaces it.
CREATE TABLE remote_profile_images (
  account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  -- avatar | header
  kind text NOT NULL,
  remote_url text NOT NULL,
  file_key text NOT NULL,
  -- The first frame of an animated image (avatar_static / header_static).
  static_key text,
  file_size bigint NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (account_id, kind),
  CONSTRAINT remote_profile_images_kind CHECK (kind IN ('avatar', 'header'))
);
