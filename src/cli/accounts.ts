// `herd accounts ...`: tootctl's accounts commands, with its options, outputs
// and exit codes (https://docs.joinmastodon.org/admin/tootctl/#accounts,
// lib/mastodon/cli/accounts.rb).
import { roleByName } from "../domain/accounts/roles.ts";
import { approveUser } from "../domain/accounts/moderation.ts";
import {
  createAccountAsAdmin,
  deleteAccount,
  findLocalAccount,
  findLocalAccountByEmail,
  modifyUser,
  pendingUserIds,
  resetPassword,
  type UserChanges,
} from "../domain/accounts/admin-accounts.ts";
import { CommandError, intFlag, stringFlag, type Command } from "./command.ts";

function roleIdFor(name: string): number {
  const role = roleByName(name);
  if (!role) throw new CommandError("Cannot find user role with that name");
  return role.id;
}

const create: Command = {
  words: ["accounts", "create"],
  args: "USERNAME",
  minArgs: 1,
  maxArgs: 1,
  summary: "Create a new user account",
  description: `Creates a local account named USERNAME with the e-mail address given with --email, and prints a generated password.

With --confirmed, the address counts as confirmed at once; otherwise a confirmation link is mailed to it (shown on stderr when SMTP_SERVER is not set). With --role, the user gets that role (Owner, Admin or Moderator). Unless registrations are open, the account waits for approval; --approve approves it at once.

With --reattach, USERNAME may be the name of an existing account; if that account is still in use, --force deletes it first.`,
  options: {
    email: {
      type: "string",
      value: "EMAIL",
      required: true,
      description: "the user's e-mail address",
    },
    confirmed: { type: "boolean", description: "skip the e-mail confirmation" },
    role: { type: "string", value: "ROLE", description: "Owner, Admin or Moderator" },
    approve: { type: "boolean", description: "approve the account" },
    reattach: { type: "boolean", description: "reuse the username of an existing account" },
    force: { type: "boolean", description: "with --reattach: delete the account using it" },
  },
  async run(ctx, [username], flags) {
    const roleId = flags.role === undefined ? null : roleIdFor(String(flags.role));
    const db = await ctx.db();
    if (flags.reattach) {
      const existing = await findLocalAccount(db, username!);
      if (existing?.user && !flags.force) {
        ctx.output.out("The chosen username is currently in use");
        ctx.output.out("Use --force to reattach it anyway and delete the other user");
        return;
      }
      if (existing) await deleteAccount(db, existing.account.id);
    }
    const confirmed = flags.confirmed === true;
    const { password } = await createAccountAsAdmin(
      db,
      {
        username: username!,
        email: stringFlag(flags, "email")!,
        confirmed,
        roleId,
        approve: flags.approve === true,
      },
      confirmed ? undefined : await ctx.mail(),
    );
    ctx.output.out("OK");
    ctx.output.out(`New password: ${password}`);
  },
};

