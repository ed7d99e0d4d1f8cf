// Custom emojis of remote actors (src/federation/remote-actor.ts,
// src/domain/accounts/remote-accounts.ts): the Emoji tags of an actor
// document are stored as emojis of its server (ProcessAccountService#process_emoji),
// and the Account entity lists those its display name, note and fields use,
// as it does for local accounts.
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { MASTODON_CONTEXT, startFakeRemote } from "./kit/fake-remote.ts";
import { createTestInstance } from "./kit/instance.ts";

const t = await createTestInstance({ env: { ALLOW_PRIVATE_ADDRESS: "true" } });
const remote = await startFakeRemote();

/** Mastodon's actor @context, with the Emoji term its EmojiSerializer adds. */
const CONTEXT = [...MASTODON_CONTEXT, { Emoji: "toot:Emoji" }];

const emoji = (name: string, url: string, extra: Record<string, unknown> = {}) => ({
  type: "Emoji",
  name: `:${name}:`,
  id: `${remote.origin}/emojis/${name}`,
  icon: { type: "Image", mediaType: "image/png", url },
  ...extra,
});

async function lookup(username: string) {
  const res = await t.json(`/api/v1/accounts/lookup?acct=${username}@${remote.host}`);
  expect(res.status).toBe(200);
  return res.body;
}

const shortcodes = (account: any) => (account.emojis as any[]).map((e) => e.shortcode).sort();

describe("custom emojis of remote accounts", () => {
  it("stores an actor's Emoji tags and lists those its name, bio and fields use", async () => {
    await remote.addActor("emo", {
      "@context": CONTEXT,
      name: "Emo :blobcat:",
      summary: "<p>Hello :wave:</p>",
      attachment: [{ type: "PropertyValue", name: "Site :star:", value: "<p>x</p>" }],
      tag: [
        emoji("blobcat", `${remote.origin}/e/blobcat.png`),
        emoji("wave", `${remote.origin}/e/wave.png`),
        emoji("star", `${remote.origin}/e/star.png`),
        emoji("unused", `${remote.origin}/e/unused.png`),
      ],
    });
    const account = await lookup("emo");
    expect(account.display_name).toBe("Emo :blobcat:");
    expect(shortcodes(account)).toEqual(["blobcat", "star", "wave"]);
    expect(account.emojis).toContainEqual(
      expect.objectContaining({
        shortcode: "blobcat",
        url: `${remote.origin}/e/blobcat.png`,
        static_url: `${remote.origin}/e/blobcat.png`,
      }),
    );
    // Stored as its server's emojis (the unused one too, as Mastodon does).
    const rows = await t.database.db.execute<{ shortcode: string; domain: string; uri: string }>(
      sql`SELECT shortcode, domain, uri FROM custom_emojis WHERE domain = ${remote.host}
        ORDER BY shortcode`,
    );
    expect(rows.rows.map((r) => r.shortcode)).toEqual(["blobcat", "star", "unused", "wave"]);
    expect(rows.rows[0]).toMatchObject({ uri: `${remote.origin}/emojis/blobcat` });
    // They are not this server's emojis.
    expect((await t.json("/api/v1/custom_emojis")).body).toEqual([]);
  });

  it("does not show a local emoji of the same shortcode on a remote account", async () => {
    const image = "custom_emojis/images/000/000/001/original/localonly.png";
    await t.database.db.execute(sql`INSERT INTO custom_emojis
        (id, shortcode, domain, image_url, static_image_url)
      VALUES (1, 'localonly', NULL, ${image}, ${image})`);
    await remote.addActor("plain", { name: "Plain :localonly:" });
    const account = await lookup("plain");
    expect(account.emojis).toEqual([]);
  });

  it("takes an emoji's new image from an Update of the actor", async () => {
    const actor = await remote.addActor("changer", {
      "@context": CONTEXT,
      name: "Changer :morph:",
      tag: [emoji("morph", `${remote.origin}/e/morph-1.png`)],
    });
    expect((await lookup("changer")).emojis[0].url).toBe(`${remote.origin}/e/morph-1.png`);
    actor.document.tag = [emoji("morph", `${remote.origin}/e/morph-2.png`)];
    await remote.deliverAndRun(t, actor, {
      id: remote.id(),
      type: "Update",
      actor: actor.id,
      to: ["https://www.w3.org/ns/activitystreams#Public"],
      object: actor.document,
    });
    expect((await lookup("changer")).emojis).toEqual([
      expect.objectContaining({ shortcode: "morph", url: `${remote.origin}/e/morph-2.png` }),
    ]);
  });

  it("leaves out emojis with a bad shortcode, no embedded icon or another scheme, storing the account", async () => {
    await remote.addActor("odd", {
      "@context": CONTEXT,
      name: "Odd :bad-code: :noicon: :ftp:",
      tag: [
        emoji("bad-code", `${remote.origin}/e/bad.png`),
        { type: "Emoji", name: ":noicon:" },
        emoji("ftp", "ftp://files.example/ftp.png"),
        { type: "Mention", href: `${remote.origin}/users/someone`, name: "@someone" },
      ],
    });
    const account = await lookup("odd");
    expect(account.emojis).toEqual([]);
    const rows = await t.database.db.execute(
      sql`SELECT 1 FROM custom_emojis WHERE shortcode IN ('bad-code', 'noicon', 'ftp')`,
    );
    expect(rows.rows).toEqual([]);
  });
});
