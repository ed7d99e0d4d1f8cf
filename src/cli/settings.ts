// `herd settings ...`: tootctl's `settings registrations open|close|approved`
// (lib/mastodon/cli/settings.rb), and Herd's own commands for the settings
// and rules that Mastodon edits in its admin pages.
import { addRule, listRules, removeRule } from "../domain/instance/rules.ts";
import {
  DEFAULT_SETTINGS,
  getSettings,
  isSettingKey,
  setSettings,
  type SettingKey,
  type SiteSettings,
} from "../domain/instance/settings.ts";
import { DomainError } from "../domain/errors.ts";
import { CommandError, stringFlag, type Command } from "./command.ts";

const registrations = (
  word: "open" | "close" | "approved",
  mode: SiteSettings["registrations_mode"],
  summary: string,
): Command => ({
  words: ["settings", "registrations", word],
  maxArgs: 0,
  summary,
  ...(word === "approved"
    ? {
        description:
          "Sign-ups wait for a moderator's approval. With --require-reason, people signing up must say why they want to join (--no-require-reason: they may).",
        options: {
          "require-reason": {
            type: "boolean",
            description: "sign-ups must give a reason (also --require-invite-text)",
          },
          "require-invite-text": { type: "boolean", description: "the same as --require-reason" },
        },
      }
    : {}),
  async run(ctx, _args, flags) {
    const values: Partial<SiteSettings> = { registrations_mode: mode };
    const reason = flags["require-reason"] ?? flags["require-invite-text"];
    if (typeof reason === "boolean") values.require_invite_text = reason;
    await setSettings(await ctx.db(), values);
    ctx.output.out("OK");
  },
});

// Settings whose string value is one of a few words.
const CHOICES: Partial<Record<SettingKey, readonly string[]>> = {
  registrations_mode: ["open", "approved", "none"],
  show_domain_blocks: ["all", "users", "disabled"],
  show_domain_blocks_rationale: ["all", "users", "disabled"],
};

function settingKey(key: string): SettingKey {
  if (!isSettingKey(key)) {
    throw new CommandError(
      `Unknown setting: ${key} (known: ${Object.keys(DEFAULT_SETTINGS).join(", ")})`,
    );
  }
  return key;
}

/** The typed value of a setting from its text on the command line. */
export function parseSettingValue(key: SettingKey, text: string): SiteSettings[SettingKey] {
  const fallback = DEFAULT_SETTINGS[key];
  if (typeof fallback === "boolean") {
    if (/^(true|yes|on|1)$/i.test(text)) return true;
    if (/^(false|no|off|0)$/i.test(text)) return false;
    throw new CommandError(`${key} must be true or false, got "${text}"`);
  }
  const choices = CHOICES[key];
  if (choices && !choices.includes(text)) {
    throw new CommandError(`${key} must be one of ${choices.join(", ")}, got "${text}"`);
  }
  return text as SiteSettings[SettingKey];
}

const set: Command = {
  words: ["settings", "set"],
  args: "KEY VALUE",
  minArgs: 2,
  maxArgs: 2,
  summary: "Set a site setting",
  description: `Sets one site setting: site_title, site_short_description, site_extended_description, site_contact_email, site_contact_username, site_terms, terms_of_service, closed_registrations_message, status_page_url (text); registrations_mode (open, approved or none); show_domain_blocks and show_domain_blocks_rationale (all, users or disabled); require_invite_text, timeline_preview, peers_api_enabled, activity_api_enabled (true or false). An empty VALUE ("") resets a text to Herd's default.`,
  async run(ctx, [key, text]) {
    const k = settingKey(key!);
    await setSettings(await ctx.db(), { [k]: parseSettingValue(k, text!) });
    ctx.output.out("OK");
  },
};

const get: Command = {
  words: ["settings", "get"],
  args: "[KEY]",
  maxArgs: 1,
  summary: "Show the site settings",
  description:
    "Prints the value of the setting KEY as it is, or every setting as `key: value` with the value in JSON.",
  async run(ctx, [key]) {
    const k = key === undefined ? undefined : settingKey(key);
    const settings = await getSettings(await ctx.db());
    if (k !== undefined) {
      ctx.output.out(String(settings[k]));
      return;
    }
    for (const [name, value] of Object.entries(settings)) {
      ctx.output.out(`${name}: ${JSON.stringify(value)}`);
    }
  },
};

const rulesAdd: Command = {
  words: ["settings", "rules", "add"],
  args: "TEXT",
  minArgs: 1,
  maxArgs: 1,
  summary: "Add a server rule",
  description: "Adds a rule after the existing ones; --hint gives a longer explanation.",
  options: { hint: { type: "string", value: "HINT", description: "a longer explanation" } },
  async run(ctx, [text], flags) {
    const rule = await addRule(await ctx.db(), text!, stringFlag(flags, "hint") ?? "");
    ctx.output.out(`OK, added rule ${rule.id}`);
  },
};

const rulesList: Command = {
  words: ["settings", "rules", "list"],
  maxArgs: 0,
  summary: "List the server rules",
  description: "Prints each rule in force as its id and text, with its hint indented below.",
  async run(ctx) {
    for (const rule of await listRules(await ctx.db())) {
      ctx.output.out(`${rule.id}\t${rule.text}`);
      if (rule.hint) ctx.output.out(`\t${rule.hint.replace(/\n/g, "\n\t")}`);
    }
  },
};

const rulesRemove: Command = {
  words: ["settings", "rules", "remove"],
  args: "ID",
  minArgs: 1,
  maxArgs: 1,
  summary: "Remove a server rule",
  async run(ctx, [id]) {
    try {
      await removeRule(await ctx.db(), id!);
    } catch (error) {
      if (error instanceof DomainError && error.kind === "not_found") {
        throw new CommandError("No such rule");
      }
      throw error;
    }
    ctx.output.out("OK");
  },
};

export const settingsCommands: Command[] = [
  registrations("open", "open", "Open registrations"),
  registrations("close", "none", "Close registrations"),
  registrations("approved", "approved", "Open approval-based registrations"),
  set,
  get,
  rulesAdd,
  rulesList,
  rulesRemove,
];
