// PATCH /api/v1/accounts/update_credentials: the profile and posting defaults
// a user edits, validated as Mastodon's Account model and UserSettings
// (https://docs.joinmastodon.org/methods/accounts/#update_credentials).
// The bio and field values are kept as typed (note_source, fields[].source)
// and as HTML rendered once here, as Mastodon's TextFormatter renders them.
import { and, eq, inArray, isNull, sql } from "drizzle-orm";
import type { Db, DbOrTx } from "../../db/database.ts";
import {
  accounts,
  users,
  type AccountField,
  type AccountRow,
  type UserRow,
  type UserSettings,
} from "../../db/schema/index.ts";
import { countableLength, extractMentions, textToHtml } from "../../lib/text-to-html.ts";
import type { Urls } from "../../urls.ts";
import { notFound } from "../errors.ts";
import { emit } from "../events/emit.ts";
import { replacedProfileFiles, type ProfileImageColumns } from "../media/profile-images.ts";
import { addError, validationError, type Details } from "./create-local-account.ts";

export const DISPLAY_NAME_MAX = 30;
export const NOTE_MAX = 500;
export const FIELDS_MAX = 4;
/** Account::Field::MAX_CHARACTERS_LOCAL: longer names and values are cut, not refused. */
export const FIELD_CHARACTERS_MAX = 255;
export const PRIVACY_VALUES = ["public", "unlisted", "private"] as const;
export const QUOTE_POLICY_VALUES = ["public", "followers", "nobody"] as const;

export interface ProfileChanges {
  displayName?: string;
  note?: string;
  locked?: boolean;
  bot?: boolean;
  discoverable?: boolean;
  hideCollections?: boolean;
  indexable?: boolean;
  /** Replaces all fields; pairs with a blank name and value are dropped. */
  fields?: { name?: string; value?: string }[];
  privacy?: string;
  sensitive?: boolean;
  /** An ISO 639 code, or "" to clear it. */
  language?: string;
  quotePolicy?: string;
  /** New images, processed and stored already (domain/media/profile-images.ts). */
  avatar?: ProfileImageColumns;
  header?: ProfileImageColumns;
}

export interface UpdateProfileOptions {
  /** Queues the deletion of the files of replaced images, in the update's transaction. */
  discardFiles?: (tx: DbOrTx, keys: string[]) => Promise<void>;
}

/** How profile text is rendered: link targets and what counts as this server. */
export interface FormatContext {
  urls: Urls;
  /** LOCAL_DOMAIN and WEB_DOMAIN: @user@these is a local mention. */
  localDomains: string[];
}

const cut = (s: string, max: number) => [...s.trim()].slice(0, max).join("");

/**
 * Renders bios and field values in one go: mentioned local accounts are
 * looked up in a single query. Remote mentions stay text until Herd federates.
 */
export async function renderProfileTexts(
  db: Db,
  ctx: FormatContext,
  texts: { text: string; multiline: boolean; relMe: boolean }[],
): Promise<string[]> {
  const names = new Set<string>();
  for (const t of texts) {
    for (const m of extractMentions(t.text, ctx.localDomains)) {
      if (m.domain === null) names.add(m.username.toLowerCase());
    }
  }
  const found = new Map<string, string>();
  if (names.size > 0) {
    const rows = await db
      .select({ username: accounts.username })
      .from(accounts)
      .where(and(isNull(accounts.domain), inArray(sql`lower(${accounts.username})`, [...names])));
    for (const r of rows) found.set(r.username.toLowerCase(), r.username);
  }
  return texts.map((t) =>
    textToHtml(t.text, {
      tagUrl: ctx.urls.tag,
      localDomains: ctx.localDomains,
      multiline: t.multiline,
      relMe: t.relMe,
      mention: (username, domain) => {
        const stored = domain === null ? found.get(username.toLowerCase()) : undefined;
        return stored ? { username: stored, url: ctx.urls.profile(stored) } : null;
      },
    }),
  );
}

