// Copies of remote accounts' avatars and headers, as Mastodon keeps them
// (Account::Avatar and Account::Header with avatar_remote_url): downloaded
// when a profile is stored or refreshed with an image not copied yet, then
// processed as local ones are (avatars cropped to 400x400, headers within
// 1500x500's pixels, a static first frame for animated ones) and kept under
// `cache/accounts/...`. The account's avatar_url (header_url) then holds the
// copy's storage key, and remote_profile_images remembers the remote URL it
// came from. Modes "receipt" and "view" both copy them (there is no proxy
// for profile images, as in Mastodon); "never" keeps the remote URLs. None
// is downloaded from a server whose media a domain block rejects.
//
// A refresh writes the actor's URLs again (remote-accounts.ts);
// `keepCachedProfileImages`, in that transaction, puts the copy back when
// the URL is the one it was made from, and asks the `media.fetch-remote-profile`
// job for the others: it downloads new images and drops stale copies.
import { and, eq, isNotNull, sql } from "drizzle-orm";
import type { Db, DbOrTx } from "../../db/database.ts";
import { accounts, type AccountRow } from "../../db/schema/index.ts";
import {
  remoteProfileImages,
  type RemoteProfileImageRow,
} from "../../db/schema/remote-profile-images.ts";
import type { JobQueue } from "../../jobs/queue.ts";
import type { MediaStorage } from "../../storage/storage.ts";
import { DomainError } from "../errors.ts";
import { rejectsMediaFrom } from "../instance/domain-block-rules.ts";
import { discardFiles, storeFiles } from "./files.ts";
import {
  prepareProfileImages,
  PROFILE_IMAGE_LIMIT,
  type ProfileImageKind,
} from "./profile-images.ts";
import { cacheKey, REMOTE_MEDIA_JOBS, type RemoteCacheContext } from "./remote-cache-context.ts";
import { downloadRemoteFile } from "./remote-cache-download.ts";

const KINDS = ["avatar", "header"] as const;

/** Account::Avatar's and Account::Header's IMAGE_MIME_TYPES. */
const ACCEPT = "image/webp, image/png, image/jpeg, image/gif;q=0.9, */*;q=0.5";

const isRemoteUrl = (value: string | null): value is string =>
  value !== null && /^https?:\/\//i.test(value);

const current = (account: AccountRow, kind: ProfileImageKind) =>
  kind === "avatar" ? account.avatarUrl : account.headerUrl;

/** The account columns of one image. */
function imageColumns(kind: ProfileImageKind, url: string | null, staticUrl: string | null) {
  return kind === "avatar"
    ? { avatarUrl: url, avatarStaticUrl: staticUrl }
    : { headerUrl: url, headerStaticUrl: staticUrl };
}

const urlColumn = (kind: ProfileImageKind) =>
  kind === "avatar" ? accounts.avatarUrl : accounts.headerUrl;

const copiesOf = (db: DbOrTx, accountId: string) =>
  db.select().from(remoteProfileImages).where(eq(remoteProfileImages.accountId, accountId));

/**
 * In the transaction that stored remote account `account` with its actor's
 * image URLs: restores the copies made from those same URLs, and queues the
 * job for images not copied (or copies no longer named). Answers the row as
 * it now is.
 */
export async function keepCachedProfileImages(
  tx: DbOrTx,
  account: AccountRow,
  jobs: JobQueue | null,
): Promise<AccountRow> {
  const copies = await copiesOf(tx, account.id);
  let restore = {};
  let stale = false;
  for (const kind of KINDS) {
    const url = current(account, kind);
    const copy = copies.find((c) => c.kind === kind);
    if (copy && copy.remoteUrl === url) {
      restore = { ...restore, ...imageColumns(kind, copy.fileKey, copy.staticKey ?? copy.fileKey) };
    } else if (copy || isRemoteUrl(url)) {
      stale = true;
    }
  }
  if (stale && jobs) {
    await jobs.send(REMOTE_MEDIA_JOBS.profile, { accountId: account.id }, { tx });
  }
  if (Object.keys(restore).length === 0) return account;
  const [updated] = await tx
    .update(accounts)
    .set(restore)
    .where(eq(accounts.id, account.id))
    .returning();
  return updated ?? account;
}

/** Forgets `copy` in `tx`: the account shows the remote URL again if it showed the copy. */
async function forgetCopy(tx: DbOrTx, copy: RemoteProfileImageRow): Promise<void> {
  await tx
    .delete(remoteProfileImages)
    .where(
      and(
        eq(remoteProfileImages.accountId, copy.accountId),
        eq(remoteProfileImages.kind, copy.kind),
      ),
    );
  await tx
    .update(accounts)
    .set(imageColumns(copy.kind, copy.remoteUrl, copy.remoteUrl))
    .where(and(eq(accounts.id, copy.accountId), eq(urlColumn(copy.kind), copy.fileKey)));
}

const keysOf = (copy: RemoteProfileImageRow) => [copy.fileKey, copy.staticKey];

