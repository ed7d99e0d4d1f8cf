// The federation middleware is mounted only on FEDERATION_MOUNTS (src/app.ts):
// every path Fedify may answer must reach it through Hono's router as the
// app builds it, or an actor, a note or an inbox would fall through to the
// client API's 404.
import { Hono } from "hono";
import { RegExpRouter } from "hono/router/reg-exp-router";
import { SmartRouter } from "hono/router/smart-router";
import { TrieRouter } from "hono/router/trie-router";
import { describe, expect, it } from "vitest";
import { FEDERATION_MOUNTS, mayFederate } from "../src/federation/middleware.ts";

// One path for each form the federation answers (actor, its collections and
// keys, a status and its activity, the profile forms, WebFinger, the inboxes).
const FEDERATED = [
  "/.well-known/webfinger",
  "/inbox",
  "/actor",
  "/users/alice",
  "/users/alice/inbox",
  "/users/alice/outbox",
  "/users/alice/followers",
  "/users/alice/collections/featured",
  "/users/alice/statuses/117689121218363392",
  "/users/alice/statuses/117689121218363392/activity",
  "/@alice",
  "/@alice/117689121218363392",
];

const NOT_FEDERATED = ["/api/v1/trends", "/api/v1/accounts/1", "/oauth/token", "/", "/health"];

function mounted() {
  const reached: string[] = [];
  const app = new Hono({
    router: new SmartRouter({ routers: [new RegExpRouter(), new TrieRouter()] }),
  });
  for (const path of FEDERATION_MOUNTS) {
    app.use(path, (c, next) => {
      reached.push(c.req.path);
      return next();
    });
  }
  // Routes of the client API's shape beside the mounts, as in the app.
  app.get("/api/v1/accounts/:id", (c) => c.text("account"));
  app.get("*", (c) => c.text("rest"));
  return { app, reached };
}

describe("the federation's mounts", () => {
  it.each(FEDERATED)("send %s to the federation", async (path) => {
    expect(mayFederate(path)).toBe(true);
    const { app, reached } = mounted();
    const res = await app.request(path);
    expect(res.status).toBe(200);
    expect(reached).toEqual([path]);
  });

  it.each(NOT_FEDERATED)("keep %s out of it", async (path) => {
    expect(mayFederate(path)).toBe(false);
    const { app, reached } = mounted();
    await app.request(path);
    expect(reached).toEqual([]);
  });
});
