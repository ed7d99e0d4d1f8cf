// The List entity (https://docs.joinmastodon.org/entities/List/).
import type { ListRow } from "../../domain/lists/lists.ts";

export interface List {
  id: string;
  title: string;
  replies_policy: "followed" | "list" | "none";
  exclusive: boolean;
}

export function serializeList(list: ListRow): List {
  return {
    id: list.id,
    title: list.title,
    replies_policy: list.repliesPolicy,
    exclusive: list.exclusive,
  };
}
