// Which local actor a path's `{identifier}` names: the instance actor, or a
// local account by username (any case, as Mastodon's Account.find_local), of
// those shown to others (confirmed and approved users; Mastodon answers 404
// for the others, AccountOwnedConcern).
import { lookupAccount, type AccountWithUser } from "../domain/accounts/read.ts";
import type { FederationEnv } from "./env.ts";

export type LocalActor = { kind: "instance" } | { kind: "account"; account: AccountWithUser };

/**
 * The instance actor's `preferredUsername`: its domain, or `mastodon.internal`
 * when the domain has a port, as Mastodon's Account.representative: other
 * servers take no colon in a username (Herd's own remote-actor.ts drops such
 * an actor), so a server at `localhost:3000` could not send a Flag.
 */
export function instanceActorUsername(env: Pick<FederationEnv, "instanceIdentifier">): string {
  return env.instanceIdentifier.includes(":") ? "mastodon.internal" : env.instanceIdentifier;
}

/** Mastodon usernames: letters, digits and underscores (Account::USERNAME_RE). */
const USERNAME = /^[a-z0-9_]+$/i;

export async function findLocalActor(
  env: FederationEnv,
  identifier: string,
): Promise<LocalActor | null> {
  if (identifier.toLowerCase() === env.instanceIdentifier) return { kind: "instance" };
  if (!USERNAME.test(identifier)) return null;
  const account = await lookupAccount(env.db, identifier, [env.config.localDomain]);
  return account && account.domain === null ? { kind: "account", account } : null;
}

/** The local account `identifier` names, or null (the instance actor included). */
export async function findLocalAccount(
  env: FederationEnv,
  identifier: string,
): Promise<AccountWithUser | null> {
  const actor = await findLocalActor(env, identifier);
  return actor?.kind === "account" ? actor.account : null;
}
