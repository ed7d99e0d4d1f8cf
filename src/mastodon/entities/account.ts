// Account and CredentialAccount (https://docs.joinmastodon.org/entities/Account/),
// as Mastodon's REST::AccountSerializer and REST::CredentialAccountSerializer:
// a suspended account shows no profile (empty name, bio, fields, default
// images, `suspended: true`); `roles` (highlighted roles) and `noindex` appear
// for local accounts only; `moved` only when the account moved.
import type { AccountField, AccountRow, UserRow } from "../../db/schema/index.ts";
import { roleById, type Role } from "../../domain/accounts/roles.ts";
import { accountEmojiTexts, shortcodesIn } from "../../domain/emojis/shortcodes.ts";
import type { CustomEmojiRow } from "../../domain/instance/custom-emojis.ts";
import type { Urls } from "../../urls.ts";
import { serializeCustomEmoji, type CustomEmoji } from "./custom-emoji.ts";

export interface Field {
  name: string;
  value: string;
  verified_at: string | null;
}

export interface AccountRole {
  id: string;
  name: string;
  color: string;
}

export interface Account {
  id: string;
  username: string;
  acct: string;
  display_name: string;
  locked: boolean;
  bot: boolean;
  discoverable: boolean | null;
  indexable: boolean;
  group: boolean;
  created_at: string;
  note: string;
  url: string;
  uri: string;
  avatar: string;
  avatar_static: string;
  avatar_description: string;
  header: string;
  header_static: string;
  header_description: string;
  followers_count: number;
  following_count: number;
  statuses_count: number;
  last_status_at: string | null;
  hide_collections: boolean | null;
  show_media: boolean;
  show_media_replies: boolean;
  show_featured: boolean;
  noindex?: boolean;
  emojis: CustomEmoji[];
  /** Local accounts only. */
  roles?: AccountRole[];
  fields: Field[];
  moved?: Account | null;
  memorial?: boolean;
  suspended?: boolean;
  limited?: boolean;
}

/** The role entity (https://docs.joinmastodon.org/entities/Role/). */
export interface RoleEntity {
  id: string;
  name: string;
  color: string;
  permissions: string;
  highlighted: boolean;
}

export interface CredentialAccount extends Account {
  source: {
    privacy: string;
    sensitive: boolean;
    language: string;
    note: string;
    fields: Field[];
    follow_requests_count: number;
    hide_collections: boolean | null;
    discoverable: boolean | null;
    indexable: boolean;
    attribution_domains: string[];
    quote_policy: string;
  };
  role: RoleEntity;
}

/**
 * An account row with what the serializer needs from its user (local
 * accounts): the role, the `noindex` setting, and the account it moved to.
 */
export type AccountView = AccountRow & {
  roleId?: number | null;
  noindex?: boolean | null;
  moved?: AccountView | null;
  /**
   * Candidate custom emojis (any superset: those of other domains and those
   * not named are left out); none when absent.
   */
  emojis?: readonly CustomEmojiRow[];
};

/** Mastodon renders created_at at midnight UTC of its day (since 3.4.0). */
function midnight(date: Date): string {
  return `${date.toISOString().slice(0, 10)}T00:00:00.000Z`;
}

export function serializeRole(role: Role): RoleEntity {
  return {
    id: String(role.id),
    name: role.name,
    color: role.color,
    permissions: String(role.permissions),
    highlighted: role.highlighted,
  };
}

function fieldsOf(fields: AccountField[]): Field[] {
  return fields.map((f) => ({ name: f.name, value: f.value, verified_at: f.verified_at ?? null }));
}

/** Account#emojis: those its profile names, from its own domain, in the order they appear. */
function emojisOf(account: AccountView, urls: Urls): CustomEmoji[] {
  if (!account.emojis || account.emojis.length === 0) return [];
  const byCode = new Map<string, CustomEmojiRow>();
  for (const e of account.emojis) {
    if ((e.domain ?? null) === account.domain && !e.disabled) byCode.set(e.shortcode, e);
  }
  return shortcodesIn(...accountEmojiTexts(account))
    .map((code) => byCode.get(code))
    .filter((e) => e !== undefined)
    .map((e) => serializeCustomEmoji(e, urls));
}

