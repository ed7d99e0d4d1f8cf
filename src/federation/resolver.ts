// The Resolver the client API is given (src/domain/federation-port.ts), as
// Mastodon's ResolveAccountService and ResolveURLService: a `user@domain`
// by WebFinger, another server's URL by fetching it — an actor or a post
// (with its author and thread) stored like any delivered one, a profile
// page through its ActivityPub alternate. Fetches are signed by the
// instance actor (servers in authorized-fetch mode require it) and have the
// limits of remote-fetch.ts. Failures are "not found", never errors.
import type { Federation } from "@fedify/fedify";
import { isActor } from "@fedify/vocab";
import { findRemoteAccountByUrl } from "../domain/accounts/remote-accounts.ts";
import type { ResolvedResource, Resolver } from "../domain/federation-port.ts";
import { findStatusByUri } from "../domain/statuses/remote-statuses.ts";
import type { FederationEnv } from "./env.ts";
import { knownAccountOfUri, resolveActor, resolveHandle } from "./remote-actor.ts";
import { isNoteLike, resolveStatus } from "./remote-note.ts";
import { fetchObject, httpHref, type FetchContext } from "./remote-object.ts";

export function createResolver(env: FederationEnv, federation: Federation<void>): Resolver {
  const fetchContext = async (): Promise<FetchContext> => {
    const ctx = federation.createContext(new URL(env.urls.base), undefined);
    const documentLoader = await ctx.getDocumentLoader({ identifier: env.instanceIdentifier });
    return { env, documentLoader, contextLoader: ctx.contextLoader };
  };
  const quietly = async <T>(what: string, work: () => Promise<T | null>): Promise<T | null> => {
    try {
      return await work();
    } catch (error) {
      env.logger.info("remote resource not resolved", { what, err: error });
      return null;
    }
  };

  return {
    resolveAccount(username, domain) {
      return quietly(`${username}@${domain}`, async () => {
        const account = await resolveHandle(await fetchContext(), username, domain);
        return account && !account.suspendedAt ? account.id : null;
      });
    },

    resolveUrl(url) {
      return quietly(url, async (): Promise<ResolvedResource | null> => {
        const href = httpHref(url);
        if (!href || href.startsWith(`${env.urls.base}/`)) return null;
        const fc = await fetchContext();
        const known =
          (await knownAccountOfUri(fc, href)) ?? (await findRemoteAccountByUrl(env.db, href));
        if (known) return { type: "accounts", id: known.id };
        const status = await findStatusByUri(env.db, href);
        if (status) return { type: "statuses", id: status.id };
        const object = await fetchObject(fc, href);
        const id = object?.id?.href;
        if (!object || !id) return null;
        if (isActor(object)) {
          const account = await resolveActor(fc, id);
          return account ? { type: "accounts", id: account.id } : null;
        }
        if (isNoteLike(object)) {
          const stored = await resolveStatus(fc, id);
          return stored ? { type: "statuses", id: stored.id } : null;
        }
        return null;
      });
    },
  };
}
