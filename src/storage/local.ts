// Media files on local disk, under DATA_DIR/media, served by Herd at
// /system/<key> (serve-local.ts) as Mastodon's public/system folder is.
// Writes go to a temporary name first and are renamed into place, so a
// reader never sees half a file.
import { randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, rmdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { assertValidKey, isValidPrefix, type MediaStorage, type StorageUsage } from "./storage.ts";

/** The file of `key` under `root`; throws for a key that could leave it. */
export function localPath(root: string, key: string): string {
  assertValidKey(key);
  const full = path.resolve(root, key);
  if (!full.startsWith(path.resolve(root) + path.sep)) throw new Error("key outside the root");
  return full;
}

const isMissing = (error: unknown) => (error as NodeJS.ErrnoException).code === "ENOENT";

async function walk(dir: string, total: StorageUsage): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if (isMissing(error)) return;
    throw error;
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      await walk(full, total);
    } else if (entry.isFile()) {
      total.files++;
      total.bytes += (await stat(full)).size;
    }
  }
}

export function createLocalStorage(root: string): MediaStorage {
  const base = path.resolve(root);

  /** Removes the folders a deletion left empty, up to the root (as Paperclip does). */
  const pruneEmpty = async (dir: string) => {
    while (dir.startsWith(base + path.sep)) {
      try {
        await rmdir(dir);
      } catch {
        return; // not empty, or already gone
      }
      dir = path.dirname(dir);
    }
  };

  return {
    kind: "local",

    async put(key, data) {
      const file = localPath(base, key);
      await mkdir(path.dirname(file), { recursive: true });
      const temporary = `${file}.${randomBytes(6).toString("hex")}.tmp`;
      try {
        await writeFile(temporary, data);
        await rename(temporary, file);
      } catch (error) {
        await rm(temporary, { force: true });
        throw error;
      }
    },

    async get(key) {
      try {
        return await readFile(localPath(base, key));
      } catch (error) {
        if (isMissing(error)) return null;
        throw error;
      }
    },

    async delete(keys) {
      for (const key of keys) {
        const file = localPath(base, key);
        await rm(file, { force: true });
        await pruneEmpty(path.dirname(file));
      }
    },

    async usage(prefix) {
      if (!isValidPrefix(prefix)) throw new Error(`invalid storage prefix: ${prefix}`);
      const total = { files: 0, bytes: 0 };
      await walk(path.join(base, prefix), total);
      return total;
    },
  };
}
