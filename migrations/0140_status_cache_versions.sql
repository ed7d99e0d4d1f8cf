-- What the cache of rendered statuses (src/mastodon/entities/status-cache.ts)
-- compares to know an entry is still right. A cached status is keyed by its
-- row version (statuses.xmin, which every UPDATE changes), a cached account
-- by the versions of its accounts and users rows, and both by one global
-- epoch for the few tables many statuses share.
--
-- 1. Rows a status's JSON shows but that are not the statuses row: a change
--    to them touches the status (a new row version). Status edits update
--    the statuses row already (mentions, tags, media, polls change with it).
CREATE FUNCTION herd_touch_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' AND OLD.status_id IS NOT NULL THEN
    UPDATE statuses SET updated_at = now() WHERE id = OLD.status_id;
  END IF;
  IF TG_OP <> 'DELETE' AND NEW.status_id IS NOT NULL
    AND (TG_OP = 'INSERT' OR NEW.status_id IS DISTINCT FROM OLD.status_id) THEN
    UPDATE statuses SET updated_at = now() WHERE id = NEW.status_id;
  END IF;
  RETURN NULL;
END $$;

-- Media processed or cached after the status was made, descriptions, focus.
CREATE TRIGGER media_attachments_touch_status AFTER UPDATE ON media_attachments
  FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION herd_touch_status();
-- Votes and closing.
CREATE TRIGGER polls_touch_status AFTER UPDATE ON polls
  FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION herd_touch_status();
-- A preview card fetched after the status was made, or taken away.
CREATE TRIGGER preview_cards_statuses_touch_status AFTER INSERT OR UPDATE OR DELETE
  ON preview_cards_statuses FOR EACH ROW EXECUTE FUNCTION herd_touch_status();

-- A card fetched again: every status showing it.
CREATE FUNCTION herd_touch_card_statuses() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE statuses SET updated_at = now()
  WHERE id IN (SELECT status_id FROM preview_cards_statuses WHERE preview_card_id = NEW.id);
  RETURN NULL;
END $$;
CREATE TRIGGER preview_cards_touch_statuses AFTER UPDATE ON preview_cards
  FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION herd_touch_card_statuses();

-- 2. Tables that many statuses and accounts show (custom emojis, the names
--    of applications): a change bumps the epoch, which every cache entry
--    carries. A row, not a sequence, so that the new epoch becomes visible
--    in the same snapshot as the change it announces.
CREATE TABLE cache_epochs (
  id smallint PRIMARY KEY,
  epoch bigint NOT NULL
);
INSERT INTO cache_epochs (id, epoch) VALUES (1, 0);

CREATE FUNCTION herd_bump_cache_epoch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE cache_epochs SET epoch = epoch + 1 WHERE id = 1;
  RETURN NULL;
END $$;

CREATE TRIGGER custom_emojis_insert_epoch AFTER INSERT OR DELETE ON custom_emojis
  FOR EACH ROW EXECUTE FUNCTION herd_bump_cache_epoch();
-- Federation upserts remote emojis with each post that uses them, setting
-- updated_at: only a change of what the CustomEmoji entity shows counts.
CREATE TRIGGER custom_emojis_update_epoch AFTER UPDATE ON custom_emojis
  FOR EACH ROW WHEN ((to_jsonb(OLD) - 'updated_at') IS DISTINCT FROM (to_jsonb(NEW) - 'updated_at'))
  EXECUTE FUNCTION herd_bump_cache_epoch();
CREATE TRIGGER oauth_applications_update_epoch AFTER UPDATE ON oauth_applications
  FOR EACH ROW WHEN ((OLD.name, OLD.website) IS DISTINCT FROM (NEW.name, NEW.website))
  EXECUTE FUNCTION herd_bump_cache_epoch();
CREATE TRIGGER oauth_applications_delete_epoch AFTER DELETE ON oauth_applications
  FOR EACH ROW EXECUTE FUNCTION herd_bump_cache_epoch();