/** Downloads, processes and stores one image; installs it if the account still names `url`. */
async function cacheOne(
  ctx: RemoteCacheContext,
  accountId: string,
  kind: ProfileImageKind,
  url: string,
): Promise<void> {
  const file = await downloadRemoteFile(url, PROFILE_IMAGE_LIMIT, ctx.fetch, ACCEPT);
  if (!file) return;
  let prepared;
  try {
    prepared = await prepareProfileImages(accountId, { [kind]: file.data });
  } catch (error) {
    if (error instanceof DomainError) return; // not an image Mastodon would take
    throw error;
  }
  const columns = prepared[kind];
  if (!columns) return;
  const files = prepared.files.map((f) => ({ ...f, key: cacheKey(f.key) }));
  const fileKey = cacheKey(columns.url);
  const staticKey = columns.staticUrl === null ? null : cacheKey(columns.staticUrl);
  const keys = files.map((f) => f.key);
  await storeFiles(ctx.storage, files);
  try {
    await ctx.db.transaction(async (tx) => {
      const [account] = await tx
        .select()
        .from(accounts)
        .where(and(eq(accounts.id, accountId), isNotNull(accounts.domain)))
        .for("update");
      if (!account || current(account, kind) !== url) {
        // Changed meanwhile: a later job handles the new image.
        await discardFiles(ctx, tx, keys);
        return;
      }
      const old = (await copiesOf(tx, accountId)).find((c) => c.kind === kind);
      const size = files.reduce((n, f) => n + f.data.length, 0);
      await tx
        .insert(remoteProfileImages)
        .values({ accountId, kind, remoteUrl: url, fileKey, staticKey, fileSize: size })
        .onConflictDoUpdate({
          target: [remoteProfileImages.accountId, remoteProfileImages.kind],
          set: { remoteUrl: url, fileKey, staticKey, fileSize: size, createdAt: new Date() },
        });
      await tx
        .update(accounts)
        .set(imageColumns(kind, fileKey, staticKey ?? fileKey))
        .where(eq(accounts.id, accountId));
      if (old) await discardFiles(ctx, tx, keysOf(old));
    });
  } catch (error) {
    await ctx.storage.delete(keys).catch(() => undefined);
    throw error;
  }
}

/**
 * The `media.fetch-remote-profile` job: drops the copies the account no
 * longer names, and copies the images it names by URL. A failed download
 * leaves the remote URL (tried again at the next refresh, as Mastodon).
 */
export async function cacheRemoteProfileImages(
  ctx: RemoteCacheContext,
  accountId: string,
): Promise<void> {
  if (ctx.mode === "never") return;
  const [account] = await ctx.db
    .select()
    .from(accounts)
    .where(and(eq(accounts.id, accountId), isNotNull(accounts.domain)));
  if (!account) return;
  // ProcessAccountService#skip_download?: nothing downloaded from a server whose media are rejected.
  if (await rejectsMediaFrom(ctx.db, account.domain)) return;
  const copies = await copiesOf(ctx.db, accountId);
  for (const kind of KINDS) {
    const url = current(account, kind);
    const copy = copies.find((c) => c.kind === kind);
    if (copy && url === copy.fileKey) continue;
    if (copy && url === copy.remoteUrl) {
      // Refreshed without the hook putting the copy back: put it back.
      await ctx.db
        .update(accounts)
        .set(imageColumns(kind, copy.fileKey, copy.staticKey ?? copy.fileKey))
        .where(and(eq(accounts.id, accountId), eq(urlColumn(kind), url)));
      continue;
    }
    if (copy) {
      await ctx.db.transaction(async (tx) => {
        await forgetCopy(tx, copy);
        await discardFiles(ctx, tx, keysOf(copy));
      });
    }
    if (isRemoteUrl(url)) await cacheOne(ctx, accountId, kind, url);
  }
}

const BATCH = 500;

/**
 * `herd media remove --prune-profiles` (or `--remove-headers`), as tootctl:
 * the copies of remote accounts' avatars and headers (headers only) whose
 * account was neither refreshed nor webfingered since `before`, and, unless
 * `includeFollows`, that no one follows and that follows no one. Their
 * accounts show the remote URLs again. Answers how many accounts, and bytes.
 */
export async function pruneRemoteProfileImages(
  ctx: { db: Db; storage: MediaStorage },
  before: Date,
  options: { headersOnly: boolean; includeFollows: boolean; dryRun: boolean },
): Promise<{ accounts: number; bytes: number }> {
  const seen = new Set<string>();
  let bytes = 0;
  let after = { accountId: "0", kind: "" };
  for (;;) {
    const rows = await ctx.db.execute<{ account_id: string; kind: ProfileImageKind }>(sql`
      SELECT p.account_id::text, p.kind FROM remote_profile_images p
      JOIN accounts a ON a.id = p.account_id
      WHERE a.domain IS NOT NULL AND a.updated_at <= ${before.toISOString()}::timestamptz
        AND (a.last_webfinger_at IS NULL OR a.last_webfinger_at <= ${before.toISOString()}::timestamptz)
        AND (${options.headersOnly ? sql`p.kind = 'header'` : sql`TRUE`})
        AND (${
          options.includeFollows
            ? sql`TRUE`
            : sql`NOT EXISTS (SELECT 1 FROM follows f
                WHERE f.account_id = a.id OR f.target_account_id = a.id)`
        })
        AND (p.account_id, p.kind) > (${after.accountId}::bigint, ${after.kind})
      ORDER BY p.account_id, p.kind LIMIT ${BATCH}`);
    for (const { account_id: accountId, kind } of rows.rows) {
      const removed = await ctx.db.transaction(async (tx) => {
        const [copy] = await tx
          .select()
          .from(remoteProfileImages)
          .where(
            and(eq(remoteProfileImages.accountId, accountId), eq(remoteProfileImages.kind, kind)),
          )
          .for("update");
        if (!copy) return null;
        if (!options.dryRun) await forgetCopy(tx, copy);
        return copy;
      });
      if (!removed) continue;
      seen.add(accountId);
      bytes += removed.fileSize;
      const keys = keysOf(removed).filter((k): k is string => k !== null);
      if (!options.dryRun) await ctx.storage.delete(keys);
    }
    const last = rows.rows[rows.rows.length - 1];
    if (!last || rows.rows.length < BATCH) return { accounts: seen.size, bytes };
    after = { accountId: last.account_id, kind: last.kind };
  }
}
