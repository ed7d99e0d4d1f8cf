// The privacy matrix, search (GET /api/v2/search): for one status of each
// visibility and every viewer of test/kit/privacy-scene.ts, a full-text
// search and the resolution of the status's URL find the status or do not;
// the account search leaves out accounts in a block. The tables below are the
// specification, after Mastodon's StatusesSearchService (what a viewer's
// library holds, what the public index holds), StatusPolicy#show? and
// StatusFilter.
// https://docs.joinmastodon.org/methods/search/#v2
import { beforeAll, describe, expect, it } from "vitest";
import { makeUser, tokenFor } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";
import {
  buildPrivacyScene,
  TAG,
  VIEWERS,
  VISIBILITIES,
  type Viewer,
  type Visibility,
} from "./kit/privacy-scene.ts";

const t = await createTestInstance();
const scene = await buildPrivacyScene(t);
const { users } = scene;
/** Signed in, never touched the author's statuses. */
const stranger = await makeUser(t, { username: "pm_stranger" });

type Searcher = Viewer | "stranger";
const SEARCHERS: Searcher[] = [...VIEWERS, "stranger"];
const tokenOf = (v: Searcher) => (v === "stranger" ? stranger.token : scene.token(v));

async function search(viewer: Searcher, params: Record<string, string>) {
  const res = await t.json(`/api/v2/search?${new URLSearchParams(params)}`, {
    token: tokenOf(viewer),
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as { accounts: { id: string }[]; statuses: { id: string }[] };
}

/**
 * Found by a search of the statuses' words while the author is not
 * `indexable`: what is in the viewer's library (authored, mentioned in,
 * favourited or bookmarked while it could be seen), less what the viewer may
 * no longer see or hides (the author blocked them, they block or mute the
 * author, they stopped following).
 */
const IN_LIBRARY: Record<Visibility, Searcher[]> = {
  public: ["outsider", "follower", "mentioned", "author", "exFollower"],
  unlisted: ["outsider", "follower", "mentioned", "author", "exFollower"],
  private: ["follower", "mentioned", "author"],
  direct: ["mentioned", "author"],
};

/** Once the author is `indexable`, their public statuses are found by anyone signed in who may see them. */
const INDEXED: Record<Visibility, Searcher[]> = {
  ...IN_LIBRARY,
  public: [...IN_LIBRARY.public, "stranger"],
};

/** Resolving a status's URL: StatusPolicy#show? less the viewer's own blocks and mutes. */
const RESOLVED: Record<Visibility, Searcher[]> = {
  public: ["outsider", "follower", "mentioned", "author", "exFollower", "stranger"],
  unlisted: ["outsider", "follower", "mentioned", "author", "exFollower", "stranger"],
  private: ["follower", "mentioned", "author"],
  direct: ["mentioned", "author"],
};

const statusUrl = {} as Record<Visibility, string>;
for (const vis of VISIBILITIES) {
  const res = await t.json(`/api/v1/statuses/${scene.status[vis]}`, { token: users.author.token });
  statusUrl[vis] = res.body.url;
}

async function setIndexable(indexable: boolean) {
  const res = await t.json("/api/v1/accounts/update_credentials", {
    method: "PATCH",
    token: users.author.token,
    json: { indexable },
  });
  expect(res.body.indexable).toBe(indexable);
}

function matrix(indexable: boolean, expected: Record<Visibility, Searcher[]>, q: string) {
  describe(`full-text search of "${q}", author ${indexable ? "" : "not "}indexable`, () => {
    beforeAll(() => setIndexable(indexable));

    for (const viewer of SEARCHERS) {
      for (const vis of VISIBILITIES) {
        const sees = expected[vis].includes(viewer);
        it(`${viewer} ${sees ? "finds" : "does not find"} the ${vis} status`, async () => {
          const body = await search(viewer, { q, type: "statuses" });
          expect(body.statuses.map((s) => s.id).includes(scene.status[vis])).toBe(sees);
        });
      }
    }

    // Operators narrow a search; they never reach what the viewer may not find.
    it.each(SEARCHERS)(
      "%s finds the same statuses with from:, is:reply and in:",
      async (viewer) => {
        const wanted = VISIBILITIES.filter((vis) => expected[vis].includes(viewer))
          .map((vis) => scene.status[vis])
          .sort();
        const ids = async (query: string) =>
          (await search(viewer, { q: query })).statuses.map((s) => s.id).sort();
        expect(await ids(`from:pm_author ${q} is:reply`)).toEqual(wanted);
        expect(await ids(`${q} in:library`)).toEqual(
          VISIBILITIES.filter((vis) => IN_LIBRARY[vis].includes(viewer))
            .map((vis) => scene.status[vis])
            .sort(),
        );
      },
    );
  });
}

matrix(false, IN_LIBRARY, `${TAG} status`);
matrix(true, INDEXED, `#${TAG} edited`);

describe("resolving a status URL", () => {
  for (const viewer of SEARCHERS.filter((v) => v !== "anonymous")) {
    for (const vis of VISIBILITIES) {
      const sees = RESOLVED[vis].includes(viewer);
      it(`${viewer} ${sees ? "resolves" : "does not resolve"} the ${vis} status`, async () => {
        const body = await search(viewer, { q: statusUrl[vis], resolve: "true" });
        expect(body.statuses.map((s) => s.id)).toEqual(sees ? [scene.status[vis]] : []);
      });
    }
  }

  it("is refused to a visitor, and to an app without a user", async () => {
    const res = await t.json(
      `/api/v2/search?${new URLSearchParams({ q: statusUrl.public, resolve: "true" })}`,
    );
    expect(res.status).toBe(401);
    const app = await tokenFor(t, null, ["read"]);
    const appRes = await t.json(
      `/api/v2/search?${new URLSearchParams({ q: statusUrl.public, resolve: "true" })}`,
      { token: app },
    );
    expect(appRes.status).toBe(401);
  });
});

describe("accounts", () => {
  const author = () => users.author.account.id;

  it.each(["blocked", "blocker"] as const)(
    "%s does not find the author by a partial name, only by the full handle",
    async (viewer) => {
      expect((await search(viewer, { q: "pm_auth" })).accounts.map((a) => a.id)).not.toContain(
        author(),
      );
      const exact = await search(viewer, { q: "pm_author@herd.test" });
      expect(exact.accounts.map((a) => a.id)).toEqual([author()]);
    },
  );

  it.each(["anonymous", "outsider", "follower", "mentioned", "muter", "stranger"] as const)(
    "%s finds the author by a partial name",
    async (viewer) => {
      const body = await search(viewer, { q: "pm_auth" });
      expect(body.accounts.map((a) => a.id)).toContain(author());
    },
  );

  it("the author does not find whom they block, nor who blocks them", async () => {
    const ids = (await search("author", { q: "pm_" })).accounts.map((a) => a.id);
    expect(ids).not.toContain(users.blocked.account.id);
    expect(ids).not.toContain(users.blocker.account.id);
    expect(ids).toContain(users.follower.account.id);
  });
});
