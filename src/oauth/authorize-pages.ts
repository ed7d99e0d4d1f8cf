// The pages of the authorization endpoint: consent, the out-of-band code, and
// errors that must not go back to the client.
import { html } from "hono/html";
import type { AccountRow } from "../db/schema/index.ts";
import type { AuthorizationRequest } from "../domain/oauth/authorization-request.ts";
import type { Html } from "../web/layout.ts";
import { CSRF_FIELD } from "../web/session.ts";

// What each scope lets an app do, in the words shown to the user.
const SCOPE_TEXT: Record<string, string> = {
  read: "Read all of your account's data",
  write: "Change all of your account's data",
  follow: "Follow, block and mute accounts for you, and see whom you follow, block and mute",
  push: "Receive your push notifications",
  profile: "See your profile's basic information only",
  "read:accounts": "See accounts' information",
  "read:blocks": "See your blocks",
  "read:bookmarks": "See your bookmarks",
  "read:collections": "See your collections",
  "read:favourites": "See your favourites",
  "read:filters": "See your filters",
  "read:follows": "See whom you follow",
  "read:lists": "See your lists",
  "read:mutes": "See your mutes",
  "read:notifications": "See your notifications",
  "read:search": "Search for you",
  "read:statuses": "See all posts",
  "write:accounts": "Change your profile",
  "write:blocks": "Block accounts and domains",
  "write:bookmarks": "Bookmark posts",
  "write:collections": "Change your collections",
  "write:conversations": "Mute and delete conversations",
  "write:favourites": "Favourite posts",
  "write:filters": "Create filters",
  "write:follows": "Follow people",
  "write:lists": "Create lists",
  "write:media": "Upload media files",
  "write:mutes": "Mute people and conversations",
  "write:notifications": "Clear your notifications",
  "write:reports": "Report other people",
  "write:statuses": "Publish posts",
  "admin:read": "Read all data on the server",
  "admin:write": "Moderate all data on the server",
};

function scopeText(scope: string): string {
  if (SCOPE_TEXT[scope]) return SCOPE_TEXT[scope];
  const [, kind, what] = /^admin:(read|write):(.+)$/.exec(scope) ?? [];
  if (kind && what) {
    const thing = what.replace(/_/g, " ");
    return kind === "read" ? `Read ${thing} on the server` : `Moderate ${thing} on the server`;
  }
  return scope;
}

/** The request's parameters as hidden fields, so the consent form repeats it. */
function hiddenFields(request: AuthorizationRequest): Html {
  const fields: [string, string][] = [
    ["client_id", request.application.clientId],
    ["redirect_uri", request.redirectUri],
    ["response_type", "code"],
    ["scope", request.scopes.join(" ")],
  ];
  if (request.state !== null) fields.push(["state", request.state]);
  if (request.codeChallenge) {
    fields.push(["code_challenge", request.codeChallenge]);
    fields.push(["code_challenge_method", "S256"]);
  }
  return html`${fields.map(
    ([name, value]) => html`<input type="hidden" name="${name}" value="${value}" />`,
  )}`;
}

export function consentPage(opts: {
  request: AuthorizationRequest;
  account: AccountRow;
  csrf: string;
  switchAccountUrl: string;
}): Html {
  const { request, account, csrf } = opts;
  const app = request.application;
  const website = app.website && /^https?:\/\//i.test(app.website) ? app.website : null;
  return html`<h1>Authorization required</h1>
    <p>
      <strong>${app.name}</strong> ${
        website ? html`(<a href="${website}" rel="noopener noreferrer">${website}</a>)` : ""
      }
      would like to access your account <strong>@${account.username}</strong>. It will be able to:
    </p>
    <ul class="scopes">
      ${request.scopes.map((s) => html`<li>${scopeText(s)} <code class="scope">${s}</code></li>`)}
    </ul>
    <p class="muted">Only approve apps you recognise and trust.</p>
    <div class="actions">
      <form method="post" action="/oauth/authorize">
        <input type="hidden" name="${CSRF_FIELD}" value="${csrf}" />
        ${hiddenFields(request)}
        <button type="submit">Authorize</button>
      </form>
      <form method="post" action="/oauth/authorize">
        <input type="hidden" name="${CSRF_FIELD}" value="${csrf}" />
        <input type="hidden" name="_method" value="delete" />
        ${hiddenFields(request)}
        <button type="submit" class="secondary">Deny</button>
      </form>
    </div>
    <p class="muted">
      Not @${account.username}? <a href="${opts.switchAccountUrl}">Use another account</a>
    </p>`;
}

export function codePage(code: string): Html {
  return html`<h1>Authorization code</h1>
    <p>Copy this code and paste it into the app:</p>
    <div class="code">${code}</div>`;
}

export function errorPage(description: string): Html {
  return html`<h1>An error has occurred</h1>
    <div class="error" role="alert">${description}</div>`;
}
