// Reports forwarded to other servers, as Mastodon's ReportService
// (#forward_to_origin!, #forward_to_replied_to!) and
// ActivityPub::FlagSerializer (https://docs.joinmastodon.org/spec/activitypub/#Flag):
// a Flag from the instance actor, so that the reporter stays anonymous,
// naming the target account and the reported statuses (deleted ones too),
// with the comment as `content`; its id is the report's local URL. It goes
// to the target's own inbox when the report was forwarded to its server,
// and to the servers of the accounts the reported statuses reply to, among
// the report's forward_to_domains (their shared inboxes where they have one).
import { Flag, type Recipient } from "@fedify/vocab";
import { sql } from "drizzle-orm";
import type { DomainEvent } from "../../domain/events/types.ts";
import { loadReports } from "../../domain/reports/read.ts";
import { idArray, textArray } from "../../lib/pg-arrays.ts";
import { remoteRecipient, toRecipients } from "./recipients.ts";
import { deliver, type Outgoing } from "./send.ts";

type ReportEvent = Extract<DomainEvent, { type: "report.created" }>;

/** The URIs of statuses `ids` (a local status without one stored: its path). */
async function statusUris(out: Outgoing, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const result = await out.env.db.execute<{ id: string; uri: string | null; username: string }>(
    sql`SELECT s.id, s.uri, a.username FROM statuses s JOIN accounts a ON a.id = s.account_id
      WHERE s.id = ANY(${idArray(ids)}::bigint[]) ORDER BY s.id`,
  );
  return result.rows.map((r) => r.uri ?? `${out.env.urls.actor(r.username)}/statuses/${r.id}`);
}

/** The accounts the statuses `ids` reply to, on `domains` but not on the target's (`targetId`). */
async function repliedTo(
  out: Outgoing,
  ids: readonly string[],
  domains: readonly string[],
  targetId: string,
): Promise<Recipient[]> {
  if (ids.length === 0 || domains.length === 0) return [];
  const result = await out.env.db.execute<{
    uri: string;
    inbox_url: string;
    shared_inbox_url: string | null;
  }>(sql`SELECT a.uri, a.inbox_url, a.shared_inbox_url FROM accounts a
    WHERE a.id IN (SELECT s.in_reply_to_account_id FROM statuses s
        WHERE s.id = ANY(${idArray(ids)}::bigint[]))
      AND a.domain IS NOT NULL AND a.uri IS NOT NULL AND a.inbox_url IS NOT NULL
      AND a.suspended_at IS NULL
      AND lower(a.domain) = ANY(${textArray(domains)}::text[])
      AND lower(a.domain) <> (SELECT lower(t.domain) FROM accounts t WHERE t.id = ${targetId}::bigint)`);
  return toRecipients(result.rows);
}

export async function sendFlag(out: Outgoing, event: ReportEvent): Promise<void> {
  const [report] = await loadReports(out.env.db, [event.reportId]);
  if (!report || report.forwardToDomains.length === 0) return;
  const target = await remoteRecipient(out.env.db, report.targetAccountId);
  if (!target?.id || !target.inboxId) return;
  const recipients: Recipient[] = [];
  // The target's own inbox, as Mastodon (not its server's shared inbox).
  if (report.forwarded) recipients.push({ ...target, endpoints: null });
  recipients.push(
    ...(await repliedTo(out, report.statusIds, report.forwardToDomains, report.targetAccountId)),
  );
  if (recipients.length === 0) return;
  const instance = out.env.instanceIdentifier;
  const flag = new Flag({
    id: new URL(`${out.env.urls.base}/reports/${report.id}`),
    actor: out.ctx.getActorUri(instance),
    objects: [
      target.id,
      ...(await statusUris(out, report.statusIds))
        .filter((u) => URL.canParse(u))
        .map((u) => new URL(u)),
    ],
    content: report.comment,
  });
  await deliver(out, instance, recipients, flag);
}
