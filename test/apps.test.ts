import { describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { oauthApplications } from "../src/db/schema/index.ts";
import { sha256 } from "../src/lib/tokens.ts";
import { makeUser, tokenFor } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";

const t = await createTestInstance();

const base = {
  client_name: "Test Application",
  redirect_uris: "https://app.example/callback",
  scopes: "read write push",
  website: "https://app.example",
};

describe("POST /api/v1/apps", () => {
  it("registers an app and answers a CredentialApplication", async () => {
    const { status, body } = await t.json("/api/v1/apps", { json: base });
    expect(status).toBe(200);
    expect(Object.keys(body)).toEqual([
      "id",
      "name",
      "website",
      "scopes",
      "redirect_uris",
      "vapid_key",
      "redirect_uri",
      "client_id",
      "client_secret",
      "client_secret_expires_at",
    ]);
    expect(body).toMatchObject({
      name: "Test Application",
      website: "https://app.example",
      scopes: ["read", "write", "push"],
      redirect_uris: ["https://app.example/callback"],
      redirect_uri: "https://app.example/callback",
      vapid_key: "",
      client_secret_expires_at: 0,
    });
    expect(body.id).toMatch(/^\d+$/);
    expect(body.client_id).toMatch(/^[\w-]{43}$/);
    expect(body.client_secret).toMatch(/^[\w-]{43}$/);

    // Only the digest of the secret is stored.
    const [row] = await t.database.db
      .select()
      .from(oauthApplications)
      .where(eq(oauthApplications.id, body.id));
    expect(row!.clientSecretDigest).toBe(sha256(body.client_secret));
    expect(JSON.stringify(row)).not.toContain(body.client_secret);
  });

  it("defaults scopes to read and website to null", async () => {
    const { status, body } = await t.json("/api/v1/apps", {
      form: { client_name: "Minimal", redirect_uris: "urn:ietf:wg:oauth:2.0:oob" },
    });
    expect(status).toBe(200);
    expect(body.scopes).toEqual(["read"]);
    expect(body.website).toBeNull();
    expect(body.redirect_uris).toEqual(["urn:ietf:wg:oauth:2.0:oob"]);
  });

  it("reads parameters from the query string", async () => {
    const q = new URLSearchParams({ ...base, client_name: "From query" });
    const { status, body } = await t.json(`/api/v1/apps?${q}`, { method: "POST" });
    expect(status).toBe(200);
    expect(body.name).toBe("From query");
    expect(body.scopes).toEqual(["read", "write", "push"]);
  });

  it("reads multipart forms", async () => {
    const form = new FormData();
    form.set("client_name", "Multipart");
    form.set("redirect_uris", "https://app.example/cb");
    form.set("scopes", "profile");
    const { status, body } = await t.json("/api/v1/apps", { multipart: form });
    expect(status).toBe(200);
    expect(body).toMatchObject({ name: "Multipart", scopes: ["profile"] });
  });

  it("accepts several redirect URIs as a string with newlines or spaces", async () => {
    const uris = "https://redirect1.example/\napp://redirect2.example/";
    const { body } = await t.json("/api/v1/apps", { json: { ...base, redirect_uris: uris } });
    expect(body.redirect_uris).toEqual(["https://redirect1.example/", "app://redirect2.example/"]);
    expect(body.redirect_uri).toBe(uris);

    const spaced = await t.json("/api/v1/apps", {
      json: { ...base, redirect_uris: "https://a.example/cb https://b.example/cb" },
    });
    expect(spaced.body.redirect_uris).toEqual(["https://a.example/cb", "https://b.example/cb"]);
    expect(spaced.body.redirect_uri).toBe("https://a.example/cb\nhttps://b.example/cb");
  });

  it("accepts redirect URIs as an array (JSON and redirect_uris[] form keys)", async () => {
    const json = await t.json("/api/v1/apps", {
      json: { ...base, redirect_uris: ["https://a.example/cb", "myapp://callback"] },
    });
    expect(json.status).toBe(200);
    expect(json.body.redirect_uris).toEqual(["https://a.example/cb", "myapp://callback"]);

    const form = await t.json("/api/v1/apps", {
      form: [
        ["client_name", "Form array"],
        ["redirect_uris[]", "https://a.example/cb"],
        ["redirect_uris[]", "urn:ietf:wg:oauth:2.0:oob"],
      ],
    });
    expect(form.status).toBe(200);
    expect(form.body.redirect_uris).toEqual(["https://a.example/cb", "urn:ietf:wg:oauth:2.0:oob"]);
  });

  it("accepts custom schemes and loopback addresses", async () => {
    for (const uri of ["myapp://callback", "com.example.app:/oauth", "http://127.0.0.1:8080/cb"]) {
      const { status, body } = await t.json("/api/v1/apps", {
        json: { ...base, redirect_uris: uri },
      });
      expect(status, uri).toBe(200);
      expect(body.redirect_uris).toEqual([uri]);
    }
  });

  it("keeps each scope once and takes an array of scopes", async () => {
    const dup = await t.json("/api/v1/apps", {
      json: { ...base, scopes: Array(40).fill("read").join(" ") },
    });
    expect(dup.body.scopes).toEqual(["read"]);
    const arr = await t.json("/api/v1/apps", {
      json: { ...base, scopes: ["read", "write:statuses", "admin:read:accounts"] },
    });
    expect(arr.body.scopes).toEqual(["read", "write:statuses", "admin:read:accounts"]);
  });

  it("refuses unknown scopes with Mastodon's 422", async () => {
    const { status, body } = await t.json("/api/v1/apps", {
      json: { ...base, scopes: "read hoge" },
    });
    expect(status).toBe(422);
    expect(body).toEqual({
      error: "Validation failed: Scopes doesn't match configured on the server.",
    });
  });

  it.each([
    ["relative", "/callback", "Validation failed: Redirect URI must be an absolute URI."],
    [
      "fragment",
      "https://app.example/cb#x",
      "Validation failed: Redirect URI cannot contain a fragment.",
    ],
    [
      "javascript",
      "javascript://x/%0Aalert(1)",
      "Validation failed: Redirect URI is forbidden by the server.",
    ],
    [
      "opaque",
      "mailto:someone@example.com",
      "Validation failed: Redirect URI must specify a scheme.",
    ],
    [
      "not a URI",
      "https://app.example/<cb>",
      "Validation failed: Redirect URI must be a valid URI.",
    ],
    ["blank", "", "Validation failed: Redirect URI can't be blank"],
    ["only a newline", "\n", "Validation failed: Redirect URI can't be blank"],
  ])("refuses a %s redirect URI", async (_name, uri, message) => {
    const { status, body } = await t.json("/api/v1/apps", {
      json: { ...base, redirect_uris: uri },
    });
    expect(status).toBe(422);
    expect(body).toEqual({ error: message });
  });

  it("refuses an empty redirect_uris array and missing parameters", async () => {
    const empty = await t.json("/api/v1/apps", { json: { ...base, redirect_uris: [] } });
    expect(empty.status).toBe(422);
    expect(empty.body.error).toBe("Validation failed: Redirect URI can't be blank");

    const none = await t.json("/api/v1/apps", { json: {} });
    expect(none.status).toBe(422);
    expect(none.body).toEqual({
      error: "Validation failed: Application name can't be blank, Redirect URI can't be blank",
    });
  });

  it("refuses overlong names, websites and redirect URIs", async () => {
    const name = await t.json("/api/v1/apps", {
      json: { ...base, client_name: "hoge".repeat(20) },
    });
    expect(name.status).toBe(422);
    expect(name.body.error).toBe(
      "Validation failed: Application name is too long (maximum is 60 characters)",
    );

    const website = await t.json("/api/v1/apps", {
      json: { ...base, website: `https://foo.bar/${"hoge".repeat(2000)}` },
    });
    expect(website.status).toBe(422);
    expect(website.body.error).toBe(
      "Validation failed: Application website is too long (maximum is 2000 characters)",
    );

    const many = await t.json("/api/v1/apps", {
      json: {
        ...base,
        redirect_uris: Array.from({ length: 500 }, (_, i) => `https://app.example/${i}/callback`),
      },
    });
    expect(many.status).toBe(422);
    expect(many.body.error).toBe(
      "Validation failed: Redirect URI is too long (maximum is 2000 characters)",
    );
  });

  it("refuses a website that is not an http(s) URL", async () => {
    const { status, body } = await t.json("/api/v1/apps", {
      json: { ...base, website: "ftp://app.example" },
    });
    expect(status).toBe(422);
    expect(body.error).toBe("Validation failed: Application website is invalid");
  });

  it("treats wrongly typed values as missing, never a 500", async () => {
    const { status, body } = await t.json("/api/v1/apps", {
      json: { client_name: { a: 1 }, redirect_uris: [{}], scopes: 5 },
    });
    expect(status).toBe(422);
    expect(body.error).toMatch(/^Validation failed: Application name can't be blank/);
  });

  it("answers malformed JSON with 400", async () => {
    const res = await t.request("/api/v1/apps", {
      method: "POST",
      body: "{",
      headers: { "content-type": "application/json" },
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: "Error occurred while parsing request parameters" });
  });
});

describe("GET /api/v1/apps/verify_credentials", () => {
  it("answers the app of an app token, without the secret", async () => {
    const app = await t.json("/api/v1/apps", { json: base });
    const token = await t.json("/oauth/token", {
      form: {
        grant_type: "client_credentials",
        client_id: app.body.client_id,
        client_secret: app.body.client_secret,
        scope: "read",
      },
    });
    expect(token.status).toBe(200);
    const { status, body } = await t.json("/api/v1/apps/verify_credentials", {
      token: token.body.access_token,
    });
    expect(status).toBe(200);
    expect(body).toEqual({
      id: app.body.id,
      name: "Test Application",
      website: "https://app.example",
      scopes: ["read", "write", "push"],
      redirect_uris: ["https://app.example/callback"],
      vapid_key: "",
      redirect_uri: "https://app.example/callback",
    });
    expect(body.client_secret).toBeUndefined();
    expect(body.client_id).toBeUndefined();
  });

  it("accepts user tokens of any scope", async () => {
    const user = await makeUser(t);
    const { status, body } = await t.json("/api/v1/apps/verify_credentials", {
      token: user.token,
    });
    expect(status).toBe(200);
    expect(body.name).toBe("Test app");
    const pushOnly = await tokenFor(t, user.user.id, ["push"]);
    expect((await t.json("/api/v1/apps/verify_credentials", { token: pushOnly })).status).toBe(200);
  });

  it("answers 401 without a valid token", async () => {
    const none = await t.json("/api/v1/apps/verify_credentials");
    expect(none.status).toBe(401);
    expect(none.body).toEqual({ error: "The access token is invalid" });
    const bad = await t.json("/api/v1/apps/verify_credentials", { token: "nope" });
    expect(bad.status).toBe(401);
    expect(bad.body).toEqual({ error: "The access token is invalid" });
  });
});
