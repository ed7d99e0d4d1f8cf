// The roles Mastodon seeds (db/seeds/03_roles.rb) with their permission bits
// (https://docs.joinmastodon.org/entities/Role/#permission-flags). Herd has no
// custom roles yet; users.role_id holds one of these ids or NULL (everyone).
export const PERMISSIONS = {
  administrator: 0x1,
  devops: 0x2,
  viewAuditLog: 0x4,
  viewDashboard: 0x8,
  manageReports: 0x10,
  manageFederation: 0x20,
  manageSettings: 0x40,
  manageBlocks: 0x80,
  manageTaxonomies: 0x100,
  manageAppeals: 0x200,
  manageUsers: 0x400,
  manageInvites: 0x800,
  manageRules: 0x1000,
  manageAnnouncements: 0x2000,
  manageCustomEmojis: 0x4000,
  manageWebhooks: 0x8000,
  inviteUsers: 0x10000,
  manageRoles: 0x20000,
  manageUserAccess: 0x40000,
  deleteUserData: 0x80000,
  viewFeeds: 0x100000,
} as const;

const ALL = Object.values(PERMISSIONS).reduce((a, b) => a | b, 0);
const P = PERMISSIONS;

export interface Role {
  id: number;
  name: "" | "Moderator" | "Admin" | "Owner";
  color: string;
  /** Permissions including the everyone role's, as Mastodon's computed_permissions. */
  permissions: number;
  highlighted: boolean;
  position: number;
}

export const EVERYONE: Role = {
  id: -99,
  name: "",
  color: "",
  permissions: P.inviteUsers,
  highlighted: false,
  position: -1,
};

export const ROLES: readonly Role[] = [
  {
    id: 1,
    name: "Moderator",
    color: "",
    permissions:
      P.viewDashboard |
      P.viewAuditLog |
      P.manageUsers |
      P.manageReports |
      P.manageTaxonomies |
      P.inviteUsers,
    highlighted: true,
    position: 10,
  },
  {
    id: 2,
    name: "Admin",
    color: "",
    permissions: ALL & ~(P.administrator | P.devops | P.viewFeeds),
    highlighted: true,
    position: 100,
  },
  { id: 3, name: "Owner", color: "", permissions: ALL, highlighted: true, position: 1000 },
];

export function roleById(id: number | null | undefined): Role {
  return ROLES.find((r) => r.id === id) ?? EVERYONE;
}

/** Case-insensitive, as tootctl's --role. */
export function roleByName(name: string): Role | null {
  return ROLES.find((r) => r.name.toLowerCase() === name.toLowerCase()) ?? null;
}

export function can(role: Role, permission: number): boolean {
  return (
    (role.permissions & PERMISSIONS.administrator) !== 0 || (role.permissions & permission) !== 0
  );
}
