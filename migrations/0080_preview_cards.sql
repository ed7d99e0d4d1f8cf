-- Link previews (https://docs.joinmastodon.org/entities/PreviewCard/), as
-- Mastodon's preview_cards and preview_cards_statuses tables. A card is
-- shared by every status linking to its URL (the page's canonical URL, or the
-- URL reached after redirects); each status keeps the URL it was written with.
CREATE TABLE preview_cards (
  id bigint PRIMARY KEY,
  url text NOT NULL,
  title text NOT NULL DEFAULT '',
  description text NOT NULL DEFAULT '',
  -- link, photo or video (rich oEmbed cards are not accepted, as Mastodon).
  type text NOT NULL DEFAULT 'link',
  -- article or unknown (LinkDetailsExtractor#link_type), for trends later.
  link_type text NOT NULL DEFAULT 'unknown',
  -- Sanitized to Mastodon's oEmbed allow-list before it is stored.
  html text NOT NULL DEFAULT '',
  author_name text NOT NULL DEFAULT '',
  author_url text NOT NULL DEFAULT '',
  provider_name text NOT NULL DEFAULT '',
  provider_url text NOT NULL DEFAULT '',
  width integer NOT NULL DEFAULT 0,
  height integer NOT NULL DEFAULT 0,
  embed_url text NOT NULL DEFAULT '',
  -- The stored thumbnail (a media storage key, preview_cards/images/...).
  image_key text,
  image_content_type text,
  image_file_size integer,
  image_description text NOT NULL DEFAULT '',
  blurhash text,
  language text,
  published_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX preview_cards_url ON preview_cards (url);

-- A status has at most one card (Status#preview_card).
CREATE TABLE preview_cards_statuses (
  status_id bigint PRIMARY KEY REFERENCES statuses (id) ON DELETE CASCADE,
  preview_card_id bigint NOT NULL REFERENCES preview_cards (id) ON DELETE CASCADE,
  -- The link as the status has it (PreviewCard#original_url), before redirects.
  url text NOT NULL
);

-- GET /api/v1/timelines/link: the statuses of a card, newest first.
CREATE INDEX preview_cards_statuses_card ON preview_cards_statuses (preview_card_id, status_id DESC);
