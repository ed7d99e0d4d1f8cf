// FeaturedTag (https://docs.joinmastodon.org/entities/FeaturedTag/), as
// REST::FeaturedTagSerializer: the count is a string, the last status a date
// (no time), and the URL the profile's page of statuses with the tag.
import type { FeaturedTagView } from "../../domain/graph/featured-tags.ts";
import type { Urls } from "../../urls.ts";

export interface FeaturedTag {
  id: string;
  name: string;
  url: string;
  statuses_count: string;
  last_status_at: string | null;
}

/** The account the tags are featured on: `acct` is `user` or `user@domain`. */
export function serializeFeaturedTag(
  tag: FeaturedTagView,
  owner: { username: string; domain: string | null },
  urls: Urls,
): FeaturedTag {
  const acct = owner.domain === null ? owner.username : `${owner.username}@${owner.domain}`;
  return {
    id: tag.id,
    name: tag.name,
    url: `${urls.profile(acct)}/tagged/${encodeURIComponent(tag.tagName)}`,
    statuses_count: String(tag.statusesCount),
    last_status_at: tag.lastStatusAt ? tag.lastStatusAt.toISOString().slice(0, 10) : null,
  };
}
