// Fixtures that write statuses and relationships straight into the database,
// for tests of feeds and timelines that need precise shapes (a reply to a
// given account, a boost, a mention, a remote author) without going through
// the statuses and relationships APIs. Statuses go through the real feed hook.
import { eq, sql } from "drizzle-orm";
import {
  accountDomainBlocks,
  accounts,
  blocks,
  follows,
  mentions,
  mutes,
  statuses,
  statusesTags,
  tagFollows,
  tags,
  type AccountRow,
  type StatusRow,
  type Visibility,
} from "../../src/db/schema/index.ts";
import { onFollow, onStatusCreated } from "../../src/domain/timelines/feeds.ts";
import { newId } from "../../src/lib/ids.ts";
import type { TestInstance } from "./instance.ts";

export interface DirectStatus {
  visibility?: Visibility;
  text?: string;
  /** The parent; a null id: a reply to a status this server does not have. */
  inReplyTo?: Pick<StatusRow, "accountId"> & { id: string | null };
  reblogOf?: StatusRow;
  language?: string | null;
  mentions?: { id: string }[];
  silentMentions?: { id: string }[];
  tags?: string[];
  local?: boolean;
}

/**
 * A status by `author`, inserted directly; the feed hook runs in the same
 * transaction with the instance's job queue (drain to fan it out).
 */
export async function insertStatus(
  t: TestInstance,
  author: { id: string },
  options: DirectStatus = {},
): Promise<StatusRow> {
  return t.database.db.transaction(async (tx) => {
    const id = newId();
    const [row] = await tx
      .insert(statuses)
      .values({
        id,
        accountId: author.id,
        text: options.text ?? `status ${id}`,
        content: `<p>${options.text ?? `status ${id}`}</p>`,
        visibility: options.visibility ?? options.reblogOf?.visibility ?? "public",
        inReplyToId: options.inReplyTo?.id ?? null,
        inReplyToAccountId: options.inReplyTo?.accountId ?? null,
        reblogOfId: options.reblogOf?.id ?? null,
        language: options.language === undefined ? "en" : options.language,
        local: options.local ?? true,
      })
      .returning();
    for (const [list, silent] of [
      [options.mentions ?? [], false],
      [options.silentMentions ?? [], true],
    ] as const) {
      for (const m of list) {
        await tx.insert(mentions).values({ id: newId(), statusId: id, accountId: m.id, silent });
      }
    }
    for (const name of options.tags ?? []) {
      const tagId = await tagIdFor(tx, name);
      await tx.insert(statusesTags).values({ statusId: id, tagId });
    }
    await onStatusCreated(tx, row!, t.jobs);
    return row!;
  });
}

type Tx = Parameters<Parameters<TestInstance["database"]["db"]["transaction"]>[0]>[0];

async function tagIdFor(tx: Tx | TestInstance["database"]["db"], name: string): Promise<string> {
  const lower = name.toLowerCase();
  await tx
    .insert(tags)
    .values({ id: newId(), name: lower, displayName: name })
    .onConflictDoNothing({ target: tags.name });
  const [tag] = await tx.select({ id: tags.id }).from(tags).where(eq(tags.name, lower));
  return tag!.id;
}

/** `follower` follows `target` (the feed hook merges the target's statuses: drain to see them). */
export async function follow(
  t: TestInstance,
  follower: { id: string },
  target: { id: string },
  options: { showReblogs?: boolean; notify?: boolean; languages?: string[] | null } = {},
): Promise<string> {
  return t.database.db.transaction(async (tx) => {
    const id = newId();
    await tx.insert(follows).values({
      id,
      accountId: follower.id,
      targetAccountId: target.id,
      showReblogs: options.showReblogs ?? true,
      notify: options.notify ?? false,
      languages: options.languages ?? null,
    });
    await onFollow(tx, follower.id, target.id, t.jobs);
    return id;
  });
}

export async function block(t: TestInstance, account: { id: string }, target: { id: string }) {
  await t.database.db
    .insert(blocks)
    .values({ id: newId(), accountId: account.id, targetAccountId: target.id });
}

export async function mute(t: TestInstance, account: { id: string }, target: { id: string }) {
  await t.database.db
    .insert(mutes)
    .values({ id: newId(), accountId: account.id, targetAccountId: target.id });
}

export async function blockDomain(t: TestInstance, account: { id: string }, domain: string) {
  await t.database.db
    .insert(accountDomainBlocks)
    .values({ id: newId(), accountId: account.id, domain });
}

export async function followTag(t: TestInstance, account: { id: string }, name: string) {
  const tagId = await tagIdFor(t.database.db, name);
  await t.database.db.insert(tagFollows).values({ id: newId(), accountId: account.id, tagId });
}

/** A remote account on `domain`. */
export async function remoteAccount(
  t: TestInstance,
  domain: string,
  username = `remote${Math.random().toString(36).slice(2, 8)}`,
): Promise<AccountRow> {
  const [row] = await t.database.db
    .insert(accounts)
    .values({
      id: newId(),
      username,
      domain,
      uri: `https://${domain}/users/${username}`,
      url: `https://${domain}/@${username}`,
    })
    .returning();
  return row!;
}

/** The status ids in `accountId`'s home feed table, newest first. */
export async function homeFeedIds(t: TestInstance, accountId: string): Promise<string[]> {
  const { rows } = await t.database.db.execute<{ id: string }>(
    sql`SELECT status_id::text AS id FROM home_feed_entries WHERE account_id = ${accountId} ORDER BY status_id DESC`,
  );
  return rows.map((r) => r.id);
}

/** The status ids in list `listId`'s feed table, newest first. */
export async function listFeedIds(t: TestInstance, listId: string): Promise<string[]> {
  const { rows } = await t.database.db.execute<{ id: string }>(
    sql`SELECT status_id::text AS id FROM list_feed_entries WHERE list_id = ${listId} ORDER BY status_id DESC`,
  );
  return rows.map((r) => r.id);
}
