// Statuses rendered straight to JSON text through the cache of rendered
// statuses (status-cache.ts), for the paths clients call most (timelines,
// one status). The same entities as renderStatuses (status.ts), which
// test/status-cache.test.ts checks field by field, at a fraction of the
// cost: one statement reads the page's versions and the viewer's flags
// (status-versions.ts); only statuses or authors whose version changed are
// loaded and rendered again (status-loader.ts, viewer-free); the page is
// then put together from the cached JSON text and each viewer's flags.
//
// Like renderStatuses it does NOT check visibility: callers pass the ids the
// viewer may see (src/domain/statuses/visibility.ts).
import type { Db } from "../../db/database.ts";
import { isId } from "../../lib/ids.ts";
import type { Urls } from "../../urls.ts";
import { serializePoll } from "./poll.ts";
import { pollEmojis, showsPinned, statusAuthor, statusBase } from "./status.ts";
import { statusCacheFor, type CachedAccount, type CachedStatus } from "./status-cache.ts";
import { loadStatusPage } from "./status-loader.ts";
import {
  readPageVersions,
  readVersions,
  type IdsStatement,
  type PageVersions,
} from "./status-versions.ts";

export interface RenderedStatuses {
  /** A JSON array of Status entities, as UTF-8. */
  json: Buffer;
  /** The ids of the statuses it holds, in order. */
  ids: string[];
}

/**
 * The statuses of `ids` that exist, in the order of `ids`, as `viewerAccountId`
 * (null: a visitor) sees them, as JSON text. Does not check visibility.
 */
export async function renderStatusesJson(
  db: Db,
  ids: readonly string[],
  viewerAccountId: string | null,
  urls: Urls,
): Promise<RenderedStatuses> {
  const wanted = ids.filter(isId);
  if (wanted.length === 0) return { json: Buffer.from("[]"), ids: [] };
  const versions = await readVersions(db, [...new Set(wanted)], viewerAccountId);
  return renderWithVersions(db, wanted, versions, viewerAccountId, urls);
}

/**
 * The page that `statement` selects with `values` (its ids, visible to
 * `viewerAccountId`, chosen by the caller's rules), read and rendered with
 * one round trip when the cache holds its statuses; `arrange` puts the ids
 * in the order shown (a min_id page is read oldest first).
 */
export async function renderPageJson(
  db: Db,
  statement: IdsStatement,
  values: Record<string, unknown>,
  viewerAccountId: string | null,
  urls: Urls,
  arrange: (ids: string[]) => string[] = (ids) => ids,
): Promise<RenderedStatuses & { versions: PageVersions; pollsUntil: number | null }> {
  const versions = await readPageVersions(db, statement, values, viewerAccountId);
  const rendered = await renderWithVersions(
    db,
    arrange(versions.ids),
    versions,
    viewerAccountId,
    urls,
  );
  return { json: rendered.json, ids: rendered.ids, versions, pollsUntil: rendered.pollsUntil };
}

