// Passwords are hashed with argon2id (@node-rs/argon2's defaults: m=19 MiB, t=2, p=1,
// OWASP's recommended minimum). Imported lazily: only sign-in and sign-up pay for it.
export async function hashPassword(password: string): Promise<string> {
  const { hash } = await import("@node-rs/argon2");
  return hash(password);
}

export async function verifyPassword(digest: string, password: string): Promise<boolean> {
  const { verify } = await import("@node-rs/argon2");
  try {
    return await verify(digest, password);
  } catch {
    return false;
  }
}
