-- Federation (P3): the key pairs local actors sign with, and the key–value
-- store Fedify keeps its caches and idempotence records in.

-- Each local actor's key pairs, made once when first needed
-- (src/federation/keys.ts): RSA-2048 for HTTP Signatures, as Mastodon, and
-- Ed25519 for Object Integrity Proofs (FEP-8b32). PEM (SPKI and PKCS#8), as
-- Mastodon keeps its keys. account_id NULL is the instance actor (/actor).
CREATE TABLE actor_keys (
  account_id bigint REFERENCES accounts (id) ON DELETE CASCADE,
  rsa_public_key text NOT NULL,
  rsa_private_key text NOT NULL,
  ed25519_public_key text NOT NULL,
  ed25519_private_key text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
-- One row per actor, the instance actor included (two concurrent first
-- requests insert with ON CONFLICT DO NOTHING and both read the winner).
CREATE UNIQUE INDEX actor_keys_actor ON actor_keys ((coalesce(account_id, 0)));

-- Fedify's KvStore (src/federation/kv-store.ts): remote documents and keys
-- cached, inbox idempotence, delivery circuit-breaker state. Keys are Fedify's
-- string arrays; an expired row is ignored when read and swept from time to time.
CREATE TABLE federation_kv (
  key text[] PRIMARY KEY,
  value jsonb NOT NULL,
  expires_at timestamptz
);
CREATE INDEX federation_kv_expires_at ON federation_kv (expires_at) WHERE expires_at IS NOT NULL;
