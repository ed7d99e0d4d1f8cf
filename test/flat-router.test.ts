// src/http/flat-router.ts: Hono gets one handler per request, and the
// middleware and route run in order with Hono's compose rules. The app's
// own behaviour through it is covered by every other test file; these pin
// the rules themselves on a small app.
import { describe, expect, it } from "vitest";
import { Hono, type Context, type MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { RegExpRouter } from "hono/router/reg-exp-router";
import { SmartRouter } from "hono/router/smart-router";
import { TrieRouter } from "hono/router/trie-router";
import { flatRouter } from "../src/http/flat-router.ts";

function makeApp(handlers: (app: Hono) => void) {
  const onError = (err: Error, c: Context) => c.json({ error: err.message }, 500);
  const onNotFound = (c: Context) => c.json({ error: "Record not found" }, 404);
  const app = new Hono({
    router: flatRouter(new SmartRouter({ routers: [new RegExpRouter(), new TrieRouter()] }), {
      onError,
      onNotFound,
    }),
  });
  handlers(app);
  app.onError(onError);
  app.notFound(onNotFound);
  return app;
}

const order: MiddlewareHandler = async (c, next) => {
  c.set("seen" as never, [...((c.get("seen" as never) as string[] | undefined) ?? []), "a"]);
  await next();
  c.res.headers.set("X-After", "1");
};

describe("the flat router", () => {
  it("runs middleware and route in order, and middleware sees the answer after next()", async () => {
    const app = makeApp((a) => {
      a.use(order);
      a.use("/api/*", (c, next) => {
        c.set("seen" as never, [...(c.get("seen" as never) as string[]), "b"]);
        return next();
      });
      a.get("/api/things/:id", (c) =>
        c.json({ seen: c.get("seen" as never), id: c.req.param("id") }),
      );
    });
    const res = await app.request("/api/things/42");
    expect(res.status).toBe(200);
    expect(res.headers.get("X-After")).toBe("1");
    expect(await res.json()).toEqual({ seen: ["a", "b"], id: "42" });
  });

  it("answers synchronously when every step does", () => {
    const app = makeApp((a) => {
      a.use((_c, next) => next());
      a.get("/now", (c) => c.text("now"));
    });
    const res = app.fetch(new Request("http://herd.test/now"));
    expect(res).toBeInstanceOf(Response);
  });

  it("gives each request its own parameters, also from a remembered match", async () => {
    const app = makeApp((a) => {
      a.use((_c, next) => next());
      a.get("/s/:id", (c) => c.text(c.req.param("id")));
    });
    for (const id of ["1", "2", "1", "3"]) {
      expect(await (await app.request(`/s/${id}`)).text()).toBe(id);
    }
  });

  it("lets middleware without parameters of its own read the route's", async () => {
    const app = makeApp((a) => {
      a.use("/u/*", (c, next) => {
        c.header("X-Id", c.req.param("id") ?? "none");
        return next();
      });
      a.get("/u/:name/s/:id", (c) => c.text(`${c.req.param("name")}/${c.req.param("id")}`));
    });
    const res = await app.request("/u/alice/s/7");
    expect(await res.text()).toBe("alice/7");
    expect(res.headers.get("X-Id")).toBe("7");
  });

  it("gives each handler its own parameters where more than the last have some, as Hono does", async () => {
    const app = makeApp((a) => {
      a.use("/u/:name/*", (c, next) => {
        c.header("X-Name", c.req.param("name"));
        c.header("X-Id", c.req.param("id") ?? "none");
        return next();
      });
      a.get("/u/:name/s/:id", (c) => c.text(`${c.req.param("name")}/${c.req.param("id")}`));
      // Two routes: the first answers, with its own parameters.
      a.get("/x/:a/:b", (c) => c.text(`${c.req.param("a")} ${c.req.param("b")}`));
      a.get("/x/foo/:a", (c) => c.text(`second ${c.req.param("a")}`));
    });
    const res = await app.request("/u/alice/s/7");
    expect(await res.text()).toBe("alice/7");
    expect(res.headers.get("X-Name")).toBe("alice");
    expect(res.headers.get("X-Id")).toBe("none");
    expect(await (await app.request("/x/foo/1")).text()).toBe("foo 1");
  });

  it("stops where a middleware answers", async () => {
    let reached = false;
    const app = makeApp((a) => {
      a.use((c) => Promise.resolve(c.json({ error: "Too many requests" }, 429)));
      a.get("/x", (c) => {
        reached = true;
        return c.text("x");
      });
    });
    const res = await app.request("/x");
    expect(res.status).toBe(429);
    expect(reached).toBe(false);
  });

  it("hands errors, thrown or rejected, to the error handler where they happen", async () => {
    const seen: (Error | undefined)[] = [];
    const app = makeApp((a) => {
      a.use(async (c, next) => {
        await next();
        seen.push(c.error);
        c.res.headers.set("X-After", "1");
      });
      a.get("/sync", () => {
        throw new Error("sync failure");
      });
      a.get("/async", async () => {
        await Promise.resolve();
        throw new Error("async failure");
      });
    });
    for (const path of ["/sync", "/async"]) {
      const res = await app.request(path);
      expect(res.status).toBe(500);
      expect(res.headers.get("X-After")).toBe("1");
      expect(await res.json()).toEqual({ error: `${path.slice(1)} failure` });
    }
    expect(seen.map((e) => e?.message)).toEqual(["sync failure", "async failure"]);
  });

  it("keeps Hono's body limit working (it replaces the request before next())", async () => {
    const app = makeApp((a) => {
      a.use(bodyLimit({ maxSize: 8, onError: (c) => c.json({ error: "Payload Too Large" }, 413) }));
      a.post("/upload", async (c) => c.text(await c.req.text()));
    });
    const small = await app.request("/upload", { method: "POST", body: "tiny" });
    expect(await small.text()).toBe("tiny");
    const large = await app.request("/upload", {
      method: "POST",
      body: new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode("far more than eight bytes"));
          controller.close();
        },
      }),
      duplex: "half",
    } as RequestInit);
    expect(large.status).toBe(413);
  });

  it("hands an Error thrown by a middleware before next() to the error handler", async () => {
    const app = makeApp((a) => {
      a.use((_c, next) => next());
      a.use(() => {
        throw new Error("refused early");
      });
      a.get("/early", (c) => c.text("unreachable"));
    });
    const res = await app.request("/early");
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: "refused early" });
  });

  it("waits for a not-found handler that returns a promise", async () => {
    const app = new Hono({
      router: flatRouter(new SmartRouter({ routers: [new RegExpRouter(), new TrieRouter()] }), {
        onError: (err, c) => c.json({ error: err.message }, 500),
        onNotFound: async (c) => c.json({ error: "Gone looking" }, 404),
      }),
    });
    app.use((_c, next) => next());
    app.use("/only-middleware", (_c, next) => next());
    const res = await app.request("/only-middleware");
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: "Gone looking" });
  });

  it("answers not found when no step answers, and for unknown paths", async () => {
    const app = makeApp((a) => {
      a.use((_c, next) => next());
      a.use("/only-middleware", (_c, next) => next());
    });
    for (const path of ["/only-middleware", "/nowhere"]) {
      const res = await app.request(path);
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ error: "Record not found" });
    }
  });

  it("refuses next() called twice", async () => {
    const app = makeApp((a) => {
      a.use(async (_c, next) => {
        await next();
        await next();
      });
      a.get("/twice", (c) => c.text("once"));
    });
    const res = await app.request("/twice");
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: "next() called multiple times" });
  });

  it("remembers matches by method and path, and answers right after it forgets them", async () => {
    const app = makeApp((a) => {
      a.use(order);
      a.get("/thing/:id", (c) => c.text(`get ${c.req.param("id")}`));
      a.post("/thing/:id", (c) => c.text(`post ${c.req.param("id")}`));
    });
    // Past the 1,000 matches kept, so that the router starts over at least once.
    for (let i = 0; i < 1100; i++) {
      const get = await app.request(`/thing/${i % 700}`);
      expect(await get.text()).toBe(`get ${i % 700}`);
      const post = await app.request(`/thing/${i % 700}`, { method: "POST" });
      expect(await post.text()).toBe(`post ${i % 700}`);
    }
    expect((await app.request("/thing/1", { method: "DELETE" })).status).toBe(404);
  });

  it("answers HEAD with GET's headers and no body", async () => {
    const app = makeApp((a) => {
      a.use((_c, next) => next());
      a.get("/page", (c) => c.text("page", 200, { "X-Page": "1" }));
    });
    const res = await app.request("/page", { method: "HEAD" });
    expect(res.status).toBe(200);
    expect(res.headers.get("X-Page")).toBe("1");
    expect(await res.text()).toBe("");
  });
});
