// Preferences (https://docs.joinmastodon.org/entities/Preferences/), as
// REST::PreferencesSerializer, from users.settings.
import type { AccountRow, UserRow } from "../../db/schema/index.ts";

export interface Preferences {
  "posting:default:visibility": string;
  "posting:default:sensitive": boolean;
  "posting:default:language": string | null;
  "posting:default:quote_policy": string;
  "reading:expand:media": string;
  "reading:expand:spoilers": boolean;
}

const str = (v: unknown): string | null => (typeof v === "string" && v !== "" ? v : null);

export function serializePreferences(user: UserRow, account: AccountRow): Preferences {
  const s = user.settings;
  return {
    // User#setting_default_privacy: a locked account posts to followers by default.
    "posting:default:visibility":
      str(s["default_privacy"]) ?? (account.locked ? "private" : "public"),
    "posting:default:sensitive": s["default_sensitive"] === true,
    // User#preferred_posting_language: the chosen language, else the interface language.
    "posting:default:language": str(s["default_language"]) ?? str(user.locale),
    "posting:default:quote_policy": str(s["default_quote_policy"]) ?? "public",
    "reading:expand:media": str(s["expand_media"]) ?? "default",
    "reading:expand:spoilers": s["expand_spoilers"] === true,
  };
}
