// A local status's activity at `/users/:username/statuses/:id/activity`, as
// Mastodon's StatusesController#activity (ActivityPub::ActivitySerializer):
// the Create of a status's Note, or a boost's Announce (a boost's URI is
// this URL). Served only for what anyone may see, as the Note itself
// (objects.ts): public and unlisted, not deleted, not a suspended author's.
import type { Federation } from "@fedify/fedify";
import { Activity } from "@fedify/vocab";
import { findVisibleStatus } from "../../domain/statuses/interactions/target.ts";
import type { FederationEnv } from "../env.ts";
import { findLocalAccount } from "../local-actor.ts";
import { buildAnnounce, buildCreate, buildNote } from "../note.ts";
import { loadOutboxItems } from "../note-data.ts";

export function registerActivityObjects(federation: Federation<void>, env: FederationEnv): void {
  federation.setObjectDispatcher(
    Activity,
    "/users/{identifier}/statuses/{id}/activity",
    async (_ctx, { identifier, id }) => {
      const account = await findLocalAccount(env, identifier);
      if (!account) return null;
      const status = await findVisibleStatus(env.db, id, null);
      if (!status || status.accountId !== account.id) return null;
      const [item] = await loadOutboxItems(env.db, env.urls, env.config.localDomain, [status.id]);
      if (!item) return null;
      if (item.kind === "boost") return buildAnnounce(item.boost, env.urls);
      return buildCreate(buildNote(item.note, env.urls), item.note, env.urls);
    },
  );
}
