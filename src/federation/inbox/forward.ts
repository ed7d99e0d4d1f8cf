// Inbox forwarding (https://www.w3.org/TR/activitypub/#inbox-forwarding) of
// replies to local posts, as Mastodon's Create#forward_for_reply and
// ActivityPub::Forwarder (Update and Delete): the author of a reply cannot
// reach the followers of the local account it answers, so this server sends
// them the activity as it was received, unchanged (Fedify's forwardActivity
// keeps the payload byte for byte and signs only the HTTP request, as that
// local account).
// - A new reply (Create) to a local status is forwarded to the remote
//   followers of that status's author when it is public or unlisted
//   (Status#distributable?), or when it is addressed to that author's
//   followers collection (the case the ActivityPub spec describes).
// - An edit (Update) or deletion (Delete) of such a reply goes the same way;
//   of a public or unlisted post that local accounts boosted, to their
//   followers too (Forwarder#inboxes_for_followers_of_reblogged_by_accounts).
//   A Delete carries no audience, so a deleted followers-only reply to a
//   local post is forwarded as if its Create had been: it tells nothing but
//   that the post is gone, and a server that never had it ignores it.
// - Never to the sender's own server (which delivered it already: Mastodon
//   leaves out the sender's preferred inbox), nor to this one.
// - Only a signed activity: what a server gets from someone other than its
//   author it can trust only by a signature of the author's inside it.
//   Mastodon checks for a Linked Data Signature (`@json['signature']`), the
//   only kind it makes and verifies. Herd forwards an activity with either a
//   Linked Data Signature or an Object Integrity Proof (FEP-8b32, Fedify's
//   skipIfUnsigned), since the servers that verify proofs (Fedify's, Herd)
//   trust it as well; a Mastodon server drops one with a proof only, as it
//   drops any forward it cannot verify, which costs one request. Unsigned
//   activities are never forwarded.
import type { Activity } from "@fedify/vocab";
import { sql } from "drizzle-orm";
import type { StatusRow, Visibility } from "../../db/schema/index.ts";
import { idArray } from "../../lib/pg-arrays.ts";
import { REACHABLE, toRecipients } from "../outbox/recipients.ts";
import { localActor } from "../outbox/send.ts";
import type { Incoming } from "./listener.ts";

const DISTRIBUTABLE: ReadonlySet<Visibility> = new Set(["public", "unlisted"]);

export interface ForwardOptions {
  /** The post's audience (`to` and `cc`) as received; null when unknown (a Delete). */
  audience: readonly string[] | null;
  /** Whether the followers of local accounts that boosted the post get it too (Update, Delete). */
  boosters: boolean;
}

/** The local account whose status `status` replies to, if it is a local one. */
async function localParentAuthor(incoming: Incoming, status: StatusRow): Promise<string | null> {
  if (!status.inReplyToId) return null;
  const result = await incoming.env.db.execute<{ account_id: string }>(sql`SELECT s.account_id::text
    FROM statuses s WHERE s.id = ${status.inReplyToId} AND s.local AND s.deleted_at IS NULL`);
  return result.rows[0]?.account_id ?? null;
}

/** Local accounts that boosted `statusId`, oldest boost first. */
async function localBoosters(incoming: Incoming, statusId: string): Promise<string[]> {
  const result = await incoming.env.db.execute<{ account_id: string }>(sql`SELECT b.account_id::text
    FROM statuses b JOIN accounts a ON a.id = b.account_id AND a.domain IS NULL
    WHERE b.reblog_of_id = ${statusId} AND b.deleted_at IS NULL ORDER BY b.id`);
  return [...new Set(result.rows.map((r) => r.account_id))];
}

/** The origins the sender delivers from (its inbox, shared inbox and actor URI). */
function senderOrigins(incoming: Incoming): URL[] {
  const { actor } = incoming;
  const origins: URL[] = [];
  for (const href of [actor.uri, actor.inboxUrl, actor.sharedInboxUrl]) {
    try {
      if (href) origins.push(new URL(new URL(href).origin));
    } catch {
      // A stored URL that does not parse names no server.
    }
  }
  return origins;
}

/**
 * Forwards `activity` (a Create, Update or Delete of remote status `status`,
 * as received) to those Mastodon forwards it to; nothing when none of them
 * applies, or when the activity is not signed.
 */
export async function forwardForReply(
  incoming: Incoming,
  activity: Activity,
  status: StatusRow,
  options: ForwardOptions,
): Promise<void> {
  const { env, ctx } = incoming;
  const distributable = DISTRIBUTABLE.has(status.visibility);
  const parentAuthorId = await localParentAuthor(incoming, status);
  const parentAuthor = parentAuthorId ? await localActor(env, parentAuthorId) : null;
  let toParentFollowers = false;
  if (parentAuthor) {
    const followers = ctx.getFollowersUri(parentAuthor.username).href;
    toParentFollowers =
      distributable ||
      (options.audience === null
        ? status.visibility === "private"
        : options.audience.includes(followers));
  }
  const boosters =
    options.boosters && distributable ? await localBoosters(incoming, status.id) : [];
  const owners = [...(toParentFollowers ? [parentAuthor!.id] : []), ...boosters];
  if (owners.length === 0) return;
  // Signed as the author of the post replied to, else as the first booster
  // (Forwarder#signature_account_id).
  const signer = toParentFollowers ? parentAuthor : await localActor(env, boosters[0]!);
  if (!signer) return;
  const result = await env.db.execute<{
    uri: string;
    inbox_url: string;
    shared_inbox_url: string | null;
  }>(sql`SELECT a.uri, a.inbox_url, a.shared_inbox_url FROM accounts a
    WHERE ${REACHABLE} AND a.id IN (SELECT f.account_id FROM follows f
      WHERE f.target_account_id = ANY(${idArray(owners)}::bigint[]))`);
  const recipients = toRecipients(result.rows);
  if (recipients.length === 0) return;
  await ctx.forwardActivity({ identifier: signer.username }, recipients, {
    skipIfUnsigned: true,
    preferSharedInbox: true,
    excludeBaseUris: [new URL(env.urls.base), ...senderOrigins(incoming)],
    // Create, Update and Delete of one post reach each server in order.
    orderingKey: status.uri ?? activity.id?.href,
  });
}
