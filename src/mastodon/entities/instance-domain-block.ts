// DomainBlock (https://docs.joinmastodon.org/entities/DomainBlock/), as
// REST::DomainBlockSerializer: `comment` only when the viewer may see rationales.
import type { PublicDomainBlock } from "../../domain/instance/domain-blocks.ts";

export interface DomainBlock {
  domain: string;
  digest: string;
  severity: "silence" | "suspend";
  comment?: string | null;
}

export function serializeDomainBlock(block: PublicDomainBlock, withComment: boolean): DomainBlock {
  const entity: DomainBlock = {
    domain: block.domain,
    digest: block.digest,
    severity: block.severity,
  };
  if (withComment) entity.comment = block.publicComment;
  return entity;
}
