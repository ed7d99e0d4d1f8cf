// Relationship (https://docs.joinmastodon.org/entities/Relationship/), as
// REST::RelationshipSerializer: showing_reblogs, notifying and languages come
// from the viewer's follow, or from their pending request when there is no
// follow yet; muting_notifications and muting_expires_at from an active mute.
import type { RelationshipView } from "../../domain/graph/relationships.ts";

export interface Relationship {
  id: string;
  following: boolean;
  showing_reblogs: boolean;
  notifying: boolean;
  languages: string[] | null;
  followed_by: boolean;
  blocking: boolean;
  blocked_by: boolean;
  muting: boolean;
  muting_notifications: boolean;
  muting_expires_at: string | null;
  requested: boolean;
  requested_by: boolean;
  domain_blocking: boolean;
  endorsed: boolean;
  note: string;
}

/** The relationship with an account one neither follows, blocks nor mutes. */
export function noRelationship(accountId: string): Relationship {
  return {
    id: accountId,
    following: false,
    showing_reblogs: false,
    notifying: false,
    languages: null,
    followed_by: false,
    blocking: false,
    blocked_by: false,
    muting: false,
    muting_notifications: false,
    muting_expires_at: null,
    requested: false,
    requested_by: false,
    domain_blocking: false,
    endorsed: false,
    note: "",
  };
}

export function serializeRelationship(r: RelationshipView): Relationship {
  const follow = r.following ?? r.requested;
  return {
    id: r.id,
    following: r.following !== null,
    showing_reblogs: follow?.showReblogs ?? false,
    notifying: follow?.notify ?? false,
    languages: follow?.languages ?? null,
    followed_by: r.followedBy,
    blocking: r.blocking,
    blocked_by: r.blockedBy,
    muting: r.muting !== null,
    muting_notifications: r.muting?.hideNotifications ?? false,
    muting_expires_at: r.muting?.expiresAt?.toISOString() ?? null,
    requested: r.requested !== null,
    requested_by: r.requestedBy,
    domain_blocking: r.domainBlocking,
    endorsed: r.endorsed,
    note: r.note,
  };
}
