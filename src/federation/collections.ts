// An actor's collections, as Mastodon's ActivityPub controllers
// (https://docs.joinmastodon.org/spec/activitypub/):
// - followers and following (FollowerAccountsController,
//   FollowingAccountsController): the count, and pages of 12 actor URIs,
//   newest follow first; only the count when the account hides its
//   collections (hide_collections), as for a suspended account; when Fedify
//   delivers to "followers" it gets every remote follower with its inboxes;
// - outbox (OutboxesController): the count and pages of 20 Create (statuses)
//   and Announce (boosts) activities of what anyone may see, public and
//   unlisted (statusVisibleTo with no viewer), newest first;
// - featured (pinned statuses as Notes) and featuredTags (Hashtags), whole.
// The instance actor's collections are empty.
import type { Federation, PageItems } from "@fedify/fedify";
import { Hashtag, type Activity, type Recipient } from "@fedify/vocab";
import { loadAccounts, type AccountWithUser } from "../domain/accounts/read.ts";
import { listFeaturedTags } from "../domain/graph/featured-tags.ts";
import { followersOf, followingOf } from "../domain/graph/follow-lists.ts";
import { accountStatuses } from "../domain/statuses/account-statuses.ts";
import type { PageQuery } from "../http/pagination.ts";
import { isId } from "../lib/ids.ts";
import { actorUriOf } from "./actor.ts";
import type { FederationEnv } from "./env.ts";
import { findLocalActor } from "./local-actor.ts";
import { buildAnnounce, buildCreate, buildNote, type Post } from "./note.ts";
import { loadOutboxItems } from "./note-data.ts";
import { remoteFollowers } from "./outbox/recipients.ts";

const FOLLOWS_PER_PAGE = 12;
const OUTBOX_PER_PAGE = 20;
/** The cursor of a collection's first page (later pages: the last item's id, as max_id). */
const FIRST = "first";

/** A page query from a cursor: FIRST or an id; null for anything else. */
function pageOf(cursor: string, limit: number): PageQuery | null {
  if (cursor !== FIRST && !isId(cursor)) return null;
  return { maxId: cursor === FIRST ? null : cursor, sinceId: null, minId: null, limit };
}

/** Who may see an account's follow lists: no one when it hides them or is suspended. */
const followsHidden = (account: AccountWithUser) =>
  account.hideCollections === true || account.suspendedAt !== null;

/** A page of follower or followed actor URIs; null: not served (404). */
async function followPage(
  env: FederationEnv,
  identifier: string,
  cursor: string | null,
  direction: "followers" | "following",
): Promise<PageItems<URL> | null> {
  const actor = await findLocalActor(env, identifier);
  if (!actor) return null;
  // No cursor: a request for a collection shown without pages (the instance
  // actor's, or a hidden one): no items.
  if (cursor === null || actor.kind === "instance") return { items: [] };
  if (followsHidden(actor.account)) return null;
  const page = pageOf(cursor, FOLLOWS_PER_PAGE);
  if (!page) return null;
  const list = direction === "followers" ? followersOf : followingOf;
  const listed = await list(env.db, actor.account, null, page);
  const accounts = new Map(
    (
      await loadAccounts(
        env.db,
        listed.items.map((l) => l.accountId),
      )
    ).map((a) => [a.id, a]),
  );
  const items: URL[] = [];
  for (const l of listed.items) {
    const account = accounts.get(l.accountId);
    const uri = account ? actorUriOf(env, account) : "";
    if (uri) items.push(new URL(uri));
  }
  return { items, nextCursor: listed.full && listed.cursors ? listed.cursors.oldest : null };
}

