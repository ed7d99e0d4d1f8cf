import { beforeEach, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { accounts, oauthAccessGrants, users, webSessions } from "../src/db/schema/index.ts";
import { redirectUriMatches, withQuery } from "../src/domain/oauth/redirect-uris.ts";
import { sha256 } from "../src/lib/tokens.ts";
import { authorize, browser, csrfOf, forms, pkcePair, signIn } from "./kit/browser.ts";
import { makeUser } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";

const t = await createTestInstance();
// Every scenario signs in afresh; the sign-in throttle has its own test below.
beforeEach(() => t.rateStore.clear());
const CALLBACK = "https://app.example/callback";

async function registerApp(overrides: Record<string, unknown> = {}) {
  const { status, body } = await t.json("/api/v1/apps", {
    json: {
      client_name: "Tootie",
      redirect_uris: [CALLBACK, "urn:ietf:wg:oauth:2.0:oob", "myapp://callback"],
      scopes: "read write follow push",
      website: "https://app.example",
      ...overrides,
    },
  });
  expect(status).toBe(200);
  return body as { client_id: string; client_secret: string; id: string };
}

function query(app: { client_id: string }, extra: Record<string, string> = {}) {
  return {
    response_type: "code",
    client_id: app.client_id,
    redirect_uri: CALLBACK,
    scope: "read write",
    state: "xyz 123",
    ...extra,
  };
}

const path = (q: Record<string, string>) => `/oauth/authorize?${new URLSearchParams(q)}`;

function params(location: string) {
  return new URL(location).searchParams;
}

describe("GET /oauth/authorize", () => {
  it("sends visitors to sign in, then shows the consent page", async () => {
    const app = await registerApp();
    const user = await makeUser(t);
    const b = browser(t);
    const res = await b.get(path(query(app)));
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get("location")!, "https://herd.test");
    expect(location.pathname).toBe("/auth/sign_in");
    const back = location.searchParams.get("return_to")!;
    expect(back.startsWith("/oauth/authorize?")).toBe(true);
    expect(new URLSearchParams(back.split("?")[1]).get("client_id")).toBe(app.client_id);

    const signInPage = await b.get(`${location.pathname}${location.search}`);
    expect(signInPage.status).toBe(200);
    const html = await signInPage.text();
    expect(html).toContain('name="user[email]"');
    expect(html).toContain('name="user[password]"');

    const signedIn = await signIn(b, user.user.email, user.password, back);
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.get("location")).toBe(back);

    const consent = await b.get(back);
    expect(consent.status).toBe(200);
    expect(consent.headers.get("cache-control")).toContain("no-store");
    expect(consent.headers.get("x-frame-options")).toBe("DENY");
    expect(consent.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    const page = await consent.text();
    expect(page).toContain("Tootie");
    expect(page).toContain(`@${user.account.username}`);
    expect(page).toContain('<code class="scope">read</code>');
    expect(page).toContain('<code class="scope">write</code>');
    expect(page).not.toContain('<code class="scope">push</code>');
    expect(page).toContain(">Authorize</button>");
    expect(page).toContain(">Deny</button>");
  });

  it("approving redirects to the client with code and state", async () => {
    const app = await registerApp();
    const user = await makeUser(t);
    const b = browser(t);
    const location = await authorize(b, query(app), {
      login: user.user.email,
      password: user.password,
    });
    expect(location.startsWith(`${CALLBACK}?`)).toBe(true);
    const p = params(location);
    expect(p.get("state")).toBe("xyz 123");
    const code = p.get("code")!;
    expect(code).toMatch(/^[\w-]{43}$/);

    // The code is stored only as its digest, for 10 minutes.
    const [grant] = await t.database.db
      .select()
      .from(oauthAccessGrants)
      .where(eq(oauthAccessGrants.codeDigest, sha256(code)));
    expect(grant!.userId).toBe(user.user.id);
    expect(grant!.scopes).toBe("read write");
    const minutes = (grant!.expiresAt.getTime() - grant!.createdAt.getTime()) / 60_000;
    expect(minutes).toBeCloseTo(10, 0);
  });

  it("denying redirects with error=access_denied and the state", async () => {
    const app = await registerApp();
    const user = await makeUser(t);
    const b = browser(t);
    const location = await authorize(
      b,
      query(app),
      { login: user.user.email, password: user.password },
      "deny",
    );
    const p = params(location);
    expect(location.startsWith(`${CALLBACK}?`)).toBe(true);
    expect(p.get("error")).toBe("access_denied");
    expect(p.get("error_description")).toBe(
      "The resource owner or authorization server denied the request.",
    );
    expect(p.get("state")).toBe("xyz 123");
    expect(p.get("code")).toBeNull();
    const grants = await t.database.db
      .select()
      .from(oauthAccessGrants)
      .where(eq(oauthAccessGrants.userId, user.user.id));
    expect(grants).toHaveLength(0);
  });

  it("shows the code on a page for the out-of-band URI", async () => {
    const app = await registerApp();
    const user = await makeUser(t);
    const b = browser(t);
    const location = await authorize(b, query(app, { redirect_uri: "urn:ietf:wg:oauth:2.0:oob" }), {
      login: user.user.email,
      password: user.password,
    });
    expect(location.startsWith("/oauth/authorize/native?code=")).toBe(true);
    const code = new URL(location, "https://herd.test").searchParams.get("code")!;
    const page = await b.get(location);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(`<div class="code">${code}</div>`);
  });

  it("denying an out-of-band request shows the error instead of redirecting", async () => {
    const app = await registerApp();
    const user = await makeUser(t);
    const b = browser(t);
    await signIn(b, user.user.email, user.password);
    const consent = await (
      await b.get(path(query(app, { redirect_uri: "urn:ietf:wg:oauth:2.0:oob" })))
    ).text();
    const deny = forms(consent).find((f) => f.fields.some(([k]) => k === "_method"))!;
    const res = await b.post("/oauth/authorize", deny.fields);
    expect(res.status).toBe(400);
    expect(res.headers.get("location")).toBeNull();
    expect(await res.text()).toContain(
      "The resource owner or authorization server denied the request.",
    );
  });

  it("works with custom schemes and with the only redirect URI left out", async () => {
    const app = await registerApp();
    const user = await makeUser(t);
    const b = browser(t);
    const custom = await authorize(b, query(app, { redirect_uri: "myapp://callback" }), {
      login: user.user.email,
      password: user.password,
    });
    expect(custom).toMatch(/^myapp:\/\/callback\?code=[\w-]{43}&state=xyz%20123$/);

    const single = await registerApp({ redirect_uris: CALLBACK });
    const q: Record<string, string> = query(single);
    delete q.redirect_uri;
    const location = await authorize(b, q);
    expect(location.startsWith(`${CALLBACK}?code=`)).toBe(true);
  });

  it("defaults the scope to read", async () => {
    const app = await registerApp();
    const user = await makeUser(t);
    const b = browser(t);
    await signIn(b, user.user.email, user.password);
    const q: Record<string, string> = query(app);
    delete q.scope;
    const page = await (await b.get(path(q))).text();
    expect(page).toContain('<code class="scope">read</code>');
    expect(page).not.toContain('<code class="scope">write</code>');
    const approve = forms(page).find((f) => !f.fields.some(([k]) => k === "_method"))!;
    expect(approve.fields).toContainEqual(["scope", "read"]);
  });

  it("keeps PKCE parameters in the consent form", async () => {
    const app = await registerApp();
    const user = await makeUser(t);
    const b = browser(t);
    await signIn(b, user.user.email, user.password);
    const { challenge } = pkcePair();
    const page = await (
      await b.get(path(query(app, { code_challenge: challenge, code_challenge_method: "S256" })))
    ).text();
    const approve = forms(page)[0]!;
    expect(approve.fields).toContainEqual(["code_challenge", challenge]);
    expect(approve.fields).toContainEqual(["code_challenge_method", "S256"]);
  });

  it("shows an error page, never a redirect, for an unknown client or unregistered URI", async () => {
    const app = await registerApp();
    const cases: Record<string, string>[] = [
      query({ client_id: "unknown" }),
      query(app, { redirect_uri: "https://evil.example/callback" }),
      query(app, { redirect_uri: "https://app.example/callback/../evil" }),
      query(app, { redirect_uri: "not a uri" }),
      { response_type: "code", redirect_uri: CALLBACK },
    ];
    for (const q of cases) {
      const res = await t.request(path(q));
      expect(res.status, JSON.stringify(q)).toBe(q.client_id === "unknown" ? 401 : 400);
      expect(res.headers.get("location")).toBeNull();
      expect(res.headers.get("content-type")).toContain("text/html");
      expect(await res.text()).toContain("An error has occurred");
    }
    const unknown = await (await t.request(path(query({ client_id: "unknown" })))).text();
    expect(unknown).toContain("Client authentication failed due to unknown client");
  });

  it("sends other errors back to the client as RFC 6749 asks", async () => {
    const app = await registerApp({ scopes: "read" });
    const cases: [Record<string, string>, string, string][] = [
      [
        { scope: "read write" },
        "invalid_scope",
        "The requested scope is invalid, unknown, or malformed.",
      ],
      [
        { scope: "read hoge" },
        "invalid_scope",
        "The requested scope is invalid, unknown, or malformed.",
      ],
      [
        { scope: "read admin:read" },
        "invalid_scope",
        "The requested scope is invalid, unknown, or malformed.",
      ],
      [
        { response_type: "token", scope: "read" },
        "unsupported_response_type",
        "The authorization server does not support this response type.",
      ],
      [
        { response_type: "", scope: "read" },
        "invalid_request",
        "Missing required parameter: response_type.",
      ],
      [
        { scope: "read", code_challenge: pkcePair().challenge, code_challenge_method: "plain" },
        "invalid_request",
        "The code_challenge_method must be S256.",
      ],
      [
        { scope: "read", code_challenge: pkcePair().challenge },
        "invalid_request",
        "The code_challenge_method must be S256.",
      ],
    ];
    for (const [extra, error, description] of cases) {
      const res = await t.request(path(query(app, extra)));
      expect(res.status, JSON.stringify(extra)).toBe(302);
      const p = params(res.headers.get("location")!);
      expect(res.headers.get("location")!.startsWith(`${CALLBACK}?`)).toBe(true);
      expect(p.get("error")).toBe(error);
      expect(p.get("error_description")).toBe(description);
      expect(p.get("state")).toBe("xyz 123");
    }
  });

  it("refuses scope escalation in the consent form as well", async () => {
    const app = await registerApp({ scopes: "read" });
    const user = await makeUser(t);
    const b = browser(t);
    await signIn(b, user.user.email, user.password);
    const page = await (await b.get(path(query(app, { scope: "read" })))).text();
    const approve = forms(page)[0]!;
    const tampered = approve.fields.map(([k, v]) =>
      k === "scope" ? ([k, "read write admin:write"] as [string, string]) : [k, v],
    ) as [string, string][];
    const res = await b.post("/oauth/authorize", tampered);
    expect(res.status).toBe(302);
    expect(params(res.headers.get("location")!).get("error")).toBe("invalid_scope");
  });

  it("approves again without asking when the user already authorized the same scopes", async () => {
    const app = await registerApp();
    const user = await makeUser(t);
    const b = browser(t);
    const first = await authorize(b, query(app), {
      login: user.user.email,
      password: user.password,
    });
    const token = await t.json("/oauth/token", {
      form: {
        grant_type: "authorization_code",
        code: params(first).get("code")!,
        redirect_uri: CALLBACK,
        client_id: app.client_id,
        client_secret: app.client_secret,
      },
    });
    expect(token.status).toBe(200);
    const again = await b.get(path(query(app)));
    expect(again.status).toBe(302);
    expect(params(again.headers.get("location")!).get("code")).toMatch(/^[\w-]{43}$/);
    // Other scopes are asked for.
    expect((await b.get(path(query(app, { scope: "read" })))).status).toBe(200);
  });

  it("force_login signs the user out and asks to sign in again", async () => {
    const app = await registerApp();
    const user = await makeUser(t);
    const b = browser(t);
    await signIn(b, user.user.email, user.password);
    expect((await b.get(path(query(app)))).status).toBe(200);
    const res = await b.get(path(query(app, { force_login: "true" })));
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get("location")!, "https://herd.test");
    expect(location.pathname).toBe("/auth/sign_in");
    expect(location.searchParams.get("return_to")).not.toContain("force_login");
    expect(b.cookies.has("_herd_session")).toBe(false);
    const sessions = await t.database.db
      .select()
      .from(webSessions)
      .where(eq(webSessions.userId, user.user.id));
    expect(sessions).toHaveLength(0);
    // force_login=false changes nothing.
    const other = await makeUser(t);
    await signIn(b, other.user.email, other.password);
    expect((await b.get(path(query(app, { force_login: "false" })))).status).toBe(200);
  });

  it("accepts lang (pages are in English for now)", async () => {
    const app = await registerApp();
    const res = await t.request(path(query(app, { lang: "de" })));
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toMatch(/^\/auth\/sign_in\?return_to=/);
  });
});