export async function updateProfile(
  db: Db,
  ctx: FormatContext,
  userId: string,
  changes: ProfileChanges,
  options: UpdateProfileOptions = {},
): Promise<{ account: AccountRow; user: UserRow }> {
  const [current] = await db
    .select({ account: accounts, user: users })
    .from(users)
    .innerJoin(accounts, eq(accounts.id, users.accountId))
    .where(eq(users.id, userId))
    .limit(1);
  if (!current) throw notFound();

  const details: Details = {};
  const displayName = changes.displayName?.trim();
  if (displayName !== undefined && [...displayName].length > DISPLAY_NAME_MAX) {
    addError(details, "display_name", "ERR_TOO_LONG", "is too long (maximum is 30 characters)");
  }
  const note = changes.note?.trim();
  if (note !== undefined && countableLength(note) > NOTE_MAX) {
    addError(details, "note", "ERR_TOO_LONG", "is too long (maximum is 500 characters)");
  }
  let fields: { name: string; value: string; verifiedAt: string | null }[] | undefined;
  if (changes.fields !== undefined) {
    fields = changes.fields
      .filter((f) => (f.name ?? "").trim() !== "" || (f.value ?? "").trim() !== "")
      .map((f) => {
        const value = cut(f.value ?? "", FIELD_CHARACTERS_MAX);
        // A verified link stays verified while its value is unchanged.
        const previous = current.account.fields.find((p) => (p.source ?? p.value) === value);
        return {
          name: cut(f.name ?? "", FIELD_CHARACTERS_MAX),
          value,
          verifiedAt: previous?.verified_at ?? null,
        };
      });
    if (fields.length > FIELDS_MAX) {
      addError(details, "fields", "ERR_TOO_LONG", "is too long (maximum is 4 characters)");
    }
    if (fields.some((f) => f.name === "" && f.value !== "")) {
      addError(
        details,
        "fields",
        "ERR_FIELDS_WITH_VALUES_MISSING_LABELS",
        "contains values with missing labels",
      );
    }
  }
  if (
    changes.privacy !== undefined &&
    !(PRIVACY_VALUES as readonly string[]).includes(changes.privacy)
  ) {
    addError(details, "privacy", "ERR_INCLUSION", "is not included in the list");
  }
  if (
    changes.quotePolicy !== undefined &&
    !(QUOTE_POLICY_VALUES as readonly string[]).includes(changes.quotePolicy)
  ) {
    addError(details, "quote_policy", "ERR_INCLUSION", "is not included in the list");
  }
  if (changes.language && !/^[a-z]{2,3}$/i.test(changes.language)) {
    addError(details, "language", "ERR_INCLUSION", "is not included in the list");
  }
  if (Object.keys(details).length > 0) throw validationError(details);

  const account: Partial<typeof accounts.$inferInsert> = {};
  if (displayName !== undefined) account.displayName = displayName;
  if (changes.locked !== undefined) account.locked = changes.locked;
  if (changes.bot !== undefined) account.bot = changes.bot;
  if (changes.discoverable !== undefined) account.discoverable = changes.discoverable;
  if (changes.hideCollections !== undefined) account.hideCollections = changes.hideCollections;
  if (changes.indexable !== undefined) account.indexable = changes.indexable;
  if (changes.avatar) {
    account.avatarUrl = changes.avatar.url;
    account.avatarStaticUrl = changes.avatar.staticUrl;
  }
  if (changes.header) {
    account.headerUrl = changes.header.url;
    account.headerStaticUrl = changes.header.staticUrl;
  }

  if (note !== undefined || fields !== undefined) {
    const texts = [
      ...(note !== undefined ? [{ text: note, multiline: true, relMe: false }] : []),
      ...(fields ?? []).map((f) => ({ text: f.value, multiline: false, relMe: true })),
    ];
    const html = await renderProfileTexts(db, ctx, texts);
    if (note !== undefined) {
      account.noteSource = note;
      account.note = html.shift() ?? "";
    }
    if (fields !== undefined) {
      account.fields = fields.map((f, i): AccountField => ({
        name: f.name,
        value: html[i] ?? "",
        source: f.value,
        verified_at: f.verifiedAt,
      }));
    }
  }

  const settings: UserSettings = { ...current.user.settings };
  if (changes.privacy !== undefined) settings.default_privacy = changes.privacy;
  if (changes.sensitive !== undefined) settings.default_sensitive = changes.sensitive;
  if (changes.language !== undefined) settings.default_language = changes.language || null;
  if (changes.quotePolicy !== undefined) settings.default_quote_policy = changes.quotePolicy;
  const settingsChanged = JSON.stringify(settings) !== JSON.stringify(current.user.settings);

  return db.transaction(async (tx) => {
    let accountRow = current.account;
    let userRow = current.user;
    const now = new Date();
    if (Object.keys(account).length > 0) {
      [accountRow] = (await tx
        .update(accounts)
        .set({ ...account, updatedAt: now })
        .where(eq(accounts.id, current.account.id))
        .returning()) as [AccountRow];
      const replaced = replacedProfileFiles(current.account, account);
      if (replaced.length > 0) await options.discardFiles?.(tx, replaced);
      // UpdateAccountService: the actor's Update reaches its followers' servers.
      await emit(tx, { type: "account.updated", accountId: current.account.id });
    }
    if (settingsChanged) {
      [userRow] = (await tx
        .update(users)
        .set({ settings, updatedAt: now })
        .where(eq(users.id, userId))
        .returning()) as [UserRow];
    }
    return { account: accountRow, user: userRow };
  });
}
