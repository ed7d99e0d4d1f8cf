// Hashtags of local statuses, as Mastodon's ProcessHashtagsService, Tag and
// HashtagNormalizer:
// - a tag's `name` is the normalised form (NFKC, lower case, Latin letters
//   folded to ASCII as Mastodon's ASCIIFolding table does, only letters,
//   marks, digits and the hashtag separators);
//   `display_name` keeps the form first written;
// - a status's tags are replaced by the tags of its current text;
// - the author's featured tags count their public and unlisted statuses;
// - a tag an admin made unusable cannot be posted (DisallowedHashtagsValidator).
import { and, eq, inArray, sql } from "drizzle-orm";
import type { DbOrTx } from "../../db/database.ts";
import {
  featuredTags,
  statusesTags,
  tags,
  type StatusRow,
  type TagRow,
} from "../../db/schema/index.ts";
import { newId } from "../../lib/ids.ts";
import { extractHashtagNames } from "../../lib/text-to-html.ts";

/** Tag::HASHTAG_SEPARATORS. */
const SEPARATORS = "_\u00B7\u30FB\u200C";
/**
 * Tag::HASHTAG_INVALID_CHARS_RE: anything but Ruby's [[:alnum:]] (letters,
 * marks, decimal digits), the Thai marks U+0E47 to U+0E4E and the separators.
 */
const INVALID = new RegExp(`[^\\p{L}\\p{M}\\p{Nd}\\u0E47-\\u0E4E${SEPARATORS}]`, "gu");

/**
 * Mastodon's ASCIIFolding (app/lib/ascii_folding.rb): these Latin letters,
 * and only these, become the ASCII letter at the same place in FOLDED.
 * Letters outside the table (ǎ, ẞ, ệ, ...) are kept as they are.
 */
const FOLDABLE =
  "ÀÁÂÃÄÅàáâãäåĀāĂăĄąÇçĆćĈĉĊċČčÐðĎďĐđÈÉÊËèéêëĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĦħÌÍÎÏìíîïĨĩĪīĬĭĮįİıĴĵĶķĸĹĺĻļĽľĿŀŁłÑñŃńŅņŇňŉŊŋÒÓÔÕÖØòóôõöøŌōŎŏŐőŔŕŖŗŘřŚśŜŝŞşŠšſŢţŤťŦŧÙÚÛÜùúûüŨũŪūŬŭŮůŰűŲųŴŵÝýÿŶŷŸŹźŻżŽž";
const FOLDED =
  "AAAAAAaaaaaaAaAaAaCcCcCcCcCcDdDdDdEEEEeeeeEeEeEeEeEeGgGgGgGgHhHhIIIIiiiiIiIiIiIiIiJjKkkLlLlLlLlLlNnNnNnNnnNnOOOOOOooooooOoOoOoRrRrRrSsSsSsSssTtTtTtUUUUuuuuUuUuUuUuUuUuWwYyyYyYZzZzZz";
const FOLDING: ReadonlyMap<string, string> = new Map(
  [...FOLDABLE].map((ch, i) => [ch, FOLDED[i]!]),
);
const FOLDABLE_RE = new RegExp(`[${FOLDABLE}]`, "gu");

/** ASCIIFolding#fold. */
function asciiFold(text: string): string {
  return text.replace(FOLDABLE_RE, (ch) => FOLDING.get(ch) ?? ch);
}

/**
 * HashtagNormalizer#normalize: NFKC (full-width letters), lower case, ASCII
 * folding, then only what a tag may hold.
 */
export function normalizeTagName(name: string): string {
  return asciiFold(name.normalize("NFKC").toLowerCase()).replace(INVALID, "");
}

/** The display form of a tag: as written, without what no tag may hold. */
function displayName(name: string): string {
  return name.replace(INVALID, "");
}

/** The hashtags of a text, normalised and without duplicates, each with the form first written. */
export function hashtagsOf(text: string): { name: string; displayName: string }[] {
  const seen = new Map<string, string>();
  for (const raw of extractHashtagNames(text)) {
    const name = normalizeTagName(raw);
    if (name !== "" && !seen.has(name)) seen.set(name, displayName(raw));
  }
  return [...seen].map(([name, display]) => ({ name, displayName: display }));
}