describe("consent form CSRF", () => {
  it("refuses a consent without the session's token", async () => {
    const app = await registerApp();
    const user = await makeUser(t);
    const b = browser(t);
    await signIn(b, user.user.email, user.password);
    const page = await (await b.get(path(query(app)))).text();
    const approve = forms(page)[0]!;
    const without = approve.fields.filter(([k]) => k !== "authenticity_token");
    const res = await b.post("/oauth/authorize", without);
    expect(res.status).toBe(403);
    expect(res.headers.get("location")).toBeNull();

    const forged = approve.fields.map(([k, v]) =>
      k === "authenticity_token" ? ([k, "forged"] as [string, string]) : [k, v],
    ) as [string, string][];
    expect((await b.post("/oauth/authorize", forged)).status).toBe(403);

    // A token made for another browser's session does not work here.
    const other = browser(t);
    await signIn(other, user.user.email, user.password);
    const otherToken = csrfOf(await (await other.get(path(query(app)))).text());
    const swapped = approve.fields.map(([k, v]) =>
      k === "authenticity_token" ? ([k, otherToken] as [string, string]) : [k, v],
    ) as [string, string][];
    expect((await b.post("/oauth/authorize", swapped)).status).toBe(403);

    // A cross-site post is refused even with the right token.
    const crossSite = await b.post("/oauth/authorize", approve.fields, {
      origin: "https://evil.example",
    });
    expect(crossSite.status).toBe(403);

    const grants = await t.database.db
      .select()
      .from(oauthAccessGrants)
      .where(eq(oauthAccessGrants.userId, user.user.id));
    expect(grants).toHaveLength(0);
    // The genuine form still works.
    expect((await b.post("/oauth/authorize", approve.fields)).status).toBe(302);
  });

  it("sends a consent without a session to sign in", async () => {
    const app = await registerApp();
    const res = await t.request("/oauth/authorize", {
      form: { ...query(app), authenticity_token: "x" },
    });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toMatch(/^\/auth\/sign_in\?return_to=%2Foauth%2Fauthorize/);
  });
});

