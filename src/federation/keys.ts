// Local actors' key pairs (https://docs.joinmastodon.org/spec/security/):
// an RSA-2048 key for HTTP Signatures, as Mastodon (Fedify's own generator
// makes RSA-4096, which costs several times the CPU for every signature), and
// an Ed25519 key for Object Integrity Proofs (FEP-8b32). Made once, the first
// time an actor needs them, and kept in `actor_keys`; two requests racing to
// make them both insert with ON CONFLICT DO NOTHING and use the row that won.
// Imported keys are cached in memory: they never change.
import { createPrivateKey, createPublicKey, KeyObject, webcrypto } from "node:crypto";
import { sql } from "drizzle-orm";
import type { Db } from "../db/database.ts";
import type { ActorKeysRow } from "../db/schema/index.ts";

type CryptoKeyPair = webcrypto.CryptoKeyPair;

const RSA = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } as const;
const ED25519 = { name: "Ed25519" } as const;

/** The key pairs Fedify signs with, RSA first (its `#main-key`, as Mastodon's). */
export interface ActorKeyPairs {
  rsa: CryptoKeyPair;
  ed25519: CryptoKeyPair;
}

export interface KeyStore {
  /** The key pairs of local account `accountId` (null: the instance actor), made if missing. */
  keysFor(accountId: string | null): Promise<ActorKeyPairs>;
}

/** Cached actors, at most; past that the cache starts again (keys are cheap to re-import). */
const CACHE_LIMIT = 10_000;

interface PemPair {
  publicKey: string;
  privateKey: string;
}

async function generatePems(): Promise<{ rsa: PemPair; ed25519: PemPair }> {
  const pems = async (algorithm: webcrypto.RsaHashedKeyGenParams | { name: "Ed25519" }) => {
    const pair = (await webcrypto.subtle.generateKey(algorithm, true, [
      "sign",
      "verify",
    ])) as CryptoKeyPair;
    return {
      publicKey: KeyObject.from(pair.publicKey).export({ type: "spki", format: "pem" }).toString(),
      privateKey: KeyObject.from(pair.privateKey)
        .export({ type: "pkcs8", format: "pem" })
        .toString(),
    };
  };
  const [rsa, ed25519] = await Promise.all([
    pems({ ...RSA, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) }),
    pems(ED25519),
  ]);
  return { rsa, ed25519 };
}

function importPair(pem: PemPair, algorithm: typeof RSA | typeof ED25519): CryptoKeyPair {
  return {
    publicKey: createPublicKey(pem.publicKey).toCryptoKey(algorithm, true, ["verify"]),
    privateKey: createPrivateKey(pem.privateKey).toCryptoKey(algorithm, true, ["sign"]),
  };
}

type Row = Pick<
  ActorKeysRow,
  "rsaPublicKey" | "rsaPrivateKey" | "ed25519PublicKey" | "ed25519PrivateKey"
>;

function toKeyPairs(row: Row): ActorKeyPairs {
  return {
    rsa: importPair({ publicKey: row.rsaPublicKey, privateKey: row.rsaPrivateKey }, RSA),
    ed25519: importPair(
      { publicKey: row.ed25519PublicKey, privateKey: row.ed25519PrivateKey },
      ED25519,
    ),
  };
}

async function readRow(db: Db, accountId: string | null): Promise<Row | null> {
  const result = await db.execute<{
    rsa_public_key: string;
    rsa_private_key: string;
    ed25519_public_key: string;
    ed25519_private_key: string;
  }>(sql`SELECT rsa_public_key, rsa_private_key, ed25519_public_key, ed25519_private_key
    FROM actor_keys WHERE coalesce(account_id, 0) = coalesce(${accountId}::bigint, 0)`);
  const r = result.rows[0];
  if (!r) return null;
  return {
    rsaPublicKey: r.rsa_public_key,
    rsaPrivateKey: r.rsa_private_key,
    ed25519PublicKey: r.ed25519_public_key,
    ed25519PrivateKey: r.ed25519_private_key,
  };
}

async function loadOrCreate(db: Db, accountId: string | null): Promise<ActorKeyPairs> {
  const existing = await readRow(db, accountId);
  if (existing) return toKeyPairs(existing);
  const { rsa, ed25519 } = await generatePems();
  await db.execute(sql`INSERT INTO actor_keys
      (account_id, rsa_public_key, rsa_private_key, ed25519_public_key, ed25519_private_key)
    VALUES (${accountId}::bigint, ${rsa.publicKey}, ${rsa.privateKey},
      ${ed25519.publicKey}, ${ed25519.privateKey})
    ON CONFLICT ((coalesce(account_id, 0))) DO NOTHING`);
  const row = await readRow(db, accountId);
  if (!row) throw new Error(`actor keys of ${accountId ?? "the instance actor"} vanished`);
  return toKeyPairs(row);
}

export function createKeyStore(db: Db): KeyStore {
  const cache = new Map<string, Promise<ActorKeyPairs>>();
  return {
    keysFor(accountId) {
      const key = accountId ?? "instance";
      let pending = cache.get(key);
      if (!pending) {
        if (cache.size >= CACHE_LIMIT) cache.clear();
        pending = loadOrCreate(db, accountId);
        cache.set(key, pending);
        // A failure (a database error) is not remembered.
        pending.catch(() => cache.delete(key));
      }
      return pending;
    },
  };
}
