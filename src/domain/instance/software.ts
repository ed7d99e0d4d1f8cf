// What Herd says about itself to clients and other servers.
//
// Clients read the Mastodon version to decide which features to offer, so the
// version string leads with the Mastodon release whose API Herd follows; the
// `api_versions.mastodon` number is the finer-grained signal
// (https://docs.joinmastodon.org/entities/Instance/#api-versions). Herd does
// not implement quote posts yet (API version 7, Mastodon 4.5.0), so it
// announces 6.
export const HERD_VERSION = "0.1.0";
export const MASTODON_API_COMPATIBILITY = "4.5.0";
export const MASTODON_API_VERSION = 6;

/** `4.5.0 (compatible; Herd 0.1.0)`: parsed as 4.5.0 by clients, honest for people. */
export const VERSION_STRING = `${MASTODON_API_COMPATIBILITY} (compatible; Herd ${HERD_VERSION})`;

/** The NodeInfo software name: lowercase letters, digits and dashes only. */
export const SOFTWARE_NAME = "herd";

/** Where Herd's source code is published (AGPL section 13). */
export const SOURCE_URL = "https://github.com/herd-social/herd";
