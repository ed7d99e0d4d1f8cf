// Giving a status its preview card, in the background (the `cards.fetch`
// job), as Mastodon's LinkCrawlWorker and FetchLinkCardService:
// 1. the status's first link (first-link.ts); a status whose link changed
//    (an edit) loses its old card, one with no link keeps none;
// 2. a card already made for that URL (by its URL, or by the link another
//    status had) is reused unless older than two weeks;
// 3. otherwise the page is fetched (safe-fetch.ts: 10 s, 1 MB of HTML, 5
//    redirects, no private addresses) and must be an HTML page answering
//    200; its JSON oEmbed endpoint, if it has one, makes the card (link,
//    photo or video; not rich), else its JSON-LD, OpenGraph and meta tags
//    do (a card needs a title or a player); the card's URL is the one after
//    redirects, or the page's canonical URL;
// 4. the card's image is downloaded and stored (card-image.ts), before the
//    row that names it (never from a server whose media a domain block
//    rejects); a replaced image is deleted by a job sent in the
//    transaction that stops naming it;
// 5. the card is attached, and `status.updated` is emitted so that streams
//    send `status.update` with the card.
// A page that cannot be fetched or gives no card is not an error (the job
// succeeds, as Mastodon rescues HTTP errors); database errors fail the job,
// which is retried.
import { and, eq, sql } from "drizzle-orm";
import type { DbOrTx } from "../../db/database.ts";
import {
  accounts,
  mentions,
  previewCards,
  previewCardsStatuses,
  statuses,
  type PreviewCardRow,
  type StatusRow,
} from "../../db/schema/index.ts";
import { newId } from "../../lib/ids.ts";
import { safeGet, SafeFetchError } from "../../lib/safe-fetch.ts";
import { emit } from "../events/emit.ts";
import { previewLanded } from "../events/types.ts";
import { rejectsMediaAt } from "../instance/domain-block-rules.ts";
import { discardFiles, withStoredFiles } from "../media/files.ts";
import { downloadCardImage, type CardImage } from "./card-image.ts";
import { CARD_REFRESH_MS, type CardContext } from "./context.ts";
import { firstLink } from "./first-link.ts";
import { decodeHtml } from "./html-charset.ts";
import { linkDetails, oembedEndpoint, parsePage } from "./link-details.ts";
import { oembedCard } from "./oembed.ts";

type NewCard = Omit<
  typeof previewCards.$inferInsert,
  "id" | "createdAt" | "updatedAt" | "imageKey" | "imageContentType" | "imageFileSize" | "blurhash"
> & { imageUrl: string | null };

async function mentionUrls(ctx: CardContext, statusId: string): Promise<string[]> {
  const rows = await ctx.db
    .select({
      username: accounts.username,
      domain: accounts.domain,
      url: accounts.url,
      uri: accounts.uri,
    })
    .from(mentions)
    .innerJoin(accounts, eq(accounts.id, mentions.accountId))
    .where(eq(mentions.statusId, statusId));
  return rows.map((a) =>
    a.domain === null ? ctx.urls.profile(a.username) : (a.url ?? a.uri ?? ""),
  );
}

/** A card made for `url`, or for the link another status wrote as `url`. */
async function knownCard(ctx: CardContext, url: string): Promise<PreviewCardRow | null> {
  const [byUrl] = await ctx.db.select().from(previewCards).where(eq(previewCards.url, url));
  if (byUrl) return byUrl;
  const [byLink] = await ctx.db
    .select({ card: previewCards })
    .from(previewCardsStatuses)
    .innerJoin(previewCards, eq(previewCards.id, previewCardsStatuses.previewCardId))
    .where(eq(previewCardsStatuses.url, url))
    .limit(1);
  return byLink?.card ?? null;
}

/** The card the page at `url` makes (not saved), or null. */
async function fetchCard(ctx: CardContext, url: string): Promise<NewCard | null> {
  const settings = ctx.fetch;
  let page;
  try {
    page = await safeGet(url, {
      ...settings,
      maxBytes: settings.htmlBytes,
      overflow: "truncate",
      accept: "text/html",
      userAgent: `${settings.userAgent} Bot`,
    });
  } catch (error) {
    if (error instanceof SafeFetchError) return null;
    throw error;
  }
  if (page.status !== 200 || page.mimeType !== "text/html") return null;
  const pageUrl = page.url;
  const facts = parsePage(decodeHtml(page.body, page.charset));

  const endpoint = oembedEndpoint(facts, pageUrl);
  if (endpoint) {
    try {
      const doc = await safeGet(endpoint, {
        ...settings,
        overflow: "error",
        accept: "application/json",
      });
      const embed = doc.status === 200 ? oembedCard(doc.body.toString("utf8"), doc.url) : null;
      if (embed) return { url: pageUrl, description: "", ...embed };
    } catch (error) {
      if (!(error instanceof SafeFetchError)) throw error;
    }
  }
  const details = linkDetails(facts, pageUrl);
  if (details.title === "" && details.html === "") return null;
  return details;
}

