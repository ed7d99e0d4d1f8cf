import { describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { oauthAccessGrants, oauthAccessTokens } from "../src/db/schema/index.ts";
import { createApplication } from "../src/domain/oauth/applications.ts";
import { issueToken } from "../src/domain/oauth/tokens.ts";
import { sha256 } from "../src/lib/tokens.ts";
import { authorize, browser, pkcePair } from "./kit/browser.ts";
import { makeUser, type TestUser } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";

const t = await createTestInstance();
const CALLBACK = "https://app.example/callback";
const OOB = "urn:ietf:wg:oauth:2.0:oob";

interface App {
  id: string;
  client_id: string;
  client_secret: string;
}

async function registerApp(scopes = "read write follow push profile"): Promise<App> {
  const { status, body } = await t.json("/api/v1/apps", {
    json: { client_name: "Tootie", redirect_uris: [CALLBACK, OOB], scopes },
  });
  expect(status).toBe(200);
  return body;
}

/** Drives the browser side and returns a fresh code. */
async function codeFor(
  app: App,
  user: TestUser,
  extra: Record<string, string> = {},
): Promise<string> {
  const location = await authorize(
    browser(t),
    {
      response_type: "code",
      client_id: app.client_id,
      redirect_uri: CALLBACK,
      scope: "read write",
      ...extra,
    },
    { login: user.user.email, password: user.password },
  );
  const code = new URL(location, "https://herd.test").searchParams.get("code");
  if (!code) throw new Error(`no code in ${location}`);
  return code;
}

function exchange(app: App, code: string, extra: Record<string, string> = {}) {
  return t.json("/oauth/token", {
    form: {
      grant_type: "authorization_code",
      code,
      redirect_uri: CALLBACK,
      client_id: app.client_id,
      client_secret: app.client_secret,
      ...extra,
    },
  });
}

const INVALID_GRANT = {
  error: "invalid_grant",
  error_description:
    "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.",
};

describe("authorization code flow with PKCE, over HTTP", () => {
  it("gives a token that works on the API", async () => {
    const app = await registerApp();
    const user = await makeUser(t);
    const { verifier, challenge } = pkcePair();
    const code = await codeFor(app, user, {
      code_challenge: challenge,
      code_challenge_method: "S256",
      state: "s1",
    });
    const { status, body, res } = await exchange(app, code, { code_verifier: verifier });
    expect(status).toBe(200);
    expect(Object.keys(body).sort()).toEqual(["access_token", "created_at", "scope", "token_type"]);
    expect(body.token_type).toBe("Bearer");
    expect(body.scope).toBe("read write");
    expect(Number.isInteger(body.created_at)).toBe(true);
    expect(Math.abs(body.created_at - Date.now() / 1000)).toBeLessThan(600);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("pragma")).toBe("no-cache");

    // Stored only as a digest.
    const [row] = await t.database.db
      .select()
      .from(oauthAccessTokens)
      .where(eq(oauthAccessTokens.tokenDigest, sha256(body.access_token)));
    expect(row!.userId).toBe(user.user.id);
    expect(row!.applicationId).toBe(app.id);

    const verify = await t.json("/api/v1/apps/verify_credentials", { token: body.access_token });
    expect(verify.status).toBe(200);
    expect(verify.body.id).toBe(app.id);

    const info = await t.json("/oauth/userinfo", { token: body.access_token });
    expect(info.status).toBe(200);
    expect(info.body.preferred_username).toBe(user.account.username);

    // Once the accounts endpoints exist, the token works there too.
    const account = await t.request("/api/v1/accounts/verify_credentials", {
      token: body.access_token,
    });
    if (account.status !== 404) {
      expect(account.status).toBe(200);
      expect(((await account.json()) as any).id).toBe(user.account.id);
    }
  });

  it("exchanges an out-of-band code", async () => {
    const app = await registerApp();
    const user = await makeUser(t);
    const location = await authorize(
      browser(t),
      { response_type: "code", client_id: app.client_id, redirect_uri: OOB, scope: "read" },
      { login: user.user.email, password: user.password },
    );
    const code = new URL(location, "https://herd.test").searchParams.get("code")!;
    const { status, body } = await exchange(app, code, { redirect_uri: OOB });
    expect(status).toBe(200);
    expect(body.scope).toBe("read");
  });

  it("accepts JSON bodies and HTTP Basic client authentication", async () => {
    const app = await registerApp();
    const user = await makeUser(t);
    const code = await codeFor(app, user);
    const basic = Buffer.from(
      `${encodeURIComponent(app.client_id)}:${encodeURIComponent(app.client_secret)}`,
    ).toString("base64");
    const { status, body } = await t.json("/oauth/token", {
      json: { grant_type: "authorization_code", code, redirect_uri: CALLBACK },
      headers: { authorization: `Basic ${basic}` },
    });
    expect(status).toBe(200);
    expect(body.scope).toBe("read write");
  });

  it("refuses a wrong or missing PKCE verifier", async () => {
    const app = await registerApp();
    const user = await makeUser(t);
    const { challenge } = pkcePair();
    const code = await codeFor(app, user, {
      code_challenge: challenge,
      code_challenge_method: "S256",
    });
    const missing = await exchange(app, code);
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({
      error: "invalid_request",
      error_description: "Missing required parameter: code_verifier.",
    });
    const wrong = await exchange(app, code, { code_verifier: pkcePair().verifier });
    expect(wrong.status).toBe(400);
    expect(wrong.body).toEqual(INVALID_GRANT);
    // The challenge itself is not a verifier.
    const plain = await exchange(app, code, { code_verifier: challenge });
    expect(plain.status).toBe(400);
    expect(plain.body).toEqual(INVALID_GRANT);
  });

  it("refuses a reused code and revokes the token it gave", async () => {
    const app = await registerApp();
    const user = await makeUser(t);
    const code = await codeFor(app, user);
    const first = await exchange(app, code);
    expect(first.status).toBe(200);
    expect(
      (await t.json("/api/v1/apps/verify_credentials", { token: first.body.access_token })).status,
    ).toBe(200);

    const again = await exchange(app, code);
    expect(again.status).toBe(400);
    expect(again.body).toEqual(INVALID_GRANT);
    const revoked = await t.json("/api/v1/apps/verify_credentials", {
      token: first.body.access_token,
    });
    expect(revoked.status).toBe(401);
    expect(revoked.body).toEqual({ error: "The access token was revoked" });
  });

  it("refuses an expired code", async () => {
    const app = await registerApp();
    const user = await makeUser(t);
    const code = await codeFor(app, user);
    await t.database.db
      .update(oauthAccessGrants)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(oauthAccessGrants.codeDigest, sha256(code)));
    const { status, body } = await exchange(app, code);
    expect(status).toBe(400);
    expect(body).toEqual(INVALID_GRANT);
  });

  it("refuses a code with another redirect URI, from another client, or unknown", async () => {
    const app = await registerApp();
    const other = await registerApp();
    const user = await makeUser(t);
    const code = await codeFor(app, user);
    const wrongUri = await exchange(app, code, { redirect_uri: OOB });
    expect(wrongUri.status).toBe(400);
    expect(wrongUri.body).toEqual(INVALID_GRANT);
    const missingUri = await t.json("/oauth/token", {
      form: {
        grant_type: "authorization_code",
        code,
        client_id: app.client_id,
        client_secret: app.client_secret,
      },
    });
    expect(missingUri.status).toBe(400);
    expect(missingUri.body).toEqual({
      error: "invalid_request",
      error_description: "Missing required parameter: redirect_uri.",
    });
    const otherClient = await exchange(other, code);
    expect(otherClient.status).toBe(400);
    expect(otherClient.body).toEqual(INVALID_GRANT);
    const unknown = await exchange(app, "not-a-code");
    expect(unknown.status).toBe(400);
    expect(unknown.body).toEqual(INVALID_GRANT);
    // After all that the code still works for its own client.
    expect((await exchange(app, code)).status).toBe(200);
  });

  it("keeps the scopes the user approved, whatever the token request says", async () => {
    const app = await registerApp();
    const user = await makeUser(t);
    const code = await codeFor(app, user, { scope: "read" });
    const { body } = await exchange(app, code, { scope: "read write admin:write" });
    expect(body.scope).toBe("read");
  });
});

