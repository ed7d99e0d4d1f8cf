// What every inbox listener shares. Fedify has checked the delivery's
// signature and that its signer owns the activity's `actor`; each listener
// then works for that actor only (the account it is stored as), as Mastodon's
// ActivityPub::Activity does with @account: the objects it names must be its
// own (same origin) where Mastodon requires it, and whatever is not allowed
// is dropped with a log line, never half-written. Errors of Herd's own
// (the database) are thrown, so that Fedify tries the activity again later.
import type { DocumentLoader, InboxContext } from "@fedify/fedify";
import type { Activity } from "@fedify/vocab";
import type { AccountRow } from "../../db/schema/index.ts";
import type { Logger } from "../../logger.ts";
import type { FederationEnv } from "../env.ts";
import { resolveActor } from "../remote-actor.ts";
import { httpHref, type FetchContext } from "../remote-object.ts";

export interface Incoming {
  env: FederationEnv;
  ctx: InboxContext<void>;
  fc: FetchContext;
  /** The sender, stored as a remote account. */
  actor: AccountRow & { uri: string };
  logger: Logger;
}

/** Activities still handled from an account its server (or Herd) suspended. */
const WHEN_SUSPENDED = new Set(["Delete", "Update", "Undo", "Reject"]);

/** A loader that fetches nothing: embedded objects only (getObject with crossOrigin "trust"). */
export const embeddedOnly: DocumentLoader = (url) =>
  Promise.reject(new Error(`${url} is not embedded`));

/** Fedify's listener for `type`, around `handle` (which gets the sender's account). */
export function listener<T extends Activity>(
  env: FederationEnv,
  type: string,
  handle: (incoming: Incoming, activity: T) => Promise<void>,
) {
  const logger = env.logger.child({ component: "inbox", activity: type });
  return async (ctx: InboxContext<void>, activity: T): Promise<void> => {
    const actorUri = httpHref(activity.actorId);
    const fc: FetchContext = {
      env,
      documentLoader: ctx.documentLoader,
      contextLoader: ctx.contextLoader,
    };
    const actor = actorUri ? await resolveActor(fc, actorUri) : null;
    const log = { id: activity.id?.href, actor: actorUri };
    if (!actor?.uri) {
      logger.info("activity from an actor that cannot be had", log);
      return;
    }
    if (actor.suspendedAt && !WHEN_SUSPENDED.has(type)) {
      logger.info("activity from a suspended account", log);
      return;
    }
    await handle({ env, ctx, fc, actor: { ...actor, uri: actor.uri }, logger }, activity);
  };
}

/** Logs why an activity was dropped. */
export function dropped(incoming: Incoming, activity: Activity, reason: string): void {
  incoming.logger.info(`activity dropped: ${reason}`, {
    id: activity.id?.href,
    actor: incoming.actor.uri,
  });
}
