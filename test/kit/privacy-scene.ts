// The scene of the privacy matrix (test/privacy-*.test.ts), built through
// the client API as apps would build it: an author posts one status of each
// visibility, each a reply in a thread, with a hashtag and a mention; viewers
// of every relation to the author follow, list, favourite and bookmark what
// they may see, then some of them lose access (a block, an unfollow) or hide
// the author (a block of their own, a mute).
import { expect } from "vitest";
import { makeUser, type TestUser } from "./fixtures.ts";
import type { RequestOptions, TestInstance } from "./instance.ts";

export const VISIBILITIES = ["public", "unlisted", "private", "direct"] as const;
export type Visibility = (typeof VISIBILITIES)[number];

/** Everyone who reads the author's statuses, by their relation to the author. */
export const VIEWERS = [
  "anonymous", // no token at all
  "outsider", // signed in, no relation
  "follower", // follows the author
  "mentioned", // mentioned in every status, does not follow
  "author",
  "blocked", // followed, bookmarked and favourited, then the author blocked them
  "blocker", // bookmarked and favourited, then blocked the author
  "muter", // follows the author, bookmarked and favourited, then muted the author
  "exFollower", // followed, bookmarked and favourited, then unfollowed
] as const;
export type Viewer = (typeof VIEWERS)[number];
export type SignedIn = Exclude<Viewer, "anonymous">;
export const SIGNED_IN = VIEWERS.filter((v): v is SignedIn => v !== "anonymous");

/** The hashtag of every status of the scene. */
export const TAG = "privmatrix";

/** Viewers who own a list holding the author (the author lists themself). */
export const LIST_OWNERS = ["author", "follower", "muter", "blocked", "exFollower"] as const;
export type ListOwner = (typeof LIST_OWNERS)[number];

export interface PrivacyScene {
  users: Record<SignedIn, TestUser>;
  /** Boosts the public and unlisted statuses (for /reblogged_by); not a viewer. */
  booster: TestUser;
  /** The public thread root every status replies to. */
  root: string;
  /** The status of each visibility. */
  status: Record<Visibility, string>;
  /** A public reply by the author below each status (the status is its ancestor). */
  child: Record<Visibility, string>;
  /** The list each list owner keeps with the author in it. */
  list: Record<ListOwner, string>;
  /** The token of a viewer (none for the anonymous one). */
  token(viewer: Viewer): string | undefined;
  /** GET `path` as `viewer`. */
  get(viewer: Viewer, path: string): Promise<{ status: number; body: any }>;
  /** As `get`, once per viewer and path: for a list read that answers every cell of a row. */
  getOnce(viewer: Viewer, path: string): Promise<{ status: number; body: any }>;
}

/** Who may see each status while the scene is set up, before anyone loses access. */
const SEES_AT_FIRST: Record<Visibility, SignedIn[]> = {
  public: [
    "outsider",
    "follower",
    "mentioned",
    "author",
    "blocked",
    "blocker",
    "muter",
    "exFollower",
  ],
  unlisted: [
    "outsider",
    "follower",
    "mentioned",
    "author",
    "blocked",
    "blocker",
    "muter",
    "exFollower",
  ],
  private: ["follower", "mentioned", "author", "blocked", "muter", "exFollower"],
  direct: ["mentioned", "author"],
};

