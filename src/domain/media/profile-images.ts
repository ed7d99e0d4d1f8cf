// Avatars and headers (PATCH /api/v1/accounts/update_credentials, DELETE
// /api/v1/profile/avatar and /header), as Mastodon's Account::Avatar and
// Account::Header: JPEG, PNG, GIF or WebP under 8 MB; avatars cropped to
// fill 400x400, headers reduced to at most 1500x500's pixels (750,000),
// animation kept; a GIF or animated image also gets a `static` style, its
// first frame as PNG (avatar_static, header_static).
//
// The accounts table keeps, in avatar_url / avatar_static_url / header_url /
// header_static_url, either a storage key (a local upload, turned into a URL
// by urls.ts) or an absolute URL (a remote account's image).
import { eq } from "drizzle-orm";
import { accounts, type AccountRow } from "../../db/schema/index.ts";
import { isValidKey } from "../../storage/storage.ts";
import { addError, type Details, validationError } from "../accounts/create-local-account.ts";
import { notFound, unprocessable } from "../errors.ts";
import { emit } from "../events/emit.ts";
import type { MediaContext } from "./context.ts";
import type { DetectedType } from "./detect-type.ts";
import { discardFiles, type FileToStore } from "./files.ts";
import {
  DimensionsError,
  ImageUnreadable,
  inspectImage,
  renderImage,
  type OutputFormat,
  type RenderOptions,
} from "./image.ts";
import { fileKey, newFileName } from "./keys.ts";
import { checkUpload } from "./validation.ts";

export type ProfileImageKind = "avatar" | "header";

/** Account::Avatar::AVATAR_LIMIT and Account::Header::HEADER_LIMIT with libvips. */
export const PROFILE_IMAGE_LIMIT = 8 * 1024 * 1024;
export const AVATAR_SIZE = 400;
export const HEADER_PIXELS = 1500 * 500;

const ACCEPTED: Record<string, OutputFormat> = {
  "image/jpeg": "jpeg",
  "image/png": "png",
  "image/gif": "gif",
  "image/webp": "webp",
};

/** The columns of one image: storage keys. */
export interface ProfileImageColumns {
  url: string;
  staticUrl: string | null;
}

export interface PreparedProfileImages {
  avatar?: ProfileImageColumns;
  header?: ProfileImageColumns;
  /** To store before the account row names them. */
  files: FileToStore[];
}

async function processOne(
  accountId: string,
  kind: ProfileImageKind,
  data: Uint8Array,
  type: DetectedType,
): Promise<{ columns: ProfileImageColumns; files: FileToStore[] }> {
  const info = await inspectImage(data, type);
  const format = ACCEPTED[type.mime]!;
  const sizing: Omit<RenderOptions, "format"> =
    kind === "avatar"
      ? { cover: { width: AVATAR_SIZE, height: AVATAR_SIZE } }
      : { pixels: HEADER_PIXELS };
  const folder = kind === "avatar" ? "accounts/avatars" : "accounts/headers";
  const original = await renderImage(data, info, { ...sizing, format, animated: true });
  const name = newFileName(original.ext);
  const files: FileToStore[] = [
    {
      key: fileKey(folder, accountId, "original", name),
      data: original.data,
      contentType: original.contentType,
    },
  ];
  if (type.mime === "image/gif" || info.pages > 1) {
    const still = await renderImage(data, info, { ...sizing, format: "png", animated: false });
    files.push({
      key: fileKey(folder, accountId, "static", name.replace(/\.\w+$/, ".png")),
      data: still.data,
      contentType: still.contentType,
    });
  }
  return { columns: { url: files[0]!.key, staticUrl: files[1]?.key ?? null }, files };
}

/**
 * Checks and processes the avatar and header of an update (nothing is
 * stored yet); 422 with Mastodon's messages for a wrong type, a file too
 * large, too many pixels or an unreadable image.
 */
export async function prepareProfileImages(
  accountId: string,
  uploads: { avatar?: Uint8Array | null; header?: Uint8Array | null },
): Promise<PreparedProfileImages> {
  const details: Details = {};
  const types: Partial<Record<ProfileImageKind, DetectedType>> = {};
  for (const kind of ["avatar", "header"] as const) {
    const type = checkUpload(details, kind, uploads[kind], {
      required: false,
      accept: (t) => t.mime in ACCEPTED,
      limit: () => PROFILE_IMAGE_LIMIT,
    });
    if (type) types[kind] = type;
  }
  if (Object.keys(details).length > 0) throw validationError(details);

  const prepared: PreparedProfileImages = { files: [] };
  for (const kind of ["avatar", "header"] as const) {
    const data = uploads[kind];
    const type = types[kind];
    if (!data || !type) continue;
    try {
      const { columns, files } = await processOne(accountId, kind, data, type);
      prepared[kind] = columns;
      prepared.files.push(...files);
    } catch (error) {
      if (error instanceof DimensionsError) throw unprocessable(error.message);
      if (error instanceof ImageUnreadable) {
        const invalid: Details = {};
        addError(invalid, kind, "ERR_INVALID", "is invalid");
        throw validationError(invalid);
      }
      throw error;
    }
  }
  return prepared;
}

/** Whether a column holds a local upload's storage key (not a remote URL). */
export const isStoredKey = (value: string | null | undefined): value is string =>
  typeof value === "string" && isValidKey(value);

const IMAGE_COLUMNS = ["avatarUrl", "avatarStaticUrl", "headerUrl", "headerStaticUrl"] as const;

/** The stored files an account update stops naming (to delete once it commits). */
export function replacedProfileFiles(
  before: Pick<AccountRow, (typeof IMAGE_COLUMNS)[number]>,
  changes: Partial<Pick<AccountRow, (typeof IMAGE_COLUMNS)[number]>>,
): string[] {
  return IMAGE_COLUMNS.filter((c) => c in changes && changes[c] !== before[c])
    .map((c) => before[c])
    .filter(isStoredKey);
}

/** DELETE /api/v1/profile/avatar and /header: back to the default image. */
export async function removeProfileImage(
  ctx: Pick<MediaContext, "db" | "jobs">,
  accountId: string,
  kind: ProfileImageKind,
): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    const [current] = await tx
      .select()
      .from(accounts)
      .where(eq(accounts.id, accountId))
      .for("update")
      .limit(1);
    if (!current) throw notFound();
    const changes =
      kind === "avatar"
        ? { avatarUrl: null, avatarStaticUrl: null }
        : { headerUrl: null, headerStaticUrl: null };
    const replaced = replacedProfileFiles(current, changes);
    if (current[kind === "avatar" ? "avatarUrl" : "headerUrl"] === null) return;
    await tx
      .update(accounts)
      .set({ ...changes, updatedAt: new Date() })
      .where(eq(accounts.id, accountId));
    await discardFiles(ctx, tx, replaced);
    await emit(tx, { type: "account.updated", accountId });
  });
}
