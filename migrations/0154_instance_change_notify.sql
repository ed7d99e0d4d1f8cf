-- GET /api/v1/instance and /api/v2/instance are rendered once and kept
-- (src/mastodon/entities/instance-json.ts) until a row they show changes.
-- Their contact account already tells channel `herd_pages` of its changes
-- (kind `a`, its users row too: migrations 0152 and 0153); now the site
-- settings and the rules do as well, whatever writes them (a route, the CLI
-- in another process, plain SQL), with kinds `settings` and `rules`.
CREATE FUNCTION herd_pages_instance_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM herd_pages_notify(TG_ARGV[0], ARRAY['0']);
  RETURN NULL;
END $$;

CREATE TRIGGER site_settings_pages_changed
  AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON site_settings
  FOR EACH STATEMENT EXECUTE FUNCTION herd_pages_instance_changed('settings');
CREATE TRIGGER rules_pages_changed
  AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON rules
  FOR EACH STATEMENT EXECUTE FUNCTION herd_pages_instance_changed('rules');
