// The privacy policy a Herd server shows until its admin writes one
// (`herd settings set site_terms ...`), as Mastodon ships a default
// (https://docs.joinmastodon.org/methods/instance/#privacy_policy). Written for
// Herd: it describes what Herd stores and what federation implies.

/** When this default text last changed; shown as the policy's `updated_at`. */
export const DEFAULT_PRIVACY_POLICY_UPDATED_AT = new Date("2025-01-01T00:00:00.000Z");

/** The default policy, in Markdown, for the server at `domain`. */
export function defaultPrivacyPolicy(domain: string): string {
  return `This policy explains what ${domain} ("this server", "we") stores about the people who use it, why, and for how long.

# What we store

- **Your account**: the username, e-mail address and password (kept only as a one-way hash) you gave when you signed up, and the profile you fill in: display name, bio, profile fields, avatar and header.
- **What you publish**: your posts, the media you attach, your favourites, boosts, bookmarks, the people you follow and the lists you make. Public and unlisted posts can be read by anyone; the list of people you follow and of your followers is public unless you hide it in your settings.
- **Followers-only and direct posts**: these are stored on this server and delivered to the servers of the people they are addressed to. The people who run those servers and this one can technically read them, and recipients can copy them. Do not use the network for anything you must keep secret.
- **Sign-in records**: the IP address and browser name of your sign-ins and sessions, and the apps you authorised, so that you can review them and we can fight abuse.

# Why we store it

To run the service: to show your posts to the people they are meant for, to deliver them to other servers of the fediverse, to let you sign in, and to keep the server safe from spam and abuse. We do not sell any of it or use it for advertising.

# Federation

This server is part of a network of independent servers. When you follow someone elsewhere, or your post reaches someone elsewhere, a copy of your public profile and of that post is sent to their server, which keeps it under its own rules. Deleting a post here asks those servers to delete their copies too, but we cannot force them to.

# How long we keep it

- Sign-in records and server logs are kept for at most a year.
- Your posts and profile stay until you delete them or your account.
- When you delete your account, your profile and posts are removed from this server and the other servers that have them are asked to remove them.

# Your choices

You can correct your profile, delete your posts and delete your account at any time. To get a copy of your data, or for anything else, write to the contact address of this server.

# Cookies

We use a cookie only to keep you signed in to the web interface. No tracking or advertising cookies are used.

# Children

This server is not meant for children under 16 (or the age of digital consent in your country). If you are younger, please do not use it.

# Changes

If this policy changes, the new version is published on this page with its date.
`;
}
