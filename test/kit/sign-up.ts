// Signing up through the API as an app does (POST /api/v1/accounts), for the
// account tests: each call comes from a fresh client address so that the
// sign-up rate limit (5 per 30 minutes per address) stays out of the way.
import { tokenFor } from "./fixtures.ts";
import type { TestInstance } from "./instance.ts";

let ipCounter = 0;
let n = 0;

/** A fresh client address (X-Forwarded-For). */
export const freshIp = () => ({
  "x-forwarded-for": `198.51.${Math.floor(++ipCounter / 250)}.${ipCounter % 250}`,
});

/** A string unique within the test run, usable in usernames. */
export const unique = () => `${Date.now().toString(36)}${++n}`;

/** An app-only (client credentials) token of a fresh app. */
export const appToken = (t: TestInstance) => tokenFor(t, null, ["read", "write", "follow", "push"]);

/** The path and query of the confirmation link in a mail's text. */
export function confirmationLinkIn(text: string): string {
  const m = /https:\/\/herd\.test(\/auth\/confirmation\?confirmation_token=[A-Za-z0-9_%-]+)/.exec(
    text,
  );
  if (!m) throw new Error(`no confirmation link in: ${text}`);
  return m[1]!;
}

/** Signs a new user up; `fields` override the valid defaults. */
export async function signUp(
  t: TestInstance,
  fields: Record<string, unknown> = {},
  token?: string,
) {
  const name = `u${unique()}`;
  const json = {
    username: name,
    email: `${name}@example.com`,
    password: "a good long password",
    agreement: true,
    locale: "en",
    ...fields,
  };
  const res = await t.json("/api/v1/accounts", {
    method: "POST",
    token: token ?? (await appToken(t)),
    json,
    headers: freshIp(),
  });
  return { ...res, username: json.username as string, email: json.email as string };
}
