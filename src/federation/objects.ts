// A local status as a Note at its URI (/users/:username/statuses/:id), as
// Mastodon's StatusesController answers ActivityPub requests: only what
// anyone may see, public and unlisted statuses (statusVisibleTo with no
// viewer, in findVisibleStatus); never a private or direct status, a
// suspended author's, a deleted one, or a boost.
import type { Federation } from "@fedify/fedify";
import { Note } from "@fedify/vocab";
import { findVisibleStatus } from "../domain/statuses/interactions/target.ts";
import type { FederationEnv } from "./env.ts";
import { findLocalAccount } from "./local-actor.ts";
import { buildNote } from "./note.ts";
import { loadOutboxItems } from "./note-data.ts";

export function registerObjects(federation: Federation<void>, env: FederationEnv): void {
  federation.setObjectDispatcher(
    Note,
    "/users/{identifier}/statuses/{id}",
    async (_ctx, { identifier, id }) => {
      const account = await findLocalAccount(env, identifier);
      if (!account) return null;
      const status = await findVisibleStatus(env.db, id, null);
      if (!status || status.accountId !== account.id || status.reblogOfId !== null) return null;
      const [item] = await loadOutboxItems(env.db, env.urls, env.config.localDomain, [status.id]);
      return item?.kind === "note" ? buildNote(item.note, env.urls) : null;
    },
  );
}