describe("sign-in page", () => {
  it("sets an HttpOnly, SameSite=Lax, Secure session cookie stored as a digest", async () => {
    const user = await makeUser(t);
    const b = browser(t);
    const res = await signIn(b, user.user.email, user.password);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/auth/sign_in");
    const line = b.setCookies.find((l) => l.startsWith("_herd_session="))!;
    expect(line).toMatch(/HttpOnly/i);
    expect(line).toMatch(/SameSite=Lax/i);
    expect(line).toMatch(/Secure/i);
    const token = b.cookies.get("_herd_session")!;
    const [session] = await t.database.db
      .select()
      .from(webSessions)
      .where(eq(webSessions.sessionDigest, sha256(token)));
    expect(session!.userId).toBe(user.user.id);
    const [u] = await t.database.db.select().from(users).where(eq(users.id, user.user.id));
    expect(u!.currentSignInAt).not.toBeNull();

    const page = await (await b.get("/auth/sign_in")).text();
    expect(page).toContain(`@${user.account.username}`);
  });

  it("accepts the username or the e-mail address, in any case", async () => {
    const user = await makeUser(t);
    for (const login of [
      user.account.username.toUpperCase(),
      `@${user.account.username}`,
      user.user.email.toUpperCase(),
    ]) {
      const res = await signIn(browser(t), login, user.password);
      expect(res.status, login).toBe(303);
    }
  });

  it("answers a wrong password and an unknown user alike", async () => {
    const user = await makeUser(t);
    const wrong = await signIn(browser(t), user.user.email, "wrong password");
    const unknown = await signIn(browser(t), "nobody@example.com", "wrong password");
    expect(wrong.status).toBe(422);
    expect(unknown.status).toBe(422);
    const a = await wrong.text();
    const b = await unknown.text();
    expect(a).toContain("Invalid login or password.");
    expect(b).toContain("Invalid login or password.");
    // The login typed is kept, the password is not.
    expect(a).toContain(`value="${user.user.email}"`);
    expect(a).not.toContain("wrong password");
  });

  it("refuses unconfirmed, pending, disabled and suspended accounts with the reason", async () => {
    const unconfirmed = await makeUser(t, { confirmed: false });
    const pending = await makeUser(t, { approved: false });
    const disabled = await makeUser(t);
    await t.database.db.update(users).set({ disabled: true }).where(eq(users.id, disabled.user.id));
    const suspended = await makeUser(t);
    await t.database.db
      .update(accounts)
      .set({ suspendedAt: new Date() })
      .where(eq(accounts.id, suspended.account.id));
    const cases: [typeof unconfirmed, string][] = [
      [unconfirmed, "You have to confirm your e-mail address before continuing."],
      [pending, "Your account is pending review"],
      [disabled, "Your account has been disabled."],
      [suspended, "Your account has been suspended."],
    ];
    for (const [user, message] of cases) {
      const b = browser(t);
      const res = await signIn(b, user.user.email, user.password);
      expect(res.status).toBe(422);
      expect(await res.text()).toContain(message);
      expect(b.cookies.has("_herd_session")).toBe(false);
    }
    // With the wrong password nothing is revealed.
    const res = await signIn(browser(t), unconfirmed.user.email, "wrong password");
    expect(await res.text()).not.toContain("confirm");
  });

  it("refuses a sign-in without the form's token or from another site", async () => {
    const user = await makeUser(t);
    const b = browser(t);
    const noToken = await b.post("/auth/sign_in", {
      "user[email]": user.user.email,
      "user[password]": user.password,
    });
    expect(noToken.status).toBe(403);
    expect(b.cookies.has("_herd_session")).toBe(false);

    const page = await (await b.get("/auth/sign_in")).text();
    const crossSite = await b.post(
      "/auth/sign_in",
      {
        authenticity_token: csrfOf(page),
        "user[email]": user.user.email,
        "user[password]": user.password,
      },
      { origin: "https://evil.example" },
    );
    expect(crossSite.status).toBe(403);
    expect(b.cookies.has("_herd_session")).toBe(false);

    // A token from another browser (another CSRF cookie) does not work either.
    const other = browser(t);
    const otherToken = csrfOf(await (await other.get("/auth/sign_in")).text());
    const swapped = await b.post("/auth/sign_in", {
      authenticity_token: otherToken,
      "user[email]": user.user.email,
      "user[password]": user.password,
    });
    expect(swapped.status).toBe(403);
  });

  it("goes back only to local paths", async () => {
    const user = await makeUser(t);
    for (const returnTo of ["//evil.example/x", "https://evil.example/", "/\\evil.example"]) {
      const b = browser(t);
      const page = await (await b.get("/auth/sign_in")).text();
      const res = await b.post("/auth/sign_in", {
        authenticity_token: csrfOf(page),
        "user[email]": user.user.email,
        "user[password]": user.password,
        return_to: returnTo,
      });
      expect(res.status).toBe(303);
      expect(res.headers.get("location")).toBe("/auth/sign_in");
    }
  });

  it("signs out with the form or DELETE", async () => {
    const user = await makeUser(t);
    const b = browser(t);
    await signIn(b, user.user.email, user.password);
    const page = await (await b.get("/auth/sign_in")).text();
    const signOut = forms(page).find((f) => f.action === "/auth/sign_out")!;

    const forged = await b.post("/auth/sign_out", [["_method", "delete"]]);
    expect(forged.status).toBe(403);
    expect(b.cookies.has("_herd_session")).toBe(true);

    const res = await b.post("/auth/sign_out", signOut.fields);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/auth/sign_in");
    expect(b.cookies.has("_herd_session")).toBe(false);
    const sessions = await t.database.db
      .select()
      .from(webSessions)
      .where(eq(webSessions.userId, user.user.id));
    expect(sessions).toHaveLength(0);

    await signIn(b, user.user.email, user.password);
    const del = await b.request("/auth/sign_out", { method: "DELETE" });
    expect(del.status).toBe(303);
    expect(b.cookies.has("_herd_session")).toBe(false);
  });

  it("ends the session when the user is disabled", async () => {
    const app = await registerApp();
    const user = await makeUser(t);
    const b = browser(t);
    await signIn(b, user.user.email, user.password);
    expect((await b.get(path(query(app)))).status).toBe(200);
    await t.database.db.update(users).set({ disabled: true }).where(eq(users.id, user.user.id));
    const res = await b.get(path(query(app)));
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toMatch(/^\/auth\/sign_in/);
  });
});

