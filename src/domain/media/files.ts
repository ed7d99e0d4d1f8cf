// Writing and deleting the files of a row. Files are written before the row
// that names them, and deleted by a job sent in the transaction that removes
// the row: a committed row never names a missing file, and a removal that
// commits always deletes its files, even if the process dies right after.
import type { DbOrTx } from "../../db/database.ts";
import type { MediaStorage } from "../../storage/storage.ts";
import { MEDIA_JOBS, type MediaContext } from "./context.ts";

export interface FileToStore {
  key: string;
  data: Uint8Array;
  contentType: string;
}

/** Stores every file, or none: on a failure the ones already written are removed. */
export async function storeFiles(storage: MediaStorage, files: FileToStore[]): Promise<void> {
  const done: string[] = [];
  try {
    for (const file of files) {
      await storage.put(file.key, file.data, file.contentType);
      done.push(file.key);
    }
  } catch (error) {
    await storage.delete(done).catch(() => undefined);
    throw error;
  }
}

/** Runs `work` (which inserts the rows naming `files`); if it fails, the files go. */
export async function withStoredFiles<T>(
  storage: MediaStorage,
  files: FileToStore[],
  work: () => Promise<T>,
): Promise<T> {
  await storeFiles(storage, files);
  try {
    return await work();
  } catch (error) {
    await storage.delete(files.map((f) => f.key)).catch(() => undefined);
    throw error;
  }
}

/** Queues the deletion of `keys` in `tx` (nulls and duplicates skipped). */
export async function discardFiles(
  ctx: Pick<MediaContext, "jobs">,
  tx: DbOrTx,
  keys: readonly (string | null | undefined)[],
): Promise<void> {
  const unique = [...new Set(keys.filter((k): k is string => typeof k === "string" && k !== ""))];
  if (unique.length > 0) await ctx.jobs.send(MEDIA_JOBS.removeFiles, { keys: unique }, { tx });
}