function registerFollows(federation: Federation<void>, env: FederationEnv) {
  const counter =
    (direction: "followers" | "following") => async (_ctx: unknown, identifier: string) => {
      const actor = await findLocalActor(env, identifier);
      if (!actor) return null;
      if (actor.kind === "instance") return 0;
      const a = actor.account;
      return direction === "followers" ? a.followersCount : a.followingCount;
    };
  const firstCursor = async (_ctx: unknown, identifier: string) => {
    const actor = await findLocalActor(env, identifier);
    return actor?.kind === "account" && !followsHidden(actor.account) ? FIRST : null;
  };
  federation
    .setFollowersDispatcher("/users/{identifier}/followers", async (ctx, identifier, cursor) => {
      // Fedify listing every follower to deliver to them (sendActivity with
      // "followers", from a job: a context without a request): the remote
      // followers' inboxes, whether or not the account hides its collections.
      if (cursor === null && !("request" in ctx)) {
        const actor = await findLocalActor(env, identifier);
        if (actor?.kind !== "account") return { items: [] };
        return { items: await remoteFollowers(env.db, actor.account.id) };
      }
      const page = await followPage(env, identifier, cursor, "followers");
      if (!page) return null;
      const items: Recipient[] = page.items.map((id) => ({ id, inboxId: null }));
      return { ...page, items };
    })
    .setCounter(counter("followers"))
    .setFirstCursor(firstCursor);
  federation
    .setFollowingDispatcher("/users/{identifier}/following", (_ctx, identifier, cursor) =>
      followPage(env, identifier, cursor, "following"),
    )
    .setCounter(counter("following"))
    .setFirstCursor(firstCursor);
}

/** Notes and activities of statuses `ids` of one account, in order. */
async function activitiesOf(env: FederationEnv, ids: readonly string[]): Promise<Activity[]> {
  const items = await loadOutboxItems(env.db, env.urls, env.config.localDomain, ids);
  return items.map((item) =>
    item.kind === "note"
      ? buildCreate(buildNote(item.note, env.urls), item.note, env.urls)
      : buildAnnounce(item.boost, env.urls),
  );
}

async function notesOf(env: FederationEnv, ids: readonly string[]): Promise<Post[]> {
  const items = await loadOutboxItems(env.db, env.urls, env.config.localDomain, ids);
  return items.flatMap((item) => (item.kind === "note" ? [buildNote(item.note, env.urls)] : []));
}

const statusQuery = (page: PageQuery, pinned: boolean) => ({
  pinned,
  onlyMedia: false,
  excludeReplies: false,
  excludeReblogs: pinned,
  tagged: null,
  page,
});

function registerOutbox(federation: Federation<void>, env: FederationEnv) {
  federation
    .setOutboxDispatcher("/users/{identifier}/outbox", async (_ctx, identifier, cursor) => {
      const actor = await findLocalActor(env, identifier);
      if (!actor) return null;
      if (actor.kind === "instance" || cursor === null) return { items: [] };
      const page = pageOf(cursor, OUTBOX_PER_PAGE);
      if (!page || actor.account.suspendedAt) return null;
      const ids = await accountStatuses(env.db, actor.account.id, null, statusQuery(page, false));
      return {
        items: await activitiesOf(env, ids.items),
        nextCursor: ids.full && ids.cursors ? ids.cursors.oldest : null,
      };
    })
    .setCounter(async (_ctx, identifier) => {
      const actor = await findLocalActor(env, identifier);
      if (!actor) return null;
      // Mastodon's OutboxesController shows statuses_count.
      return actor.kind === "instance" ? 0 : actor.account.statusesCount;
    })
    .setFirstCursor(async (_ctx, identifier) => {
      const actor = await findLocalActor(env, identifier);
      return actor?.kind === "account" && !actor.account.suspendedAt ? FIRST : null;
    });
}

function registerFeatured(federation: Federation<void>, env: FederationEnv) {
  federation.setFeaturedDispatcher(
    "/users/{identifier}/collections/featured",
    async (_ctx, identifier) => {
      const actor = await findLocalActor(env, identifier);
      if (!actor) return null;
      if (actor.kind === "instance" || actor.account.suspendedAt) return { items: [] };
      const page = { maxId: null, sinceId: null, minId: null, limit: 40 };
      const ids = await accountStatuses(env.db, actor.account.id, null, statusQuery(page, true));
      return { items: await notesOf(env, ids.items) };
    },
  );
  federation.setFeaturedTagsDispatcher(
    "/users/{identifier}/collections/tags",
    async (_ctx, identifier) => {
      const actor = await findLocalActor(env, identifier);
      if (!actor) return null;
      if (actor.kind === "instance" || actor.account.suspendedAt) return { items: [] };
      const tags = await listFeaturedTags(env.db, actor.account.id);
      return {
        items: tags.map(
          (t) => new Hashtag({ href: new URL(env.urls.tag(t.tagName)), name: `#${t.name}` }),
        ),
      };
    },
  );
}

export function registerCollections(federation: Federation<void>, env: FederationEnv): void {
  registerFollows(federation, env);
  registerOutbox(federation, env);
  registerFeatured(federation, env);
}