describe("POST /oauth/token errors", () => {
  it("answers invalid_client with 401 for a wrong secret or no credentials", async () => {
    const app = await registerApp();
    const expected = {
      error: "invalid_client",
      error_description:
        "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.",
    };
    const wrong = await t.json("/oauth/token", {
      form: { grant_type: "client_credentials", client_id: app.client_id, client_secret: "x" },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual(expected);
    expect(wrong.res.headers.get("www-authenticate")).toContain('error="invalid_client"');
    const none = await t.json("/oauth/token", { form: { grant_type: "client_credentials" } });
    expect(none.status).toBe(401);
    expect(none.body).toEqual(expected);
    const badBasic = await t.json("/oauth/token", {
      form: { grant_type: "client_credentials" },
      headers: {
        authorization: `Basic ${Buffer.from(`${app.client_id}:nope`).toString("base64")}`,
      },
    });
    expect(badBasic.status).toBe(401);
  });

  it("answers a missing or unknown grant type", async () => {
    const missing = await t.json("/oauth/token", { form: {} });
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({
      error: "invalid_request",
      error_description: "Missing required parameter: grant_type.",
    });
    const unknown = await t.json("/oauth/token", { form: { grant_type: "implicit" } });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toEqual({
      error: "unsupported_grant_type",
      error_description:
        "The authorization grant type is not supported by the authorization server.",
    });
  });

  it("answers malformed bodies with a 400 JSON error, never a 500", async () => {
    const bodies: [string, string][] = [
      ["application/json", "{"],
      ["application/json", "[1,2]"],
      ["multipart/form-data; boundary=x", "garbage"],
      ["application/json", JSON.stringify({ grant_type: ["client_credentials"] })],
      ["application/json", JSON.stringify({ grant_type: { a: 1 } })],
      ["text/plain", "grant_type=client_credentials"],
    ];
    for (const [type, body] of bodies) {
      const res = await t.request("/oauth/token", {
        method: "POST",
        body,
        headers: { "content-type": type },
      });
      expect(res.status, `${type} ${body}`).toBe(400);
      const json = (await res.json()) as any;
      expect(json.error).toBe("invalid_request");
      expect(typeof json.error_description).toBe("string");
    }
  });
});

describe("client_credentials grant", () => {
  it("gives an app token without a user, defaulting to read", async () => {
    const app = await registerApp();
    const { status, body } = await t.json("/oauth/token", {
      form: {
        grant_type: "client_credentials",
        client_id: app.client_id,
        client_secret: app.client_secret,
      },
    });
    expect(status).toBe(200);
    expect(body.scope).toBe("read");
    const [row] = await t.database.db
      .select()
      .from(oauthAccessTokens)
      .where(eq(oauthAccessTokens.tokenDigest, sha256(body.access_token)));
    expect(row!.userId).toBeNull();

    // A user-only endpoint answers 422.
    const info = await t.json("/oauth/userinfo", { token: body.access_token });
    expect(info.status).toBe(422);
    expect(info.body).toEqual({ error: "This method requires an authenticated user" });
  });

  it("grants scopes within the app's and refuses others", async () => {
    const app = await registerApp("read write");
    const ok = await t.json("/oauth/token", {
      form: {
        grant_type: "client_credentials",
        client_id: app.client_id,
        client_secret: app.client_secret,
        scope: "read:statuses write",
      },
    });
    expect(ok.status).toBe(200);
    expect(ok.body.scope).toBe("read:statuses write");
    for (const scope of ["read write push", "read hoge", "admin:read"]) {
      const bad = await t.json("/oauth/token", {
        form: {
          grant_type: "client_credentials",
          client_id: app.client_id,
          client_secret: app.client_secret,
          scope,
        },
      });
      expect(bad.status, scope).toBe(400);
      expect(bad.body).toEqual({
        error: "invalid_scope",
        error_description: "The requested scope is invalid, unknown, or malformed.",
      });
    }
  });
});

describe("password grant", () => {
  it("gives a user token for the e-mail address or the username", async () => {
    const app = await registerApp();
    const user = await makeUser(t);
    for (const username of [user.user.email, user.account.username]) {
      const { status, body } = await t.json("/oauth/token", {
        json: {
          grant_type: "password",
          client_id: app.client_id,
          client_secret: app.client_secret,
          username,
          password: user.password,
          scope: "read write",
        },
      });
      expect(status).toBe(200);
      expect(body.scope).toBe("read write");
      const info = await t.json("/oauth/userinfo", { token: body.access_token });
      expect(info.body.preferred_username).toBe(user.account.username);
    }
  });

  it("refuses wrong credentials, accounts that may not sign in, and escalation", async () => {
    const app = await registerApp("read");
    const user = await makeUser(t);
    const unconfirmed = await makeUser(t, { confirmed: false });
    const form = (username: string, password: string, scope = "read") => ({
      form: {
        grant_type: "password",
        client_id: app.client_id,
        client_secret: app.client_secret,
        username,
        password,
        scope,
      },
    });
    const wrong = await t.json("/oauth/token", form(user.user.email, "wrong password"));
    expect(wrong.status).toBe(400);
    expect(wrong.body).toEqual(INVALID_GRANT);
    const unknown = await t.json("/oauth/token", form("nobody@example.com", "x"));
    expect(unknown.body).toEqual(INVALID_GRANT);
    const refused = await t.json(
      "/oauth/token",
      form(unconfirmed.user.email, unconfirmed.password),
    );
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe("invalid_grant");
    expect(refused.body.error_description).toContain("confirm your e-mail address");
    const escalation = await t.json("/oauth/token", form(user.user.email, user.password, "write"));
    expect(escalation.status).toBe(400);
    expect(escalation.body.error).toBe("invalid_scope");
    const missing = await t.json("/oauth/token", {
      form: { grant_type: "password", client_id: app.client_id, client_secret: app.client_secret },
    });
    expect(missing.body).toEqual({
      error: "invalid_request",
      error_description: "Missing required parameter: username.",
    });
  });
});

describe("refresh_token grant", () => {
  async function tokenWithRefresh(app: App, userId: string, scopes: string[]) {
    return issueToken(t.database.db, {
      applicationId: app.id,
      userId,
      scopes,
      withRefreshToken: true,
    });
  }

  it("replaces a token that has a refresh token, narrowing scopes on request", async () => {
    const app = await registerApp();
    const user = await makeUser(t);
    const old = await tokenWithRefresh(app, user.user.id, ["read", "write"]);
    const { status, body } = await t.json("/oauth/token", {
      form: {
        grant_type: "refresh_token",
        refresh_token: old.refreshToken!,
        client_id: app.client_id,
        client_secret: app.client_secret,
        scope: "read",
      },
    });
    expect(status).toBe(200);
    expect(body.scope).toBe("read");
    expect(body.refresh_token).toMatch(/^[\w-]{43}$/);
    expect(body.refresh_token).not.toBe(old.refreshToken);
    const oldCheck = await t.json("/api/v1/apps/verify_credentials", { token: old.accessToken });
    expect(oldCheck.status).toBe(401);
    expect((await t.json("/oauth/userinfo", { token: body.access_token })).status).toBe(200);
    // The used refresh token is spent.
    const reuse = await t.json("/oauth/token", {
      form: {
        grant_type: "refresh_token",
        refresh_token: old.refreshToken!,
        client_id: app.client_id,
        client_secret: app.client_secret,
      },
    });
    expect(reuse.body).toEqual(INVALID_GRANT);
  });

  it("refuses wider scopes, other clients and unknown refresh tokens", async () => {
    const app = await registerApp();
    const other = await registerApp();
    const user = await makeUser(t);
    const old = await tokenWithRefresh(app, user.user.id, ["read"]);
    const req = (client: App, refresh: string, scope?: string) =>
      t.json("/oauth/token", {
        form: {
          grant_type: "refresh_token",
          refresh_token: refresh,
          client_id: client.client_id,
          client_secret: client.client_secret,
          ...(scope ? { scope } : {}),
        },
      });
    expect((await req(app, old.refreshToken!, "read write")).body.error).toBe("invalid_scope");
    expect((await req(other, old.refreshToken!)).body).toEqual(INVALID_GRANT);
    expect((await req(app, "unknown")).body).toEqual(INVALID_GRANT);
    // Nothing above spent it.
    expect((await req(app, old.refreshToken!)).status).toBe(200);
  });
});

describe("POST /oauth/revoke", () => {
  it("revokes the client's token; the token then gets 401", async () => {
    const app = await registerApp();
    const user = await makeUser(t);
    const { body } = await exchange(app, await codeFor(app, user));
    const res = await t.json("/oauth/revoke", {
      form: {
        token: body.access_token,
        client_id: app.client_id,
        client_secret: app.client_secret,
      },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({});
    const after = await t.json("/api/v1/apps/verify_credentials", { token: body.access_token });
    expect(after.status).toBe(401);
    expect(after.body).toEqual({ error: "The access token was revoked" });
    // Idempotent.
    const again = await t.json("/oauth/revoke", {
      json: {
        token: body.access_token,
        client_id: app.client_id,
        client_secret: app.client_secret,
      },
    });
    expect(again.status).toBe(200);
  });

  it("answers 200 for unknown tokens and 403 for other apps' tokens or bad clients", async () => {
    const app = await registerApp();
    const other = await registerApp();
    const user = await makeUser(t);
    const unknown = await t.json("/oauth/revoke", {
      form: { token: "unknown", client_id: app.client_id, client_secret: app.client_secret },
    });
    expect(unknown.status).toBe(200);
    expect(unknown.body).toEqual({});

    const forbidden = {
      error: "unauthorized_client",
      error_description: "You are not authorized to revoke this token",
    };
    const { body } = await exchange(app, await codeFor(app, user));
    const byOther = await t.json("/oauth/revoke", {
      form: {
        token: body.access_token,
        client_id: other.client_id,
        client_secret: other.client_secret,
      },
    });
    expect(byOther.status).toBe(403);
    expect(byOther.body).toEqual(forbidden);
    const noClient = await t.json("/oauth/revoke", { form: { token: body.access_token } });
    expect(noClient.status).toBe(403);
    expect(noClient.body).toEqual(forbidden);
    const noToken = await t.json("/oauth/revoke", {
      form: { client_id: app.client_id, client_secret: app.client_secret },
    });
    expect(noToken.status).toBe(403);
    // The token still works.
    expect(
      (await t.json("/api/v1/apps/verify_credentials", { token: body.access_token })).status,
    ).toBe(200);
    const malformed = await t.request("/oauth/revoke", {
      method: "POST",
      body: "{",
      headers: { "content-type": "application/json" },
    });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as any).error).toBe("invalid_request");
  });
});

describe("GET /oauth/userinfo", () => {
  it("answers the OpenID claims of a profile token, by GET or POST", async () => {
    const user = await makeUser(t);
    const { application } = await createApplication(t.database.db, {
      name: "Profile app",
      redirectUris: [OOB],
      scopes: ["profile"],
    });
    const { accessToken } = await issueToken(t.database.db, {
      applicationId: application.id,
      userId: user.user.id,
      scopes: ["profile"],
    });
    const expected = {
      iss: "https://herd.test/",
      sub: `https://herd.test/users/${user.account.username}`,
      name: "",
      preferred_username: user.account.username,
      profile: `https://herd.test/@${user.account.username}`,
      picture: "https://herd.test/avatars/original/missing.png",
    };
    const get = await t.json("/oauth/userinfo", { token: accessToken });
    expect(get.status).toBe(200);
    expect(get.body).toEqual(expected);
    const post = await t.json("/oauth/userinfo", { method: "POST", token: accessToken });
    expect(post.body).toEqual(expected);
  });

  it("answers 401 without a token and 403 without the profile or read scope", async () => {
    const none = await t.json("/oauth/userinfo");
    expect(none.status).toBe(401);
    expect(none.body).toEqual({ error: "The access token is invalid" });
    const user = await makeUser(t);
    const { application } = await createApplication(t.database.db, {
      name: "Narrow app",
      redirectUris: [OOB],
      scopes: ["write"],
    });
    const { accessToken } = await issueToken(t.database.db, {
      applicationId: application.id,
      userId: user.user.id,
      scopes: ["write:statuses"],
    });
    const forbidden = await t.json("/oauth/userinfo", { token: accessToken });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body).toEqual({ error: "This action is outside the authorized scopes" });
  });
});

describe("GET /.well-known/oauth-authorization-server", () => {
  it("describes the server as Mastodon 4.3+ does", async () => {
    const { status, body, res } = await t.json("/.well-known/oauth-authorization-server");
    expect(status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(body).toMatchObject({
      issuer: "https://herd.test/",
      authorization_endpoint: "https://herd.test/oauth/authorize",
      token_endpoint: "https://herd.test/oauth/token",
      revocation_endpoint: "https://herd.test/oauth/revoke",
      userinfo_endpoint: "https://herd.test/oauth/userinfo",
      response_types_supported: ["code"],
      code_challenge_methods_supported: ["S256"],
      token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
      app_registration_endpoint: "https://herd.test/api/v1/apps",
      service_documentation: "https://docs.joinmastodon.org/",
    });
    expect(body.grant_types_supported).toEqual(
      expect.arrayContaining(["authorization_code", "client_credentials"]),
    );
    expect(body.scopes_supported.slice(0, 3)).toEqual(["read", "profile", "write"]);
    for (const scope of [
      "follow",
      "push",
      "read:statuses",
      "write:media",
      "admin:read",
      "admin:write:canonical_email_blocks",
    ]) {
      expect(body.scopes_supported).toContain(scope);
    }
    expect(new Set(body.scopes_supported).size).toBe(body.scopes_supported.length);
  });
});
