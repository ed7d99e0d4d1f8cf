// Flag (https://docs.joinmastodon.org/spec/activitypub/#Flag), as Mastodon's
// ActivityPub::Activity::Flag: the objects naming local accounts (by actor
// URI or profile URL) and local statuses are found without fetching
// anything, and each local account named is reported by the sender, with
// the statuses named that are its (src/domain/reports/remote-reports.ts).
// A Flag naming no local account is dropped. The Flag's id is kept as the
// report's URI when it is the sender's own.
import type { Flag } from "@fedify/vocab";
import { receiveFlag } from "../../domain/reports/remote-reports.ts";
import { findStatusByUri } from "../../domain/statuses/remote-statuses.ts";
import type { FederationEnv } from "../env.ts";
import { localAccountOfUri } from "../remote-actor.ts";
import { httpHref, sameOrigin } from "../remote-object.ts";
import { dropped, listener } from "./listener.ts";

/** Objects looked at in one Flag: a report names an account and a few posts. */
const MAX_OBJECTS = 100;

export const onFlag = (env: FederationEnv) =>
  listener<Flag>(env, "Flag", async (incoming, flag) => {
    const { actor } = incoming;
    if (!actor.domain) return dropped(incoming, flag, "not from another server");
    const base = `${env.urls.base}/`;
    const uris = [
      ...new Set(
        flag.objectIds
          .map((u) => httpHref(u))
          .filter((u): u is string => u !== null && u.startsWith(base)),
      ),
    ].slice(0, MAX_OBJECTS);
    const targetAccountIds: string[] = [];
    const statusIds: string[] = [];
    for (const uri of uris) {
      const account = await localAccountOfUri(incoming.fc, uri);
      if (account) {
        targetAccountIds.push(account.id);
        continue;
      }
      const status = await findStatusByUri(env.db, uri);
      if (status?.local) statusIds.push(status.id);
    }
    if (targetAccountIds.length === 0) return dropped(incoming, flag, "names no local account");
    const id = httpHref(flag.id);
    const reports = await receiveFlag(
      env.db,
      { id: actor.id, domain: actor.domain },
      {
        targetAccountIds,
        statusIds,
        comment: flag.content?.toString() ?? "",
        uri: id && sameOrigin(id, actor.uri) ? id : null,
      },
    );
    incoming.logger.info("report received", {
      id: flag.id?.href,
      from: actor.uri,
      reports: reports.map((r) => r.id),
    });
  });
