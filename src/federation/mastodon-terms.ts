// Mastodon's media terms on outgoing objects: `blurhash` and `focalPoint`
// (http://joinmastodon.org/ns#, https://docs.joinmastodon.org/spec/activitypub/#blurhash,
// #focalPoint) are not in Fedify's vocabulary, so its serialisation drops
// them. A MastodonDocument adds them to its expanded form, which is what a
// parent object compacts; compaction then names them `toot:blurhash` (or by
// their IRI), which Mastodon, reading plain JSON keys, would not see. So the
// top-level objects Herd sends or serves (TermsCreate, TermsUpdate,
// TermsNote, TermsQuestion) always compact, and rename those keys to the
// terms Mastodon uses, adding their definitions to `@context`. Signing
// (Object Integrity Proofs, Linked Data Signatures) serialises through the
// same toJsonLd, so what is signed is what is sent.
import { Create, Document, Note, Question, Update } from "@fedify/vocab";

const TOOT = "http://joinmastodon.org/ns#";

/** The terms, as Mastodon's context defines them (with full IRIs: `toot` may be undefined). */
const TERMS_CONTEXT = {
  blurhash: `${TOOT}blurhash`,
  focalPoint: { "@container": "@list", "@id": `${TOOT}focalPoint` },
};

export interface MediaTerms {
  blurhash?: string | null;
  /** [x, y], each from -1 to 1 (Mastodon's focus). */
  focalPoint?: readonly [number, number] | null;
}

type JsonLdOptions = NonNullable<Parameters<Document["toJsonLd"]>[0]>;

/** A Document with `blurhash` and `focalPoint`. */
export class MastodonDocument extends Document {
  #terms: MediaTerms = {};

  static of(values: ConstructorParameters<typeof Document>[0], terms: MediaTerms) {
    const document = new MastodonDocument(values);
    document.#terms = terms;
    return document;
  }

  override clone(...args: Parameters<Document["clone"]>): Document {
    const copy = super.clone(...args);
    if (copy instanceof MastodonDocument) copy.#terms = this.#terms;
    return copy;
  }

  override async toJsonLd(options: JsonLdOptions = {}): Promise<unknown> {
    const json = await super.toJsonLd(options);
    // Embedded in a parent (the only way Herd uses it), it is asked for its expanded form.
    if (options.format !== "expand" || !Array.isArray(json)) return json;
    const node = json[0] as Record<string, unknown> | undefined;
    if (!node) return json;
    const { blurhash, focalPoint } = this.#terms;
    if (blurhash) node[`${TOOT}blurhash`] = [{ "@value": blurhash }];
    if (focalPoint) {
      node[`${TOOT}focalPoint`] = [{ "@list": focalPoint.map((v) => ({ "@value": v })) }];
    }
    return json;
  }
}

const ALIASES: Record<string, string> = {
  "toot:blurhash": "blurhash",
  [`${TOOT}blurhash`]: "blurhash",
  "toot:focalPoint": "focalPoint",
  [`${TOOT}focalPoint`]: "focalPoint",
};

/** Renames the media terms in compacted JSON; returns whether it found any. */
function rename(value: unknown): boolean {
  if (Array.isArray(value)) {
    let found = false;
    for (const item of value) found = rename(item) || found;
    return found;
  }
  if (typeof value !== "object" || value === null) return false;
  const node = value as Record<string, unknown>;
  let found = false;
  for (const key of Object.keys(node)) {
    const term = ALIASES[key];
    if (term) {
      let v = node[key];
      if (term === "focalPoint" && typeof v === "object" && v !== null && "@list" in v) {
        v = (v as { "@list": unknown })["@list"];
      }
      delete node[key];
      node[term] = v;
      found = true;
    } else if (key !== "@context") {
      found = rename(node[key]) || found;
    }
  }
  return found;
}

/** Compacted JSON-LD with Mastodon's names for the media terms. */
export function withMediaTerms(json: unknown): unknown {
  if (typeof json !== "object" || json === null || !rename(json)) return json;
  const doc = json as Record<string, unknown>;
  const context = doc["@context"];
  const extended = [
    ...(Array.isArray(context) ? context : context === undefined ? [] : [context]),
    TERMS_CONTEXT,
  ];
  doc["@context"] = extended;
  // A proof (eddsa-jcs-2022) is made with the document's context, and says so.
  for (const proof of [doc.proof].flat()) {
    if (typeof proof === "object" && proof !== null && "@context" in proof) {
      (proof as Record<string, unknown>)["@context"] = extended;
    }
  }
  return doc;
}

/** Compact (never Fedify's shortcut form) then rename; the expanded form as it is. */
async function compactWithTerms(
  options: JsonLdOptions,
  serialize: (options: JsonLdOptions) => Promise<unknown>,
): Promise<unknown> {
  if (options.format === "expand") return serialize(options);
  const json = await serialize({
    format: "compact",
    contextLoader: options.contextLoader,
    ...(options.format === "compact" && options.context ? { context: options.context } : {}),
  });
  return withMediaTerms(json);
}

export class TermsNote extends Note {
  override toJsonLd(options: JsonLdOptions = {}): Promise<unknown> {
    return compactWithTerms(options, (o) => super.toJsonLd(o));
  }
}

export class TermsQuestion extends Question {
  override toJsonLd(options: JsonLdOptions = {}): Promise<unknown> {
    return compactWithTerms(options, (o) => super.toJsonLd(o));
  }
}

export class TermsCreate extends Create {
  override toJsonLd(options: JsonLdOptions = {}): Promise<unknown> {
    return compactWithTerms(options, (o) => super.toJsonLd(o));
  }
}

export class TermsUpdate extends Update {
  override toJsonLd(options: JsonLdOptions = {}): Promise<unknown> {
    return compactWithTerms(options, (o) => super.toJsonLd(o));
  }
}
