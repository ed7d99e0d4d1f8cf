// What the client API may ask of federation without knowing it: resolving
// a `user@domain` handle or another server's URL into an account or status
// Herd stores (fetching and storing it when it is new). Implemented by
// src/federation/resolver.ts; the composition root (src/main.ts,
// test/kit/instance.ts) hands it over in Deps, so that src/mastodon never
// imports src/federation (ARCHITECTURE.md, "Layers").

/** What a URL named, once stored. */
export type ResolvedResource = { type: "accounts"; id: string } | { type: "statuses"; id: string };

export interface Resolver {
  /**
   * The account of `username@domain` (another server's), by WebFinger when
   * it is unknown or stale (ResolveAccountService); null when it cannot be found.
   */
  resolveAccount(username: string, domain: string): Promise<string | null>;
  /** The status or actor at `url` on another server (ResolveURLService), fetched if unknown. */
  resolveUrl(url: string): Promise<ResolvedResource | null>;
}
