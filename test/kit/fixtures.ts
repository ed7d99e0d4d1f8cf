// Named fixtures for tests: users made through the domain, tokens issued
// directly (the OAuth flow itself is tested in test/oauth-*.test.ts).
import {
  createLocalAccount,
  type NewLocalAccount,
} from "../../src/domain/accounts/create-local-account.ts";
import { createApplication } from "../../src/domain/oauth/applications.ts";
import { issueToken } from "../../src/domain/oauth/tokens.ts";
import type { RemoteStatusContent } from "../../src/domain/statuses/remote-status-parts.ts";
import type { RemoteStatusData } from "../../src/domain/statuses/remote-statuses.ts";
import { accounts, type AccountRow, type UserRow } from "../../src/db/schema/index.ts";
import { newId } from "../../src/lib/ids.ts";
import type { TestInstance } from "./instance.ts";

export interface TestUser {
  account: AccountRow;
  user: UserRow;
  password: string;
  /** A token with `read write follow push profile` through a fixture app. */
  token: string;
}

let counter = 0;

/** A confirmed, approved local user with a full-scope token. */
export async function makeUser(
  t: TestInstance,
  overrides: Partial<NewLocalAccount> = {},
): Promise<TestUser> {
  counter++;
  const username = overrides.username ?? `user${counter}_${Math.random().toString(36).slice(2, 7)}`;
  const password = overrides.password ?? "correct horse battery staple";
  const { account, user } = await createLocalAccount(t.database.db, {
    email: `${username}@example.com`,
    confirmed: true,
    approved: true,
    agreement: true,
    ...overrides,
    username,
    password,
  });
  const token = await tokenFor(t, user.id, ["read", "write", "follow", "push", "profile"]);
  return { account, user, password, token };
}

/** A token for `userId` (or an app-only one for null) with `scopes`. */
export async function tokenFor(
  t: TestInstance,
  userId: string | null,
  scopes: string[],
): Promise<string> {
  const { application } = await createApplication(t.database.db, {
    name: "Test app",
    redirectUris: ["urn:ietf:wg:oauth:2.0:oob"],
    scopes: ["read", "write", "follow", "push", "profile"],
  });
  const issued = await issueToken(t.database.db, { applicationId: application.id, userId, scopes });
  return issued.accessToken;
}

/**
 * Posts a status as `user` through POST /api/v1/statuses (JSON) and returns
 * the Status entity; throws when the server does not answer 200.
 */
export async function postStatus(
  t: TestInstance,
  user: Pick<TestUser, "token">,
  params: Record<string, unknown> | string = {},
): Promise<any> {
  const json = typeof params === "string" ? { status: params } : { status: "Hello", ...params };
  const res = await t.json("/api/v1/statuses", { method: "POST", token: user.token, json });
  if (res.status !== 200) {
    throw new Error(`POST /api/v1/statuses answered ${res.status}: ${JSON.stringify(res.body)}`);
  }
  return res.body;
}

/** A remote account Herd knows of, inserted directly (Herd does not federate yet). */
export async function makeRemoteAccount(
  t: TestInstance,
  overrides: { username?: string; domain?: string; locked?: boolean } = {},
): Promise<AccountRow> {
  counter++;
  const username =
    overrides.username ?? `remote${counter}_${Math.random().toString(36).slice(2, 7)}`;
  const domain = overrides.domain ?? "remote.example";
  const [row] = await t.database.db
    .insert(accounts)
    .values({
      id: newId(),
      username,
      domain,
      locked: overrides.locked ?? false,
      uri: `https://${domain}/users/${username}`,
      url: `https://${domain}/@${username}`,
    })
    .returning();
  return row!;
}

/**
 * `follower` follows account `targetId` through POST /api/v1/accounts/:id/follow
 * and returns the Relationship; throws when the server does not answer 200.
 */
export async function follow(
  t: TestInstance,
  follower: Pick<TestUser, "token">,
  targetId: string,
  params: Record<string, unknown> = {},
): Promise<any> {
  const res = await t.json(`/api/v1/accounts/${targetId}/follow`, {
    method: "POST",
    token: follower.token,
    json: params,
  });
  if (res.status !== 200) {
    throw new Error(`POST follow answered ${res.status}: ${JSON.stringify(res.body)}`);
  }
  return res.body;
}

/** What a remote status says (text, language, no media), as federation hands it over. */
export function remoteStatusContent(
  overrides: Partial<RemoteStatusContent> = {},
): RemoteStatusContent {
  return {
    content: "<p>From afar</p>",
    spoilerText: "",
    sensitive: false,
    language: "en",
    mentions: [],
    tags: [],
    attachments: [],
    poll: null,
    quoteUri: null,
    emojis: [],
    ...overrides,
  };
}

/** A remote status as federation hands it to createRemoteStatus: public, plain, now. */
export function remoteStatusData(
  author: Pick<AccountRow, "id" | "username">,
  overrides: Partial<RemoteStatusData> = {},
): RemoteStatusData {
  return {
    uri: `https://remote.example/users/${author.username}/statuses/${newId()}`,
    url: null,
    accountId: author.id,
    visibility: "public",
    createdAt: new Date(),
    editedAt: null,
    inReplyToId: null,
    conversationId: null,
    conversationUri: null,
    ...remoteStatusContent(),
    ...overrides,
  };
}
