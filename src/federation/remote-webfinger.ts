// WebFinger lookups of other servers' accounts
// (https://docs.joinmastodon.org/spec/webfinger/), as Mastodon's Webfinger
// class: `acct:user@domain` at https://domain/.well-known/webfinger, the
// `self` link of an ActivityPub type, and the subject's `user@domain`.
// Fedify's own client asks over https only; with ALLOW_PRIVATE_ADDRESS (the
// development setting of two servers on one machine, LOCAL_HTTPS=false)
// Herd asks over http when https cannot be reached. Through fetchJson, so
// with the limits of every remote fetch.
import { fetchJson, type FetchPolicy } from "./remote-fetch.ts";

export interface WebFingerResult {
  /** The subject's `username` and `domain` (they may differ from those asked). */
  username: string;
  domain: string;
  /** The actor URI (the `self` link). */
  actorUri: string;
}

const ACTIVITY_TYPES = new Set([
  "application/activity+json",
  'application/ld+json; profile="https://www.w3.org/ns/activitystreams"',
]);

/** `user@domain` (with or without `@`/`acct:`), split; null when it is not one. */
export function splitAcct(acct: string): { username: string; domain: string } | null {
  const match = /^(?:acct:)?@?([^@\s/]+)@([^@\s/?#]+)$/i.exec(acct.trim());
  if (!match) return null;
  return { username: match[1]!, domain: match[2]!.toLowerCase() };
}

function parse(body: Record<string, unknown>): WebFingerResult | null {
  const subject = typeof body.subject === "string" ? splitAcct(body.subject) : null;
  const links = Array.isArray(body.links) ? (body.links as unknown[]) : [];
  const self = links.find((l): l is { href: string } => {
    if (typeof l !== "object" || l === null) return false;
    const link = l as Record<string, unknown>;
    return (
      link.rel === "self" &&
      typeof link.type === "string" &&
      ACTIVITY_TYPES.has(link.type.replace(/\s+/g, " ")) &&
      typeof link.href === "string"
    );
  });
  if (!subject || !self) return null;
  try {
    const href = new URL(self.href);
    if (href.protocol !== "https:" && href.protocol !== "http:") return null;
    return { ...subject, actorUri: href.href };
  } catch {
    return null;
  }
}

/** Looks `username@domain` up; null when the server does not know it (or cannot be reached). */
export async function lookupWebFinger(
  policy: FetchPolicy,
  username: string,
  domain: string,
): Promise<WebFingerResult | null> {
  const resource = encodeURIComponent(`acct:${username}@${domain}`);
  const schemes = policy.allowPrivateAddress ? ["https", "http"] : ["https"];
  for (const scheme of schemes) {
    let url: URL;
    try {
      url = new URL(`${scheme}://${domain}/.well-known/webfinger?resource=${resource}`);
    } catch {
      return null;
    }
    try {
      const { body } = await fetchJson(url.href, policy, "application/jrd+json, application/json");
      return body ? parse(body) : null;
    } catch {
      // Unreachable over this scheme: try the next one, if any.
    }
  }
  return null;
}