async function call(
  t: TestInstance,
  user: TestUser,
  method: string,
  path: string,
  json: unknown = {},
): Promise<any> {
  const res = await t.json(path, { method, token: user.token, json } satisfies RequestOptions);
  if (res.status !== 200) {
    throw new Error(`${method} ${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
  }
  return res.body;
}

export async function buildPrivacyScene(t: TestInstance): Promise<PrivacyScene> {
  const entries = await Promise.all(
    SIGNED_IN.map(async (v) => [v, await makeUser(t, { username: `pm_${v.toLowerCase()}` })]),
  );
  const users = Object.fromEntries(entries) as Record<SignedIn, TestUser>;
  const booster = await makeUser(t, { username: "pm_booster" });
  const { author, mentioned } = users;
  const authorId = author.account.id;

  // Relations that give access.
  for (const v of ["follower", "muter", "blocked", "exFollower"] as const) {
    await call(t, users[v], "POST", `/api/v1/accounts/${authorId}/follow`);
  }
  // Private mentions from accounts one does not follow are filtered by
  // default (held as a notification request); the mentioned account accepts
  // them, so that they reach its notifications and conversations.
  await call(t, mentioned, "PATCH", "/api/v2/notifications/policy", {
    for_private_mentions: "accept",
  });
  const list = {} as Record<ListOwner, string>;
  for (const v of LIST_OWNERS) {
    const created = await call(t, users[v], "POST", "/api/v1/lists", { title: `${v}'s list` });
    await call(t, users[v], "POST", `/api/v1/lists/${created.id}/accounts`, {
      account_ids: [authorId],
    });
    list[v] = created.id;
  }

  // The statuses: each a reply in the author's thread, edited once (a history of two).
  const post = (json: Record<string, unknown>) => call(t, author, "POST", "/api/v1/statuses", json);
  const root = (await post({ status: "The thread root", visibility: "public" })).id as string;
  const status = {} as Record<Visibility, string>;
  const child = {} as Record<Visibility, string>;
  for (const visibility of VISIBILITIES) {
    const text = `@${mentioned.account.username} #${TAG} a ${visibility} status`;
    const posted = await post({ status: text, visibility, in_reply_to_id: root });
    await call(t, author, "PUT", `/api/v1/statuses/${posted.id}`, { status: `${text}, edited` });
    status[visibility] = posted.id;
    child[visibility] = (
      await post({ status: "A reply below it", visibility: "public", in_reply_to_id: posted.id })
    ).id;
  }
  for (const visibility of ["public", "unlisted"] as const) {
    await call(t, booster, "POST", `/api/v1/statuses/${status[visibility]}/reblog`);
  }
  await t.drainJobs();

  // Everyone favourites and bookmarks what they may see, and only that.
  for (const v of SIGNED_IN) {
    for (const visibility of VISIBILITIES) {
      const expected = SEES_AT_FIRST[visibility].includes(v) ? 200 : 404;
      for (const action of ["favourite", "bookmark"]) {
        const res = await t.request(`/api/v1/statuses/${status[visibility]}/${action}`, {
          method: "POST",
          token: users[v].token,
        });
        expect(res.status, `${v} ${action}s the ${visibility} status`).toBe(expected);
      }
    }
  }

  // Then access is lost, or the author hidden.
  await call(t, author, "POST", `/api/v1/accounts/${users.blocked.account.id}/block`);
  await call(t, users.blocker, "POST", `/api/v1/accounts/${authorId}/block`);
  await call(t, users.muter, "POST", `/api/v1/accounts/${authorId}/mute`);
  await call(t, users.exFollower, "POST", `/api/v1/accounts/${authorId}/unfollow`);
  await t.drainJobs();

  const token = (viewer: Viewer) => (viewer === "anonymous" ? undefined : users[viewer].token);
  const get = async (viewer: Viewer, path: string) => {
    const res = await t.json(path, { token: token(viewer) });
    return { status: res.status, body: res.body };
  };
  const once = new Map<string, Promise<{ status: number; body: any }>>();
  return {
    users,
    booster,
    root,
    status,
    child,
    list,
    token,
    get,
    getOnce(viewer, path) {
      const key = `${viewer} ${path}`;
      if (!once.has(key)) once.set(key, get(viewer, path));
      return once.get(key)!;
    },
  };
}

/** Whether a page of statuses holds status `id`, itself or boosted. */
export function holds(statuses: { id: string; reblog?: { id: string } | null }[], id: string) {
  return statuses.some((s) => s.id === id || s.reblog?.id === id);
}
