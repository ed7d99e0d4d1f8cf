-- Indexes from the status's side on the tables of what a viewer did with a
-- status, as Mastodon has them (index_bookmarks_on_status_id,
-- index_status_pins_on_status_id): the streams ask, for each event, whether
-- anyone bookmarked, pinned or muted the conversation of the status before
-- probing each of up to thousands of viewers (src/streaming/render.ts,
-- readerSignatures), and removing a status's rows needs them too.
CREATE INDEX bookmarks_status ON bookmarks (status_id);
CREATE INDEX status_pins_status ON status_pins (status_id);
CREATE INDEX conversation_mutes_conversation ON conversation_mutes (conversation_id);
