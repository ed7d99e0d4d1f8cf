// Social actions for tests, through the client API as an app does them, and
// quiet relationships (rows that notify nobody) for setting a scene.
import { follows } from "../../src/db/schema/index.ts";
import { newId } from "../../src/lib/ids.ts";
import type { TestUser } from "./fixtures.ts";
import type { TestInstance } from "./instance.ts";

type Form = Record<string, string | string[]>;

/** Calls the API as `user`; throws unless it answers 200. */
async function call(
  t: TestInstance,
  user: TestUser,
  method: string,
  path: string,
  form: Form = {},
): Promise<any> {
  const res = await t.request(path, { method, token: user.token, form });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${method} ${path} answered ${res.status}: ${text}`);
  return text ? JSON.parse(text) : null;
}

export interface PostOptions {
  status: string;
  visibility?: "public" | "unlisted" | "private" | "direct";
  in_reply_to_id?: string;
}

/** Posts a status for `user`; returns its id. */
export async function postStatus(
  t: TestInstance,
  user: TestUser,
  options: PostOptions,
): Promise<string> {
  const form: Form = { status: options.status };
  if (options.visibility) form.visibility = options.visibility;
  if (options.in_reply_to_id) form.in_reply_to_id = options.in_reply_to_id;
  return (await call(t, user, "POST", "/api/v1/statuses", form)).id as string;
}

export async function deleteStatusOf(t: TestInstance, user: TestUser, id: string): Promise<void> {
  await call(t, user, "DELETE", `/api/v1/statuses/${id}`);
}

export async function favourite(t: TestInstance, user: TestUser, statusId: string): Promise<void> {
  await call(t, user, "POST", `/api/v1/statuses/${statusId}/favourite`);
}

export async function reblog(t: TestInstance, user: TestUser, statusId: string): Promise<void> {
  await call(t, user, "POST", `/api/v1/statuses/${statusId}/reblog`);
}

/** `a` follows `b` (a follow notification, or a request for a locked account). */
export async function follow(t: TestInstance, a: TestUser, b: TestUser): Promise<void> {
  await call(t, a, "POST", `/api/v1/accounts/${b.account.id}/follow`);
}

/** `a` follows `b` without anyone being notified (a relationship set up for a test). */
export async function quietlyFollow(t: TestInstance, a: TestUser, b: TestUser, since?: Date) {
  await t.database.db
    .insert(follows)
    .values({
      id: newId(),
      accountId: a.account.id,
      targetAccountId: b.account.id,
      ...(since ? { createdAt: since } : {}),
    })
    .onConflictDoNothing();
}

export async function block(t: TestInstance, a: TestUser, b: TestUser): Promise<void> {
  await call(t, a, "POST", `/api/v1/accounts/${b.account.id}/block`);
}

export async function mute(t: TestInstance, a: TestUser, b: TestUser, notifications = true) {
  await call(t, a, "POST", `/api/v1/accounts/${b.account.id}/mute`, {
    notifications: String(notifications),
  });
}

/** `a` blocks the domain `domain`. */
export async function blockDomain(t: TestInstance, a: TestUser, domain: string): Promise<void> {
  await call(t, a, "POST", "/api/v1/domain_blocks", { domain });
}

/** Sets `user`'s notifications marker. */
export async function markNotificationsRead(
  t: TestInstance,
  user: TestUser,
  lastReadId: string,
): Promise<void> {
  await call(t, user, "POST", "/api/v1/markers", { "notifications[last_read_id]": lastReadId });
}
