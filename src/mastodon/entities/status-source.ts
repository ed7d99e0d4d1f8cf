// StatusSource (https://docs.joinmastodon.org/entities/StatusSource/), as
// Mastodon's REST::StatusSourceSerializer: what a client needs to edit a status.
import type { StatusSourceView } from "../../domain/statuses/read.ts";

export interface StatusSource {
  id: string;
  text: string;
  spoiler_text: string;
}

export function serializeStatusSource(source: StatusSourceView): StatusSource {
  return { id: source.id, text: source.text, spoiler_text: source.spoilerText };
}
