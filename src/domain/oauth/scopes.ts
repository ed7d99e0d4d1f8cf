// OAuth scopes as Mastodon defines them
// (https://docs.joinmastodon.org/api/oauth-scopes/). A granular scope is
// granted by its top-level scope (`read` grants `read:accounts`); the legacy
// `follow` scope grants the follow, block and mute scopes.
export const TOP_LEVEL_SCOPES = ["read", "write", "follow", "push", "profile"] as const;

export const GRANULAR_SCOPES = [
  "read:accounts",
  "read:blocks",
  "read:bookmarks",
  "read:collections",
  "read:favourites",
  "read:filters",
  "read:follows",
  "read:lists",
  "read:mutes",
  "read:notifications",
  "read:search",
  "read:statuses",
  "write:accounts",
  "write:blocks",
  "write:bookmarks",
  "write:collections",
  "write:conversations",
  "write:favourites",
  "write:filters",
  "write:follows",
  "write:lists",
  "write:media",
  "write:mutes",
  "write:notifications",
  "write:reports",
  "write:statuses",
  "admin:read",
  "admin:read:accounts",
  "admin:read:reports",
  "admin:read:domain_allows",
  "admin:read:domain_blocks",
  "admin:read:ip_blocks",
  "admin:read:email_domain_blocks",
  "admin:read:canonical_email_blocks",
  "admin:write",
  "admin:write:accounts",
  "admin:write:reports",
  "admin:write:domain_allows",
  "admin:write:domain_blocks",
  "admin:write:ip_blocks",
  "admin:write:email_domain_blocks",
  "admin:write:canonical_email_blocks",
] as const;

export const ALL_SCOPES: ReadonlySet<string> = new Set<string>([
  ...TOP_LEVEL_SCOPES,
  ...GRANULAR_SCOPES,
]);

const FOLLOW_GRANTS = new Set([
  "read:follows",
  "write:follows",
  "read:blocks",
  "write:blocks",
  "read:mutes",
  "write:mutes",
]);

/** Splits a space-separated scope string (also accepting `+`, as some clients send). */
export function parseScopes(value: string | undefined | null): string[] {
  if (!value) return [];
  return [...new Set(value.split(/[\s+]+/).filter(Boolean))];
}

export function invalidScopes(scopes: string[]): string[] {
  return scopes.filter((s) => !ALL_SCOPES.has(s));
}

/** Whether a token holding `held` may do what `required` names. */
export function grants(held: readonly string[], required: string): boolean {
  if (held.includes(required)) return true;
  if (required.startsWith("admin:")) {
    // admin:read:accounts is granted by admin:read.
    const parts = required.split(":");
    return parts.length === 3 && held.includes(`${parts[0]}:${parts[1]}`);
  }
  const [top] = required.split(":");
  if (top && top !== required && held.includes(top)) return true;
  return FOLLOW_GRANTS.has(required) && held.includes("follow");
}

/** True when every scope of `requested` lies within `allowed` (an app's registered scopes). */
export function withinScopes(allowed: readonly string[], requested: readonly string[]): boolean {
  return requested.every((s) => grants(allowed, s));
}

/** What an app or authorization gets when it names no scope (Doorkeeper's default_scopes). */
export const DEFAULT_SCOPES: readonly string[] = ["read"];

/**
 * Every scope in the order Mastodon's Doorkeeper configuration lists them
 * (default scopes, then optional ones), as /.well-known/oauth-authorization-server
 * shows them.
 */
export const SCOPES_SUPPORTED: readonly string[] = [
  "read",
  "profile",
  "write",
  ...GRANULAR_SCOPES.filter((s) => s.startsWith("write:")),
  ...GRANULAR_SCOPES.filter((s) => s.startsWith("read:")),
  "follow",
  "push",
  ...GRANULAR_SCOPES.filter((s) => s.startsWith("admin:")),
];

/**
 * The scopes of a request that named none: the default scopes the app was
 * registered with (Doorkeeper's `default_scopes & client.scopes`).
 */
export function defaultScopesFor(appScopes: readonly string[]): string[] {
  return DEFAULT_SCOPES.filter((s) => appScopes.includes(s));
}
