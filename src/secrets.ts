// Secrets that the operator did not set are generated once and kept in
// DATA_DIR/secrets.json (mode 0600), so that restarts keep sessions and the
// embedded database's password.
import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";

export interface Secrets {
  secretKeyBase: string;
  postgresPassword: string;
}

export async function loadSecrets(dataDir: string): Promise<Secrets> {
  const file = path.join(dataDir, "secrets.json");
  let stored: Partial<Secrets> = {};
  try {
    stored = JSON.parse(await readFile(file, "utf8")) as Partial<Secrets>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
      throw new Error(`${file} is unreadable or not JSON; fix or remove it`, { cause: error });
    }
  }
  const secrets: Secrets = {
    secretKeyBase: stored.secretKeyBase ?? randomBytes(64).toString("hex"),
    postgresPassword: stored.postgresPassword ?? randomBytes(24).toString("base64url"),
  };
  if (
    secrets.secretKeyBase !== stored.secretKeyBase ||
    secrets.postgresPassword !== stored.postgresPassword
  ) {
    await mkdir(dataDir, { recursive: true, mode: 0o755 });
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(secrets, null, 2) + "\n", { mode: 0o600 });
    await rename(tmp, file);
  }
  return secrets;
}
