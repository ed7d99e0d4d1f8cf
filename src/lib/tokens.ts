// Random secrets and their digests. Tokens, client secrets and codes are kept
// only as SHA-256 digests: a leaked database does not leak live credentials.
import { hash, randomBytes, timingSafeEqual } from "node:crypto";

/** A URL-safe random token of `bytes` bytes of entropy (43 characters for 32). */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString("base64url");
}

/** One-shot `crypto.hash`: about a third of createHash's cost, paid by every API request (its token). */
export function sha256(value: string): string {
  return hash("sha256", value, "hex");
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