const modify: Command = {
  words: ["accounts", "modify"],
  args: "USERNAME",
  minArgs: 1,
  maxArgs: 1,
  summary: "Modify a user account",
  description: `Changes the role, e-mail address, state or password of the local account USERNAME.

--role gives the user a role; --remove-role takes it away. --email changes the address, pending its confirmation unless --confirm is given; --confirm alone confirms the current address. --disable locks the user out, --enable lets them in again. --approve approves an account waiting for approval. --reset-password replaces the password by a generated one, printed, and signs the user out of every app and browser.`,
  options: {
    role: { type: "string", value: "ROLE", description: "Owner, Admin or Moderator" },
    "remove-role": { type: "boolean", description: "remove the user's role" },
    email: { type: "string", value: "EMAIL", description: "change the e-mail address" },
    confirm: { type: "boolean", description: "mark the e-mail address as confirmed" },
    enable: { type: "boolean", description: "let a disabled user sign in again" },
    disable: { type: "boolean", description: "lock the user out of their account" },
    approve: { type: "boolean", description: "approve the account" },
    "disable-2fa": { type: "boolean", description: "accepted for tootctl; Herd has no 2FA yet" },
    "reset-password": { type: "boolean", description: "replace the password by a generated one" },
  },
  async run(ctx, [username], flags) {
    const db = await ctx.db();
    const found = await findLocalAccount(db, username!);
    if (!found?.user) throw new CommandError("No user with such username");
    const changes: UserChanges = {};
    if (typeof flags.role === "string") changes.roleId = roleIdFor(flags.role);
    else if (flags["remove-role"]) changes.roleId = null;
    const email = stringFlag(flags, "email");
    if (email !== undefined) changes.email = email;
    if (flags.confirm) changes.confirm = true;
    // As tootctl: --disable wins over --enable.
    if (flags.enable) changes.disabled = false;
    if (flags.disable) changes.disabled = true;
    if (flags.approve) changes.approved = true;
    const mailsLink = changes.email !== undefined && !changes.confirm;
    await modifyUser(db, found.user.id, changes, mailsLink ? await ctx.mail() : undefined);
    const password = flags["reset-password"] ? await resetPassword(db, found.user.id) : null;
    ctx.output.out("OK");
    if (password !== null) ctx.output.out(`New password: ${password}`);
  },
};

const remove: Command = {
  words: ["accounts", "delete"],
  args: "[USERNAME]",
  minArgs: 0,
  maxArgs: 1,
  summary: "Delete a user",
  description: `Deletes the local account USERNAME, or the one whose user has the address given with --email, with everything it owns.

The deletion federates: a Delete of the account is queued for every server that knew it, and the server sends it (at once when it is running, else when it next starts).`,
  options: {
    email: { type: "string", value: "EMAIL", description: "select the user by e-mail address" },
    "dry-run": { type: "boolean", description: "only say what would be done" },
  },
  async run(ctx, [username], flags) {
    const email = stringFlag(flags, "email");
    if (username && email) throw new CommandError("Use username or --email, not both");
    if (!username && !email) throw new CommandError("No username provided");
    const db = await ctx.db();
    let found;
    if (username) {
      found = await findLocalAccount(db, username);
      if (!found) throw new CommandError("No user with such username");
    } else {
      found = await findLocalAccountByEmail(db, email!);
      if (!found) throw new CommandError("No user with such email");
    }
    const suffix = flags["dry-run"] ? " (DRY RUN)" : "";
    ctx.output.out(
      `Deleting user with ${found.account.statusesCount} statuses, this might take a while...${suffix}`,
    );
    if (!flags["dry-run"]) await deleteAccount(db, found.account.id);
    ctx.output.out(`OK${suffix}`);
  },
};

const approve: Command = {
  words: ["accounts", "approve"],
  args: "[USERNAME]",
  minArgs: 0,
  maxArgs: 1,
  summary: "Approve pending accounts",
  description: `When registrations need approval, approves the account USERNAME, the N oldest pending accounts with --number N, or all of them with --all.`,
  options: {
    number: { type: "string", short: "n", value: "N", description: "approve the N oldest" },
    all: { type: "boolean", description: "approve every pending account" },
  },
  async run(ctx, [username], flags) {
    const number = intFlag(flags, "number");
    if (number !== undefined && number < 0) throw new CommandError("Number must be positive");
    if (flags.all || (number !== undefined && number > 0)) {
      const db = await ctx.db();
      const ids = await pendingUserIds(db, flags.all ? undefined : number);
      for (const id of ids) await approveUser(db, id);
      ctx.output.out("OK");
    } else if (username) {
      const db = await ctx.db();
      const found = await findLocalAccount(db, username);
      if (!found) throw new CommandError("No such account");
      if (found.user) await approveUser(db, found.user.id);
      ctx.output.out("OK");
    }
  },
};

export const accountsCommands: Command[] = [create, modify, remove, approve];
