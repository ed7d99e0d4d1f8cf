// The privacy matrix, part 1: the read paths of statuses themselves (HERD
// issue P2, point 6: "Visibility and privacy are security"). For one status
// of each visibility (a reply in a thread, with a hashtag and a mention) and
// every viewer of test/kit/privacy-scene.ts, each read path either shows the
// status or does not: a single read answers 404, a list leaves it out.
// The tables below are the specification, after Mastodon's StatusPolicy#show?
// (who may open a status) and StatusFilter (what a viewer's own blocks and
// mutes drop from lists of statuses).
// https://docs.joinmastodon.org/methods/statuses/
import { describe, expect, it } from "vitest";
import { createTestInstance } from "./kit/instance.ts";
import {
  buildPrivacyScene,
  holds,
  VIEWERS,
  VISIBILITIES,
  type Viewer,
  type Visibility,
} from "./kit/privacy-scene.ts";

const t = await createTestInstance();
const scene = await buildPrivacyScene(t);
const { users } = scene;

// The author pins what may be pinned (not direct statuses) and features the hashtag.
for (const vis of ["public", "unlisted", "private"] as const) {
  const pinned = await t.request(`/api/v1/statuses/${scene.status[vis]}/pin`, {
    method: "POST",
    token: users.author.token,
  });
  expect(pinned.status).toBe(200);
}
const featured = await t.json("/api/v1/featured_tags", {
  method: "POST",
  token: users.author.token,
  json: { name: "privmatrix" },
});
expect(featured.status).toBe(200);

/**
 * StatusPolicy#show?: public and unlisted for everyone but whom the author
 * blocks; private for the author, followers and the mentioned; direct for the
 * author and the mentioned. Blocking or muting the author oneself does not
 * stop one from opening a status.
 */
const MAY_OPEN: Record<Visibility, Viewer[]> = {
  public: [
    "anonymous",
    "outsider",
    "follower",
    "mentioned",
    "author",
    "blocker",
    "muter",
    "exFollower",
  ],
  unlisted: [
    "anonymous",
    "outsider",
    "follower",
    "mentioned",
    "author",
    "blocker",
    "muter",
    "exFollower",
  ],
  private: ["follower", "mentioned", "author", "muter"],
  direct: ["mentioned", "author"],
};

/** MAY_OPEN, less what the viewer blocks or mutes (StatusFilter): for lists and threads. */
const IN_LISTS: Record<Visibility, Viewer[]> = {
  public: ["anonymous", "outsider", "follower", "mentioned", "author", "exFollower"],
  unlisted: ["anonymous", "outsider", "follower", "mentioned", "author", "exFollower"],
  private: ["follower", "mentioned", "author"],
  direct: ["mentioned", "author"],
};

/** Pinned statuses are shown as the profile shows statuses; direct ones cannot be pinned. */
const PINNED: Record<Visibility, Viewer[]> = { ...MAY_OPEN, direct: [] };

/** GET /statuses/:id/source needs a token: the anonymous viewer gets a 401 whatever the status. */
const SOURCE: Record<Visibility, Viewer[]> = {
  public: MAY_OPEN.public.filter((v) => v !== "anonymous"),
  unlisted: MAY_OPEN.unlisted.filter((v) => v !== "anonymous"),
  private: MAY_OPEN.private,
  direct: MAY_OPEN.direct,
};

type Shown = "shown" | "hidden";

/** A single read: 200 with the status, or 404. */
function single(res: { status: number; body: any }, check: (body: any) => void): Shown {
  if (res.status === 404) {
    expect(res.body).toEqual({ error: "Record not found" });
    return "hidden";
  }
  expect(res.status).toBe(200);
  check(res.body);
  return "shown";
}

/**
 * A thread read around another status of the thread (`around`): the status
 * is listed or not; when the viewer may not open `around` itself (the author
 * blocks them), the whole thread is a 404.
 */
function inThread(
  res: { status: number; body: any },
  viewer: Viewer,
  key: "ancestors" | "descendants",
  id: string,
): Shown {
  if (res.status === 404) {
    expect(MAY_OPEN.public).not.toContain(viewer);
    return "hidden";
  }
  expect(res.status).toBe(200);
  return holds(res.body[key], id) ? "shown" : "hidden";
}

