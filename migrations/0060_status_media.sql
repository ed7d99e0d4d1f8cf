-- Media attachments on statuses (issue P5), as Mastodon's columns: a status
-- keeps the order its author gave its attachments
-- (statuses.ordered_media_attachment_ids); NULL means "those attached, by id"
-- (what a status without the column set shows, as Status#ordered_media_attachments).
-- Attachments removed by an edit stay attached (status_id) so that the
-- history can still show them; only the ordered ids say what is current.
ALTER TABLE statuses ADD COLUMN ordered_media_attachment_ids bigint[];

-- Each version in the history records its attachments, their descriptions
-- then, and its poll's options (Status#snapshot!, entities/StatusEdit.md).
ALTER TABLE status_edits
  ADD COLUMN ordered_media_attachment_ids bigint[],
  ADD COLUMN media_descriptions text[],
  ADD COLUMN poll_options text[];
