// WebFinger (https://docs.joinmastodon.org/spec/webfinger/), served by
// Fedify from the actor dispatcher: `acct:user@LOCAL_DOMAIN` (or
// @WEB_DOMAIN), the actor URI, and the profile URL (/@user) as Mastodon's
// WebfingerController takes them; the instance actor answers to its domain
// as username (and to `mastodon.internal` when the domain has a port,
// local-actor.ts). The links are Fedify's (`self`, the profile page, the avatar)
// and Mastodon's remote-follow template.
import type { ActorCallbackSetters, Federation } from "@fedify/fedify";
import type { FederationEnv } from "./env.ts";
import { findLocalAccount, instanceActorUsername } from "./local-actor.ts";

const SUBSCRIBE = "http://ostatus.org/schema/1.0/subscribe";

export function registerWebFinger(
  federation: Federation<void>,
  actors: ActorCallbackSetters<void>,
  env: FederationEnv,
): void {
  const { localDomain, webDomain } = env.config;
  const instanceNames = new Set([localDomain, webDomain, instanceActorUsername(env)]);

  actors
    .mapHandle(async (_ctx, username) => {
      if (instanceNames.has(username.toLowerCase())) return env.instanceIdentifier;
      return (await findLocalAccount(env, username))?.username ?? null;
    })
    .mapAlias(async (_ctx, resource) => {
      if (resource.host !== webDomain && resource.host !== localDomain) return null;
      const profile = /^\/@([^/]+)$/.exec(resource.pathname);
      return profile ? { username: decodeURIComponent(profile[1]!) } : null;
    });

  federation.setWebFingerLinksDispatcher((ctx, resource) => {
    const instanceActor = ctx.getActorUri(env.instanceIdentifier).href;
    const isInstance =
      resource.href === instanceActor ||
      [...instanceNames].some((name) =>
        [localDomain, webDomain].some((d) => resource.href.toLowerCase() === `acct:${name}@${d}`),
      );
    if (isInstance) return [];
    return [{ rel: SUBSCRIBE, template: `${env.urls.base}/authorize_interaction?uri={uri}` }];
  });
}
