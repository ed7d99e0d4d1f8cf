// Account and CredentialAccount (https://docs.joinmastodon.org/entities/Account/),
// as Mastodon's REST::AccountSerializer and REST::CredentialAccountSerializer.
import type { AccountField, AccountRow, UserRow } from "../../db/schema/index.ts";
import { roleById, type Role } from "../../domain/accounts/roles.ts";
import type { Urls } from "../../urls.ts";

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
  noindex?: boolean;
  emojis: unknown[];
  roles: AccountRole[];
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

/** An account row with what the serializer needs from its user (local accounts). */
export type AccountView = AccountRow & { roleId?: number | null; moved?: AccountView | null };

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

export function serializeAccount(account: AccountView, urls: Urls): Account {
  const local = account.domain === null;
  const suspended = account.suspendedAt !== null;
  const role = local ? roleById(account.roleId) : null;
  const entity: Account = {
    id: account.id,
    username: account.username,
    acct: local ? account.username : `${account.username}@${account.domain}`,
    display_name: suspended ? "" : account.displayName,
    locked: account.locked,
    bot: account.bot,
    discoverable: account.discoverable,
    indexable: account.indexable,
    group: account.group,
    created_at: midnight(account.createdAt),
    note: suspended ? "" : account.note,
    url: account.url ?? urls.profile(account.username),
    uri: account.uri ?? urls.actor(account.username),
    avatar: (!suspended && account.avatarUrl) || urls.defaultAvatar,
    avatar_static:
      (!suspended && (account.avatarStaticUrl ?? account.avatarUrl)) || urls.defaultAvatar,
    avatar_description: "",
    header: (!suspended && account.headerUrl) || urls.defaultHeader,
    header_static:
      (!suspended && (account.headerStaticUrl ?? account.headerUrl)) || urls.defaultHeader,
    header_description: "",
    followers_count: suspended ? 0 : account.followersCount,
    following_count: suspended ? 0 : account.followingCount,
    statuses_count: suspended ? 0 : account.statusesCount,
    last_status_at: account.lastStatusAt ? account.lastStatusAt.toISOString().slice(0, 10) : null,
    hide_collections: account.hideCollections,
    emojis: [],
    roles:
      role && role.highlighted ? [{ id: String(role.id), name: role.name, color: role.color }] : [],
    fields: suspended ? [] : fieldsOf(account.fields),
  };
  if (local) entity.noindex = !account.indexable;
  if (account.moved) entity.moved = serializeAccount(account.moved, urls);
  if (account.memorial) entity.memorial = true;
  if (suspended) entity.suspended = true;
  if (account.silencedAt) entity.limited = true;
  return entity;
}

export function serializeCredentialAccount(
  account: AccountView,
  user: UserRow,
  urls: Urls,
  followRequestsCount = 0,
): CredentialAccount {
  const settings = user.settings;
  return {
    ...serializeAccount({ ...account, roleId: user.roleId }, urls),
    source: {
      privacy:
        typeof settings["default_privacy"] === "string" ? settings["default_privacy"] : "public",
      sensitive: settings["default_sensitive"] === true,
      language:
        typeof settings["default_language"] === "string" ? settings["default_language"] : "",
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
      quote_policy: "public",
    },
    role: serializeRole(roleById(user.roleId)),
  };
}
