// The media storage the configuration asks for (S3_ENABLED, or DATA_DIR/media).
import path from "node:path";
import type { Config } from "../config.ts";
import { createLocalStorage } from "./local.ts";
import { createS3Storage } from "./s3.ts";
import type { MediaStorage } from "./storage.ts";

export type { MediaStorage, StorageUsage } from "./storage.ts";

/** Where local storage keeps files: DATA_DIR/media. */
export function localMediaRoot(config: Pick<Config, "dataDir">): string {
  return path.join(config.dataDir, "media");
}

export function createMediaStorage(config: Pick<Config, "dataDir" | "media">): MediaStorage {
  return config.media.s3
    ? createS3Storage(config.media.s3)
    : createLocalStorage(localMediaRoot(config));
}
