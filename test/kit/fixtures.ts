// Named fixtures for tests: users made through the domain, tokens issued
// directly (the OAuth flow itself is tested in test/oauth-*.test.ts).
import {
  createLocalAccount,
  type NewLocalAccount,
} from "../../src/domain/accounts/create-local-account.ts";
import { createApplication } from "../../src/domain/oauth/applications.ts";
import { issueToken } from "../../src/domain/oauth/tokens.ts";
import type { AccountRow, UserRow } from "../../src/db/schema/index.ts";
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