async function renderWithVersions(
  db: Db,
  wanted: readonly string[],
  versions: PageVersions,
  viewerAccountId: string | null,
  urls: Urls,
): Promise<RenderedStatuses & { pollsUntil: number | null }> {
  const cache = statusCacheFor(db, urls);
  const { epoch } = versions;

  // The entries this request uses, fresh ones from the cache first.
  const statuses = new Map<string, CachedStatus>();
  const accounts = new Map<string, CachedAccount>();
  const stale: string[] = [];
  for (const [id, version] of versions.statuses) {
    const entry = cache.statuses.get(id);
    if (entry === undefined || entry.version !== version || entry.epoch !== epoch) {
      stale.push(id);
      continue;
    }
    let author = accounts.get(entry.accountId);
    if (author === undefined) {
      author = cache.accounts.get(entry.accountId);
      if (
        author === undefined ||
        author.version !== versions.accounts.get(entry.accountId) ||
        author.epoch !== epoch
      ) {
        stale.push(id);
        continue;
      }
      accounts.set(entry.accountId, author);
    }
    statuses.set(id, entry);
  }

  if (stale.length > 0) {
    // Rendered for nobody in particular: the viewer's part is added below.
    const page = await loadStatusPage(db, stale, null);
    for (const s of page.statuses.values()) {
      const author = page.authors.get(s.accountId);
      if (!author) continue;
      const poll = page.polls.get(s.id) ?? null;
      const entry: CachedStatus = {
        version: s.version,
        epoch: page.versions.epoch,
        // `{` and the members, without the closing brace.
        head: Buffer.from(
          JSON.stringify({ ...statusBase(s, author, page, urls), content: s.content }).slice(0, -1),
        ),
        accountId: s.accountId,
        reblogOfId: s.reblogOfId,
        conversationId: s.conversationId,
        pinnable: showsPinned(s, s.accountId),
        application: Buffer.from(
          JSON.stringify(s.applicationId ? (page.applications.get(s.applicationId) ?? null) : null),
        ),
        poll,
        pollEmojis: poll ? pollEmojis(poll, author, page, urls) : [],
      };
      cache.statuses.set(s.id, entry);
      statuses.set(s.id, entry);
      if (!accounts.has(author.id)) {
        const account: CachedAccount = {
          version: page.versions.accounts.get(author.id) ?? "",
          epoch: page.versions.epoch,
          json: Buffer.from(JSON.stringify(statusAuthor(author, page, urls))),
          showApplication: s.showApplication,
        };
        cache.accounts.set(author.id, account);
        accounts.set(author.id, account);
      }
    }
  }

  // Put together as bytes: the cached parts are UTF-8 already, so a page is
  // copied once instead of being concatenated, measured and encoded again
  // (bench/profile.ts: encoding the text and collecting it was a sixth of
  // the CPU of a home page).
  const { flags } = versions;
  const now = Date.now();
  // When the first poll shown closes by this clock, the one `expired` is decided by.
  let pollsUntil: number | null = null;
  const parts: Buffer[] = [OPEN];
  const render = (id: string, nested: boolean): boolean => {
    const entry = statuses.get(id);
    const author = entry && accounts.get(entry.accountId);
    if (!entry || !author) return false;
    const original = entry.reblogOfId === null ? null : statuses.get(entry.reblogOfId);
    // A boost shows only with its original (never itself a boost) and its author.
    const whole =
      entry.reblogOfId === null ||
      (!nested && original && original.reblogOfId === null && accounts.has(original.accountId));
    if (!whole) {
      return false;
    }
    parts.push(entry.head, REBLOG);
    if (entry.reblogOfId === null) parts.push(NULL);
    else render(entry.reblogOfId, true);
    parts.push(ACCOUNT, author.json, POLL);
    const own = viewerAccountId !== null && viewerAccountId === entry.accountId;
    if (entry.poll) {
      const closes = entry.poll.expiresAt?.getTime() ?? null;
      if (closes !== null && closes >= now && (pollsUntil === null || closes < pollsUntil)) {
        pollsUntil = closes;
      }
      const poll = serializePoll(
        entry.poll,
        viewerAccountId === null
          ? null
          : { accountId: viewerAccountId, ownVotes: versions.votes.get(id) ?? [] },
        entry.pollEmojis,
        now,
      );
      parts.push(Buffer.from(JSON.stringify(poll)));
    } else {
      parts.push(NULL);
    }
    if (flags) {
      const muted = entry.conversationId !== null && flags.muted.has(entry.conversationId);
      let viewer = `,"favourited":${flags.favourited.has(id)},"reblogged":${flags.reblogged.has(id)}`;
      viewer += `,"muted":${muted},"bookmarked":${flags.bookmarked.has(id)}`;
      if (own && entry.pinnable) viewer += `,"pinned":${flags.pinned.has(id)}`;
      parts.push(Buffer.from(`${viewer},"filtered":[]`, "latin1"));
    }
    if (author.showApplication || own) parts.push(APPLICATION, entry.application);
    parts.push(CLOSE);
    return true;
  };

  const shown: string[] = [];
  for (const id of wanted) {
    if (shown.length > 0) parts.push(COMMA);
    if (render(id, false)) shown.push(id);
    else if (shown.length > 0) parts.pop();
  }
  parts.push(END);
  return { json: Buffer.concat(parts), ids: shown, pollsUntil };
}

const bytes = (text: string) => Buffer.from(text, "latin1");
const OPEN = bytes("[");
const END = bytes("]");
const COMMA = bytes(",");
const CLOSE = bytes("}");
const NULL = bytes("null");
const REBLOG = bytes(',"reblog":');
const ACCOUNT = bytes(',"account":');
const POLL = bytes(',"poll":');
const APPLICATION = bytes(',"application":');
