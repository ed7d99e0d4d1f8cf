// Where media files live: a key-value store of public files, on local disk
// (local.ts) or on S3-compatible object storage (s3.ts). Keys follow
// Mastodon's Paperclip paths (`media_attachments/files/110/357/.../original/
// 0cd99648c23005ed.png`, `accounts/avatars/...`), so that the public URLs
// have Mastodon's shape: `/system/<key>` when Herd serves them, or
// `<S3_ALIAS_HOST>/<key>`. The database keeps the keys; urls.ts turns a key
// into its public URL.

export interface StorageUsage {
  files: number;
  bytes: number;
}

export interface MediaStorage {
  readonly kind: "local" | "s3";
  /** Stores `data` at `key`, replacing what was there. */
  put(key: string, data: Uint8Array, contentType: string): Promise<void>;
  /** The file at `key`, or null when there is none. */
  get(key: string): Promise<Uint8Array | null>;
  /** Removes the files; keys with no file are ignored. */
  delete(keys: readonly string[]): Promise<void>;
  /** How many files, and bytes, are stored under `prefix` (`herd media usage`). */
  usage(prefix: string): Promise<StorageUsage>;
}

/**
 * A key Herd writes: lowercase top folder, then segments of letters, digits,
 * `_`, `-` and `.` that never start with a dot (so no `.` or `..`).
 */
const KEY = /^[a-z0-9_]+(?:\/[A-Za-z0-9_-][A-Za-z0-9_.-]*)+$/;

export function isValidKey(key: string): boolean {
  return key.length <= 512 && KEY.test(key);
}

/** A folder of keys: `media_attachments`, `accounts/avatars`, or "" for all. */
export function isValidPrefix(prefix: string): boolean {
  return prefix === "" || /^[a-z0-9_]+(?:\/[a-z0-9_]+)*$/.test(prefix);
}

export function assertValidKey(key: string): void {
  if (!isValidKey(key)) throw new Error(`invalid storage key: ${JSON.stringify(key)}`);
}

/**
 * How browsers and proxies may keep a stored file: a key is never reused for
 * other content (new uploads get new random names), so files are immutable.
 */
export const IMMUTABLE_CACHE_CONTROL = "public, max-age=31536000, immutable";