function serialize(account: AccountView, urls: Urls, nested: boolean): Account {
  const local = account.domain === null;
  const suspended = account.suspendedAt !== null;
  const role = local ? roleById(account.roleId) : null;
  const actor = account.uri ?? urls.actor(account.username);
  const entity: Account = {
    id: account.id,
    username: account.username,
    acct: local ? account.username : `${account.username}@${account.domain}`,
    display_name: suspended ? "" : account.displayName,
    locked: suspended ? false : account.locked,
    bot: suspended ? false : account.bot,
    discoverable: suspended ? false : account.discoverable,
    indexable: suspended ? false : account.indexable,
    group: account.group,
    created_at: midnight(account.createdAt),
    note: suspended ? "" : account.note,
    url: account.url ?? (local ? urls.profile(account.username) : actor),
    uri: actor,
    // Stored keys or remote URLs; urls.file() makes them public URLs.
    avatar: (!suspended && urls.file(account.avatarUrl)) || urls.defaultAvatar,
    avatar_static:
      (!suspended && urls.file(account.avatarStaticUrl ?? account.avatarUrl)) || urls.defaultAvatar,
    avatar_description: "",
    header: (!suspended && urls.file(account.headerUrl)) || urls.defaultHeader,
    header_static:
      (!suspended && urls.file(account.headerStaticUrl ?? account.headerUrl)) || urls.defaultHeader,
    header_description: "",
    followers_count: account.followersCount,
    following_count: account.followingCount,
    statuses_count: account.statusesCount,
    last_status_at: account.lastStatusAt ? account.lastStatusAt.toISOString().slice(0, 10) : null,
    hide_collections: account.hideCollections,
    // Herd has no media or featured tabs to turn off yet: Mastodon's defaults.
    show_media: true,
    show_media_replies: true,
    show_featured: true,
    emojis: suspended ? [] : emojisOf(account, urls),
    fields: suspended ? [] : fieldsOf(account.fields),
  };
  if (account.movedToAccountId && !nested) {
    entity.moved = !suspended && account.moved ? serialize(account.moved, urls, true) : null;
  }
  if (suspended) entity.suspended = true;
  if (account.silencedAt) entity.limited = true;
  if (local) entity.noindex = account.noindex ?? false;
  if (account.memorial) entity.memorial = true;
  if (role) {
    entity.roles =
      !suspended && role.highlighted
        ? [{ id: String(role.id), name: role.name, color: role.color }]
        : [];
  }
  return entity;
}

export function serializeAccount(account: AccountView, urls: Urls): Account {
  return serialize(account, urls, false);
}

const str = (v: unknown, fallback: string) => (typeof v === "string" && v !== "" ? v : fallback);

export function serializeCredentialAccount(
  account: AccountView,
  user: UserRow,
  urls: Urls,
  followRequestsCount = 0,
): CredentialAccount {
  const settings = user.settings;
  return {
    ...serializeAccount(
      {
        ...account,
        roleId: user.roleId,
        noindex: typeof settings["noindex"] === "boolean" ? settings["noindex"] : null,
      },
      urls,
    ),
    source: {
      // User#setting_default_privacy: a locked account posts to followers by default.
      privacy: str(settings["default_privacy"], account.locked ? "private" : "public"),
      sensitive: settings["default_sensitive"] === true,
      language: str(settings["default_language"], ""),
      note: account.noteSource ?? "",
      fields: account.fields.map((f) => ({
        name: f.name,
        value: f.source ?? f.value,
        verified_at: f.verified_at ?? null,
      })),
      follow_requests_count: followRequestsCount,
      hide_collections: account.hideCollections,
      discoverable: account.discoverable,
      indexable: account.indexable,
      attribution_domains: [],
      quote_policy: str(settings["default_quote_policy"], "public"),
    },
    role: serializeRole(roleById(user.roleId)),
  };
}

/** MutedAccount (entities/Account/#MutedAccount): an Account and when the mute ends. */
export interface MutedAccount extends Account {
  mute_expires_at: string | null;
}

export function serializeMutedAccount(
  account: AccountView,
  urls: Urls,
  expiresAt: Date | null,
): MutedAccount {
  return { ...serializeAccount(account, urls), mute_expires_at: expiresAt?.toISOString() ?? null };
}
