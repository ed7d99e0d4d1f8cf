-- Search (issue P2, GET /api/v2/search).
-- Full-text search of statuses: the expression of SEARCH_DOCUMENT in
-- src/domain/search/statuses.ts (content warning and source text, or the
-- content without HTML tags when there is no source), `simple` configuration.
-- Not a partial index: the planner reads the statistics of an index
-- expression only from a full index, and needs them to tell a rare word
-- (read from the index) from a common one (read newest first).
CREATE INDEX statuses_search ON statuses USING gin ((
  to_tsvector('simple'::regconfig, spoiler_text || ' ' || CASE WHEN text <> ''
    THEN text ELSE regexp_replace(content, '<[^>]*>', ' ', 'g') END)
));

-- Hashtag search by prefix of the normalised name: a range in byte order.
CREATE INDEX tags_name_prefix ON tags (name COLLATE "C");