describe("redirect URI matching (Doorkeeper's URIChecker)", () => {
  const registered = [
    "https://app.example/callback",
    "https://app.example/q?b=2&a=1",
    "http://127.0.0.1:8080/cb",
    "myapp://callback",
    "urn:ietf:wg:oauth:2.0:oob",
  ];
  it.each([
    ["https://app.example/callback", true],
    ["https://APP.example:443/callback", true],
    ["https://app.example/callback?extra=1", true],
    ["https://app.example/q?a=1&b=2", true],
    ["https://app.example/q?a=1", false],
    ["http://127.0.0.1:51234/cb", true],
    ["myapp://callback", true],
    ["urn:ietf:wg:oauth:2.0:oob", true],
    ["urn:ietf:wg:oauth:2.0:oob:auto", false],
    ["https://app.example/callback/", false],
    ["https://app.example/Callback", false],
    ["http://app.example/callback", false],
    ["https://app.example:8443/callback", false],
    ["https://app.example.evil/callback", false],
    ["https://user@app.example/callback", false],
    ["https://app.example/callback#frag", false],
    ["http://localhost:8080/cb", false],
    ["myapp://other", false],
  ])("%s → %s", (uri, expected) => {
    expect(redirectUriMatches(uri, registered)).toBe(expected);
  });

  it("adds the code to the client's own query", () => {
    expect(withQuery("https://a.example/cb?x=1", { code: "c d", state: null })).toBe(
      "https://a.example/cb?x=1&code=c%20d",
    );
    expect(withQuery("myapp://cb", { code: "c", state: "s" })).toBe("myapp://cb?code=c&state=s");
  });
});

describe("sign-in throttle", () => {
  it("answers 429 after 25 attempts from one address in 5 minutes", async () => {
    t.rateStore.clear();
    const statuses: number[] = [];
    for (let i = 0; i < 26; i++) {
      const res = await t.request("/auth/sign_in", {
        method: "POST",
        form: { "user[email]": `nobody${i}@example.com`, "user[password]": "wrong password" },
        headers: { "x-forwarded-for": "203.0.113.7" },
      });
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 25).every((s) => s !== 429)).toBe(true);
    expect(statuses[25]).toBe(429);
  });
});
