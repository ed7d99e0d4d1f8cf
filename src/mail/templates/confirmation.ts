// The mail with the link that confirms an e-mail address, sent on sign-up,
// on request (POST /api/v1/emails/confirmations) and when the address changes.
// Plain text first; a small HTML part for mail clients that prefer it.
import { escapeHtml } from "../../lib/html.ts";
import type { Mail } from "../mailer.ts";

export interface ConfirmationMailInput {
  to: string;
  username: string;
  siteTitle: string;
  /** The server's domain (LOCAL_DOMAIN). */
  domain: string;
  link: string;
  validForDays: number;
  /** The user changes the address of an account already confirmed. */
  emailChange: boolean;
}

export function confirmationMail(input: ConfirmationMailInput): Mail {
  const days = input.validForDays === 1 ? "1 day" : `${input.validForDays} days`;
  const intro = input.emailChange
    ? `You asked to use this address for your account @${input.username} on ${input.domain}.`
    : `Welcome to ${input.siteTitle}! You signed up as @${input.username} on ${input.domain}.`;
  const action = input.emailChange
    ? "To confirm the new address, open this link:"
    : "To confirm your e-mail address and finish signing up, open this link:";
  const outro = `The link works for ${days}. If you did not ask for this, ignore this mail: nothing changes.`;

  const text = [`Hello @${input.username},`, "", intro, action, "", input.link, "", outro, ""].join(
    "\n",
  );
  const e = escapeHtml;
  const html =
    `<!doctype html><html><body style="font-family: sans-serif; line-height: 1.5">` +
    `<p>Hello @${e(input.username)},</p>` +
    `<p>${e(intro)}</p>` +
    `<p>${e(action)}</p>` +
    `<p><a href="${e(input.link)}">${e(input.emailChange ? "Confirm the new address" : "Confirm my e-mail address")}</a></p>` +
    `<p style="word-break: break-all; color: #555">${e(input.link)}</p>` +
    `<p>${e(outro)}</p>` +
    `</body></html>`;

  return {
    to: input.to,
    subject: input.emailChange
      ? `${input.siteTitle}: confirm your new e-mail address`
      : `${input.siteTitle}: confirm your e-mail address`,
    text,
    html,
  };
}
