// The HTML of a local status, as Mastodon's TextFormatter renders it with the
// status's mentioned accounts preloaded: paragraphs and line breaks, links
// (shortened, with the scheme and the tail in invisible spans), hashtags
// linked to this server's tag pages, and mentions of the accounts the status
// really mentions as h-card links. A mention shows the bare username unless
// the status also mentions another account of the same username, then the
// full acct. Everything else stays text.
import { textToHtml } from "../../lib/text-to-html.ts";
import type { Urls } from "../../urls.ts";
import { acctOf, type MentionedAccount } from "./mentions.ts";

export interface FormatContext {
  urls: Urls;
  /** LOCAL_DOMAIN and WEB_DOMAIN: @user@these is a local mention. */
  localDomains: readonly string[];
}

/** The page a mention links to (ActivityPub::TagManager#url_for). */
export function mentionUrl(account: MentionedAccount, urls: Urls): string {
  if (account.domain === null) return urls.profile(account.username);
  return account.url ?? account.uri ?? urls.base;
}

export function renderStatusContent(
  text: string,
  mentioned: readonly MentionedAccount[],
  ctx: FormatContext,
): string {
  return textToHtml(text, {
    tagUrl: ctx.urls.tag,
    localDomains: ctx.localDomains,
    multiline: true,
    mention: (username, domain) => {
      const lower = username.toLowerCase();
      const sameName = mentioned.filter((a) => a.username.toLowerCase() === lower);
      const account = sameName.find(
        (a) => (a.domain ?? "").toLowerCase() === (domain ?? "").toLowerCase(),
      );
      if (!account) return null;
      return {
        username: sameName.length > 1 ? acctOf(account) : account.username,
        url: mentionUrl(account, ctx.urls),
      };
    },
  });
}
