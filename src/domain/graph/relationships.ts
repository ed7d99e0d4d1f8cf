// The viewer's relationship with each of a list of accounts
// (https://docs.joinmastodon.org/entities/Relationship/), as Mastodon's
// AccountRelationshipsPresenter and Account::Mappings: every part (follow and
// its options, follow request and its options, followed by, blocks both
// ways, mute and its options, request from them, domain block, endorsement,
// note) read in one query for the whole list. An expired mute counts as none.
import { sql } from "drizzle-orm";
import type { DbOrTx } from "../../db/database.ts";
import { isId } from "../../lib/ids.ts";
import { idArray } from "../../lib/pg-arrays.ts";

export interface FollowOptions {
  showReblogs: boolean;
  notify: boolean;
  languages: string[] | null;
}

export interface RelationshipView {
  id: string;
  /** The viewer's follow of the account, if any. */
  following: FollowOptions | null;
  /** The viewer's pending request to follow the account, if any. */
  requested: FollowOptions | null;
  followedBy: boolean;
  blocking: boolean;
  blockedBy: boolean;
  muting: { hideNotifications: boolean; expiresAt: Date | null } | null;
  requestedBy: boolean;
  domainBlocking: boolean;
  endorsed: boolean;
  note: string;
}

interface Row extends Record<string, unknown> {
  id: string;
  following: boolean;
  f_reblogs: boolean | null;
  f_notify: boolean | null;
  f_languages: string[] | null;
  requested: boolean;
  r_reblogs: boolean | null;
  r_notify: boolean | null;
  r_languages: string[] | null;
  followed_by: boolean;
  blocking: boolean;
  blocked_by: boolean;
  muting: boolean;
  m_notifications: boolean | null;
  m_expires_at: Date | string | null;
  requested_by: boolean;
  domain_blocking: boolean;
  endorsed: boolean;
  note: string | null;
}

const options = (reblogs: boolean | null, notify: boolean | null, languages: string[] | null) => ({
  showReblogs: reblogs === true,
  notify: notify === true,
  languages,
});

/**
 * The relationships of `viewerId` with the accounts of `accountIds` that
 * exist, in the order of `accountIds`, in one query.
 */
export async function loadRelationships(
  db: DbOrTx,
  viewerId: string,
  accountIds: readonly string[],
): Promise<RelationshipView[]> {
  const ids = [...new Set(accountIds.filter(isId))];
  if (ids.length === 0) return [];
  const v = sql`${viewerId}::bigint`;
  const result = await db.execute<Row>(sql`SELECT a.id::text AS id,
      f.id IS NOT NULL AS following, f.show_reblogs AS f_reblogs, f.notify AS f_notify,
      f.languages AS f_languages,
      r.id IS NOT NULL AS requested, r.show_reblogs AS r_reblogs, r.notify AS r_notify,
      r.languages AS r_languages,
      EXISTS (SELECT 1 FROM follows x WHERE x.account_id = a.id AND x.target_account_id = ${v}) AS followed_by,
      EXISTS (SELECT 1 FROM blocks x WHERE x.account_id = ${v} AND x.target_account_id = a.id) AS blocking,
      EXISTS (SELECT 1 FROM blocks x WHERE x.account_id = a.id AND x.target_account_id = ${v}) AS blocked_by,
      m.id IS NOT NULL AS muting, m.hide_notifications AS m_notifications, m.expires_at AS m_expires_at,
      EXISTS (SELECT 1 FROM follow_requests x
              WHERE x.account_id = a.id AND x.target_account_id = ${v}) AS requested_by,
      (a.domain IS NOT NULL AND EXISTS (SELECT 1 FROM account_domain_blocks d
              WHERE d.account_id = ${v} AND d.domain = a.domain)) AS domain_blocking,
      EXISTS (SELECT 1 FROM account_pins x WHERE x.account_id = ${v} AND x.target_account_id = a.id) AS endorsed,
      n.comment AS note
    FROM accounts a
    LEFT JOIN follows f ON f.account_id = ${v} AND f.target_account_id = a.id
    LEFT JOIN follow_requests r ON r.account_id = ${v} AND r.target_account_id = a.id
    LEFT JOIN mutes m ON m.account_id = ${v} AND m.target_account_id = a.id
      AND (m.expires_at IS NULL OR m.expires_at > now())
    LEFT JOIN account_notes n ON n.account_id = ${v} AND n.target_account_id = a.id
    WHERE a.id = ANY(${idArray(ids)}::bigint[])`);
  const byId = new Map(result.rows.map((r) => [r.id, r]));
  return ids.flatMap((id) => {
    const r = byId.get(id);
    if (!r) return [];
    return [
      {
        id,
        following: r.following ? options(r.f_reblogs, r.f_notify, r.f_languages) : null,
        requested: r.requested ? options(r.r_reblogs, r.r_notify, r.r_languages) : null,
        followedBy: r.followed_by,
        blocking: r.blocking,
        blockedBy: r.blocked_by,
        muting: r.muting
          ? {
              hideNotifications: r.m_notifications === true,
              expiresAt: r.m_expires_at === null ? null : new Date(r.m_expires_at),
            }
          : null,
        requestedBy: r.requested_by,
        domainBlocking: r.domain_blocking,
        endorsed: r.endorsed,
        note: r.note ?? "",
      },
    ];
  });
}