/** The names among `text`'s hashtags an admin made unusable (DisallowedHashtagsValidator). */
export async function disallowedHashtags(tx: DbOrTx, text: string): Promise<string[]> {
  const names = hashtagsOf(text).map((t) => t.name);
  if (names.length === 0) return [];
  const rows = await tx
    .select({ name: tags.name })
    .from(tags)
    .where(and(inArray(tags.name, names), eq(tags.usable, false)));
  return rows.map((r) => r.name);
}

/** Finds or makes the tags of `wanted` (Tag.find_or_create_by_names). */
export async function findOrCreateTags(
  tx: DbOrTx,
  wanted: { name: string; displayName: string }[],
): Promise<TagRow[]> {
  if (wanted.length === 0) return [];
  await tx
    .insert(tags)
    .values(wanted.map((t) => ({ id: newId(), name: t.name, displayName: t.displayName })))
    .onConflictDoNothing({ target: tags.name });
  return tx
    .select()
    .from(tags)
    .where(
      inArray(
        tags.name,
        wanted.map((t) => t.name),
      ),
    );
}

const distributable = (s: StatusRow) => s.visibility === "public" || s.visibility === "unlisted";

/** Moves the author's featured tags of `tagIds` by `delta` for a public or unlisted status. */
async function updateFeaturedTags(
  tx: DbOrTx,
  status: StatusRow,
  tagIds: string[],
  delta: 1 | -1,
): Promise<void> {
  if (tagIds.length === 0 || !distributable(status)) return;
  const where = and(
    eq(featuredTags.accountId, status.accountId),
    inArray(featuredTags.tagId, tagIds),
  );
  if (delta === 1) {
    await tx
      .update(featuredTags)
      .set({
        statusesCount: sql`${featuredTags.statusesCount} + 1`,
        lastStatusAt: sql`greatest(${featuredTags.lastStatusAt}, ${status.createdAt.toISOString()}::timestamptz)`,
        updatedAt: new Date(),
      })
      .where(where);
    return;
  }
  // FeaturedTag#decrement: the last status is found again among the others.
  await tx
    .update(featuredTags)
    .set({
      statusesCount: sql`greatest(${featuredTags.statusesCount} - 1, 0)`,
      lastStatusAt: sql`(SELECT max(s.created_at) FROM statuses s
        JOIN statuses_tags st ON st.status_id = s.id AND st.tag_id = featured_tags.tag_id
        WHERE s.account_id = featured_tags.account_id AND s.id <> ${status.id}::bigint
          AND s.deleted_at IS NULL AND s.visibility IN ('public', 'unlisted'))`,
      updatedAt: new Date(),
    })
    .where(where);
}

/**
 * Makes the tags of `status` those of its text (ProcessHashtagsService): adds
 * and removes statuses_tags rows, keeps the author's featured tags counted
 * and the tags' last use up to date.
 */
export async function syncStatusTags(tx: DbOrTx, status: StatusRow): Promise<void> {
  const current = await findOrCreateTags(tx, hashtagsOf(status.text));
  const previous = await tx
    .select({ tagId: statusesTags.tagId })
    .from(statusesTags)
    .where(eq(statusesTags.statusId, status.id));
  const currentIds = new Set(current.map((t) => t.id));
  const previousIds = new Set(previous.map((p) => p.tagId));
  const added = [...currentIds].filter((id) => !previousIds.has(id));
  const removed = [...previousIds].filter((id) => !currentIds.has(id));
  if (removed.length > 0) {
    await tx
      .delete(statusesTags)
      .where(and(eq(statusesTags.statusId, status.id), inArray(statusesTags.tagId, removed)));
  }
  if (added.length > 0) {
    await tx
      .insert(statusesTags)
      .values(added.map((tagId) => ({ statusId: status.id, tagId })))
      .onConflictDoNothing();
    await tx
      .update(tags)
      .set({
        lastStatusAt: sql`greatest(${tags.lastStatusAt}, ${status.createdAt.toISOString()}::timestamptz)`,
      })
      .where(inArray(tags.id, added));
  }
  await updateFeaturedTags(tx, status, added, 1);
  await updateFeaturedTags(tx, status, removed, -1);
}

/** A deleted status leaves its author's featured tags (RemoveStatusService). */
export async function untagDeletedStatus(tx: DbOrTx, status: StatusRow): Promise<void> {
  const rows = await tx
    .select({ tagId: statusesTags.tagId })
    .from(statusesTags)
    .where(eq(statusesTags.statusId, status.id));
  await updateFeaturedTags(
    tx,
    status,
    rows.map((r) => r.tagId),
    -1,
  );
}