/** Each read path: how to read status `id` of visibility `vis` as `viewer`, and who sees it. */
const PATHS: {
  name: string;
  sees: Record<Visibility, Viewer[]>;
  read: (viewer: Viewer, vis: Visibility, id: string) => Promise<Shown>;
}[] = [
  {
    name: "GET /api/v1/statuses/:id",
    sees: MAY_OPEN,
    read: async (viewer, _vis, id) =>
      single(await scene.get(viewer, `/api/v1/statuses/${id}`), (body) => {
        expect(body.id).toBe(id);
      }),
  },
  {
    name: "GET /api/v1/statuses?id[]=",
    sees: IN_LISTS,
    read: async (viewer, _vis, id) => {
      const res = await scene.get(viewer, `/api/v1/statuses?id[]=${id}&id[]=${scene.root}`);
      expect(res.status).toBe(200);
      return holds(res.body, id) ? "shown" : "hidden";
    },
  },
  {
    name: "GET /api/v1/statuses/:id/context (its own thread)",
    sees: MAY_OPEN,
    read: async (viewer, _vis, id) =>
      single(await scene.get(viewer, `/api/v1/statuses/${id}/context`), (body) => {
        // The public root, unless the viewer blocks or mutes its author.
        const root = IN_LISTS.public.includes(viewer) ? [scene.root] : [];
        expect(body.ancestors.map((s: { id: string }) => s.id)).toEqual(root);
      }),
  },
  {
    name: "GET /api/v1/statuses/:root/context (a descendant)",
    sees: IN_LISTS,
    read: async (viewer, _vis, id) =>
      inThread(
        await scene.getOnce(viewer, `/api/v1/statuses/${scene.root}/context`),
        viewer,
        "descendants",
        id,
      ),
  },
  {
    name: "GET /api/v1/statuses/:reply/context (an ancestor)",
    sees: IN_LISTS,
    read: async (viewer, vis, id) =>
      inThread(
        await scene.get(viewer, `/api/v1/statuses/${scene.child[vis]}/context`),
        viewer,
        "ancestors",
        id,
      ),
  },
  {
    name: "GET /api/v1/statuses/:id/favourited_by",
    sees: MAY_OPEN,
    read: async (viewer, _vis, id) =>
      single(await scene.get(viewer, `/api/v1/statuses/${id}/favourited_by`), (body) => {
        // The mentioned account favourited every status.
        expect(body.map((a: { id: string }) => a.id)).toContain(users.mentioned.account.id);
      }),
  },
  {
    name: "GET /api/v1/statuses/:id/reblogged_by",
    sees: MAY_OPEN,
    read: async (viewer, vis, id) =>
      single(await scene.get(viewer, `/api/v1/statuses/${id}/reblogged_by`), (body) => {
        const boosted = vis === "public" || vis === "unlisted";
        expect(body.map((a: { id: string }) => a.id)).toEqual(
          boosted ? [scene.booster.account.id] : [],
        );
      }),
  },
  {
    name: "GET /api/v1/statuses/:id/history",
    sees: MAY_OPEN,
    read: async (viewer, _vis, id) =>
      single(await scene.get(viewer, `/api/v1/statuses/${id}/history`), (body) => {
        expect(body).toHaveLength(2);
      }),
  },
  {
    name: "GET /api/v1/statuses/:id/source",
    sees: SOURCE,
    read: async (viewer, vis, id) => {
      const res = await scene.get(viewer, `/api/v1/statuses/${id}/source`);
      if (viewer === "anonymous") {
        expect(res.status).toBe(401);
        return "hidden";
      }
      return single(res, (body) => {
        expect(body.text).toContain(`a ${vis} status, edited`);
      });
    },
  },
  {
    // AccountStatusesFilter: StatusPolicy, and nothing at all for whom the
    // account blocks; blocking or muting the account oneself does not hide
    // the statuses one asked for.
    name: "GET /api/v1/accounts/:id/statuses",
    sees: MAY_OPEN,
    read: async (viewer, _vis, id) => {
      const res = await scene.getOnce(
        viewer,
        `/api/v1/accounts/${users.author.account.id}/statuses?limit=40`,
      );
      expect(res.status).toBe(200);
      return holds(res.body, id) ? "shown" : "hidden";
    },
  },
  {
    name: "GET /api/v1/accounts/:id/statuses?tagged=",
    sees: MAY_OPEN,
    read: async (viewer, _vis, id) => {
      const res = await scene.getOnce(
        viewer,
        `/api/v1/accounts/${users.author.account.id}/statuses?tagged=privmatrix`,
      );
      expect(res.status).toBe(200);
      return holds(res.body, id) ? "shown" : "hidden";
    },
  },
  {
    name: "GET /api/v1/accounts/:id/statuses?pinned=true",
    sees: PINNED,
    read: async (viewer, _vis, id) => {
      const res = await scene.getOnce(
        viewer,
        `/api/v1/accounts/${users.author.account.id}/statuses?pinned=true`,
      );
      expect(res.status).toBe(200);
      return holds(res.body, id) ? "shown" : "hidden";
    },
  },
];

