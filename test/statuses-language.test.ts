// The language of a status (https://docs.joinmastodon.org/methods/statuses/#create,
// `language`): the one given when Herd knows it, else the author's default
// posting language, else the one detected in the text, else the author's
// interface language, else English; edits keep the language unless a known
// one is given (Mastodon's UpdateStatusService).
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { statuses, users } from "../src/db/schema/index.ts";
import { makeUser, type TestUser } from "./kit/fixtures.ts";
import { createTestInstance } from "./kit/instance.ts";

const t = await createTestInstance();
const db = t.database.db;

const ENGLISH = "Does anyone have recommendations for a good mechanical keyboard?";
const FRENCH = "Je ne sais pas quoi faire ce soir, des idées ?";
const GERMAN = "Guten Morgen zusammen, wie geht es euch heute?";
const JAPANESE = "今日はとても良い天気ですね。";

const post = (user: TestUser, json: Record<string, unknown>) =>
  t.json("/api/v1/statuses", { method: "POST", token: user.token, json });

/** Posts and answers the language the Status entity shows (and the row holds). */
async function languageOf(user: TestUser, json: Record<string, unknown>): Promise<string> {
  const res = await post(user, json);
  expect(res.status).toBe(200);
  const [row] = await db.select().from(statuses).where(eq(statuses.id, res.body.id));
  expect(row!.language).toBe(res.body.language);
  return res.body.language;
}

/** A user whose interface language is `locale`: what an undetected post falls back to. */
const userWithLocale = (locale: string) => makeUser(t, { locale });

describe("POST /api/v1/statuses without a language", () => {
  it("detects English, French, German and Japanese", async () => {
    // The interface language is Portuguese: only detection gives these.
    const alice = await userWithLocale("pt");
    expect(await languageOf(alice, { status: ENGLISH })).toBe("en");
    expect(await languageOf(alice, { status: FRENCH })).toBe("fr");
    expect(await languageOf(alice, { status: GERMAN })).toBe("de");
    expect(await languageOf(alice, { status: JAPANESE })).toBe("ja");
  });

  it("detects from the words only: links, mentions, hashtags and emoji are left out", async () => {
    const alice = await userWithLocale("pt");
    const bob = await makeUser(t);
    const text = `@${bob.account.username} ${FRENCH} https://example.com/a/long/english/path #HelloWorld :blobcat:`;
    expect(await languageOf(alice, { status: text })).toBe("fr");
    // Without its words, nothing is left to detect.
    const noWords = `@${bob.account.username} https://example.com/this/is/english #ThisIsEnglish :blobcat:`;
    expect(await languageOf(alice, { status: noWords })).toBe("pt");
  });

  it("falls back to the interface language, then English, for short or unclear text", async () => {
    const alice = await userWithLocale("ja");
    expect(await languageOf(alice, { status: "Bonjour" })).toBe("ja");
    expect(await languageOf(alice, { status: "Guten Tag zusammen" })).toBe("ja");
    expect(await languageOf(alice, { status: "12 34 56 78 90" })).toBe("ja");
    const bob = await makeUser(t);
    expect(await languageOf(bob, { status: "Merci !" })).toBe("en");
  });

  it("detects a few characters of a script that names its language", async () => {
    const alice = await userWithLocale("en");
    expect(await languageOf(alice, { status: "おはよう" })).toBe("ja");
    expect(await languageOf(alice, { status: "안녕하세요" })).toBe("ko");
  });

  it("detects the content warning when it stands for the text", async () => {
    const alice = await userWithLocale("pt");
    const res = await post(alice, { status: "", spoiler_text: GERMAN });
    expect(res.status).toBe(200);
    expect(res.body.language).toBe("de");
  });

  it("prefers the author's default posting language to detection", async () => {
    const alice = await userWithLocale("pt");
    await db
      .update(users)
      .set({ settings: { default_language: "it" } })
      .where(eq(users.id, alice.user.id));
    expect(await languageOf(alice, { status: FRENCH })).toBe("it");
  });
});

describe("POST /api/v1/statuses with a language", () => {
  it("takes the language given over what the text looks like", async () => {
    const alice = await userWithLocale("pt");
    expect(await languageOf(alice, { status: FRENCH, language: "de" })).toBe("de");
    expect(await languageOf(alice, { status: ENGLISH, language: "ja_JP" })).toBe("ja");
    // Given as a form, too.
    const res = await t.request("/api/v1/statuses", {
      method: "POST",
      token: alice.token,
      form: { status: GERMAN, language: "nl" },
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { language: string }).language).toBe("nl");
  });

  it("ignores a language Herd does not know, as Mastodon: the text is detected", async () => {
    const alice = await userWithLocale("pt");
    expect(await languageOf(alice, { status: FRENCH, language: "klingon" })).toBe("fr");
    expect(await languageOf(alice, { status: GERMAN, language: "" })).toBe("de");
    expect(await languageOf(alice, { status: "Bonjour", language: "xx" })).toBe("pt");
    // Not a string: treated as missing, never a 500.
    expect(await languageOf(alice, { status: GERMAN, language: ["fr"] })).toBe("de");
  });
});

describe("PUT /api/v1/statuses/:id", () => {
  const edit = (user: TestUser, id: string, json: Record<string, unknown>) =>
    t.json(`/api/v1/statuses/${id}`, { method: "PUT", token: user.token, json });

  it("keeps the language unless a known one is given", async () => {
    const alice = await userWithLocale("pt");
    const posted = await post(alice, { status: FRENCH });
    expect(posted.body.language).toBe("fr");
    const rewritten = await edit(alice, posted.body.id, { status: GERMAN });
    expect(rewritten.status).toBe(200);
    expect(rewritten.body.language).toBe("fr");
    const unknown = await edit(alice, posted.body.id, { status: GERMAN, language: "xx" });
    expect(unknown.body.language).toBe("fr");
    const given = await edit(alice, posted.body.id, { status: GERMAN, language: "de" });
    expect(given.body.language).toBe("de");
    const [row] = await db.select().from(statuses).where(eq(statuses.id, posted.body.id));
    expect(row!.language).toBe("de");
  });

  it("is only for the author", async () => {
    const alice = await userWithLocale("pt");
    const bob = await makeUser(t);
    const posted = await post(alice, { status: FRENCH });
    const res = await edit(bob, posted.body.id, { status: GERMAN, language: "de" });
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: "Record not found" });
  });
});
