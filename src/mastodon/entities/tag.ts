// Tag (https://docs.joinmastodon.org/entities/Tag/), as REST::TagSerializer:
// `name` is the spelling first seen, `url` the tag's page; `following` and
// `featuring` only for a signed-in viewer. `history` (daily uses) is empty
// until Herd keeps trends.
import type { TagView } from "../../domain/graph/tag-views.ts";
import type { Urls } from "../../urls.ts";

export interface TagHistory {
  day: string;
  uses: string;
  accounts: string;
}

export interface Tag {
  id: string;
  name: string;
  url: string;
  history: TagHistory[];
  following?: boolean;
  featuring?: boolean;
}

/** `signedIn`: whether the viewer flags belong in the entity. */
export function serializeTag(tag: TagView, urls: Urls, signedIn: boolean): Tag {
  const entity: Tag = {
    id: tag.id,
    name: tag.displayName,
    url: urls.tag(tag.name),
    history: [],
  };
  if (signedIn) {
    entity.following = tag.following;
    entity.featuring = tag.featuring;
  }
  return entity;
}