describe.each(PATHS)("$name", ({ sees, read }) => {
  describe.each(VISIBILITIES)("a %s status", (vis) => {
    it.each(VIEWERS)("as the %s", async (viewer) => {
      const expected = sees[vis].includes(viewer) ? "shown" : "hidden";
      expect(await read(viewer, vis, scene.status[vis])).toBe(expected);
    });
  });
});

describe("the author's featured hashtag", () => {
  // FeaturedTag#statuses_count and last_status_at count public and unlisted
  // statuses only: a profile does not tell of private or direct ones.
  it.each(VIEWERS)("as the %s, counts the public and unlisted statuses only", async (viewer) => {
    const res = await scene.get(
      viewer,
      `/api/v1/accounts/${users.author.account.id}/featured_tags`,
    );
    expect(res.status).toBe(200);
    expect(res.body).toHaveLength(1);
    expect(res.body[0].statuses_count).toBe("2");
  });
});

describe("a boost of a private status by its author", async () => {
  // Private statuses may be boosted by their author only; the boost keeps
  // the private visibility and reaches the author's followers, nobody else
  // (not even those mentioned in the boosted status).
  const author = users.author;
  const original = await t.json("/api/v1/statuses", {
    method: "POST",
    token: author.token,
    json: { status: `@${users.mentioned.account.username} for followers`, visibility: "private" },
  });
  // Asked for a public boost: a private status keeps its own visibility.
  const boost = await t.json(`/api/v1/statuses/${original.body.id}/reblog`, {
    method: "POST",
    token: author.token,
    json: { visibility: "public" },
  });
  await t.drainJobs();

  const SEES_BOOST: Viewer[] = ["author", "follower", "muter"];
  const ON_PROFILE: Viewer[] = ["author", "follower"];

  it("is private", () => {
    expect(boost.status).toBe(200);
    expect(boost.body.visibility).toBe("private");
  });

  it.each(VIEWERS)("as the %s: opened only by followers and the author", async (viewer) => {
    const res = await scene.get(viewer, `/api/v1/statuses/${boost.body.id}`);
    expect(res.status).toBe(SEES_BOOST.includes(viewer) ? 200 : 404);
  });

  it.each(VIEWERS)("as the %s: on the author's profile", async (viewer) => {
    const res = await scene.get(viewer, `/api/v1/accounts/${author.account.id}/statuses?limit=40`);
    expect(res.status).toBe(200);
    const ids = res.body.map((s: { id: string }) => s.id);
    expect(ids.includes(boost.body.id)).toBe(ON_PROFILE.includes(viewer));
  });

  it.each(VIEWERS)("as the %s: in the home timeline of followers only", async (viewer) => {
    if (viewer === "anonymous") {
      expect((await scene.get(viewer, "/api/v1/timelines/home")).status).toBe(401);
      return;
    }
    const res = await scene.get(viewer, "/api/v1/timelines/home?limit=40");
    expect(res.status).toBe(200);
    const follows = viewer === "author" || viewer === "follower";
    expect(holds(res.body, original.body.id)).toBe(follows);
  });

  it("is not among the public boosts of /reblogged_by", async () => {
    const res = await scene.get("follower", `/api/v1/statuses/${original.body.id}/reblogged_by`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual([]);
  });

  it("cannot be boosted by a follower (403), nor by anyone who may not see it (404)", async () => {
    const byFollower = await t.json(`/api/v1/statuses/${original.body.id}/reblog`, {
      method: "POST",
      token: users.follower.token,
    });
    expect(byFollower.status).toBe(403);
    const byOutsider = await t.json(`/api/v1/statuses/${original.body.id}/reblog`, {
      method: "POST",
      token: users.outsider.token,
    });
    expect(byOutsider.status).toBe(404);
  });
});