/** Inserts or updates the card of `card.url`; a replaced image is queued for deletion. */
async function saveCard(
  ctx: CardContext,
  tx: DbOrTx,
  id: string,
  card: NewCard,
  image: CardImage | null,
): Promise<PreviewCardRow> {
  const { imageUrl: _imageUrl, ...columns } = card;
  const values = {
    ...columns,
    // extract_dimensions: a link card takes its image's size.
    ...(image && card.type === "link" ? { width: image.width, height: image.height } : {}),
    ...(image
      ? {
          imageKey: image.file.key,
          imageContentType: image.file.contentType,
          imageFileSize: image.size,
          blurhash: image.blurhash,
        }
      : {}),
    updatedAt: new Date(),
  };
  const [old] = await tx
    .select({ id: previewCards.id, imageKey: previewCards.imageKey })
    .from(previewCards)
    .where(eq(previewCards.url, card.url))
    .for("update");
  const [row] = old
    ? await tx.update(previewCards).set(values).where(eq(previewCards.id, old.id)).returning()
    : await tx
        .insert(previewCards)
        .values({ id, ...values })
        .onConflictDoUpdate({ target: previewCards.url, set: values })
        .returning();
  if (image && old?.imageKey && old.imageKey !== image.file.key) {
    await discardFiles(ctx, tx, [old.imageKey]);
  }
  return row!;
}

/** Makes `cardId` the card of `status` (none with null); true when that changed it. */
async function setStatusCard(
  tx: DbOrTx,
  status: StatusRow,
  card: { id: string; url: string } | null,
): Promise<boolean> {
  const removed = await tx
    .delete(previewCardsStatuses)
    .where(eq(previewCardsStatuses.statusId, status.id))
    .returning();
  if (card) {
    await tx
      .insert(previewCardsStatuses)
      .values({ statusId: status.id, previewCardId: card.id, url: card.url });
  }
  const before = removed[0];
  const changed = card === null ? before !== undefined : before?.previewCardId !== card.id;
  // Streams show the card when it lands (status.update), as the web UI expects.
  if (changed) await emit(tx, previewLanded(status));
  return changed;
}

/** The `cards.fetch` job: gives status `statusId` the card of its link. */
export async function refreshStatusCard(ctx: CardContext, statusId: string): Promise<void> {
  const [status] = await ctx.db
    .select()
    .from(statuses)
    .where(and(eq(statuses.id, statusId), sql`${statuses.deletedAt} IS NULL`));
  if (!status || status.reblogOfId !== null) return;
  const url = firstLink(status.content, {
    localHosts: ctx.localHosts,
    mentionUrls: await mentionUrls(ctx, status.id),
  });
  const [current] = await ctx.db
    .select()
    .from(previewCardsStatuses)
    .where(eq(previewCardsStatuses.statusId, status.id));
  if (url === null || (current && current.url !== url)) {
    // UpdateStatusService#reset_preview_card!: a changed link loses its card first.
    if (current) await ctx.db.transaction((tx) => setStatusCard(tx, status, null));
    if (url === null) return;
  } else if (current) {
    return;
  }

  const known = await knownCard(ctx, url);
  if (known && Date.now() - known.updatedAt.getTime() < CARD_REFRESH_MS) {
    await ctx.db.transaction((tx) => setStatusCard(tx, status, { id: known.id, url }));
    return;
  }
  const fetched = await fetchCard(ctx, url);
  if (!fetched) {
    // A page gone or changed keeps the card it had.
    if (known) await ctx.db.transaction((tx) => setStatusCard(tx, status, { id: known.id, url }));
    return;
  }
  const [existing] = await ctx.db
    .select({ id: previewCards.id })
    .from(previewCards)
    .where(eq(previewCards.url, fetched.url));
  const id = existing?.id ?? newId();
  // No image from a server whose media a domain block rejects (domain-block-rules.ts).
  const image =
    fetched.imageUrl && !(await rejectsMediaAt(ctx.db, fetched.imageUrl))
      ? await downloadCardImage(fetched.imageUrl, id, ctx.fetch)
      : null;
  await withStoredFiles(ctx.storage, image ? [image.file] : [], () =>
    ctx.db.transaction(async (tx) => {
      const row = await saveCard(ctx, tx, id, fetched, image);
      await setStatusCard(tx, status, { id: row.id, url });
    }),
  );
}
