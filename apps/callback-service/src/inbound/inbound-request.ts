// The request Plivo sends to a Message URL for an inbound message: its fields, with the
// text, media and From opened from their seal (when the Application logs no incoming messages).
import { MessageType } from '@sluice/contracts';
import { openContent } from '@sluice/domain';
import type { InboundRequestFields } from '@sluice/persistence';

export type InboundParams = { readonly params: Record<string, string> } | { readonly unreadable: string };

/**
 * `From`, `To`, `Text`, `Type`, `MessageUUID`, `Units`, `TotalRate`, `TotalAmount`,
 * `MessageIntent` (`optout`, `optin`, `help` or empty), `PowerpackUUID`, and for an MMS
 * `MediaCount` and `Media0`…. Sealed fields open with the message's content key, which
 * exists while the message is `received`; without it nothing can be sent.
 */
export function inboundParams(messageUuid: string, fields: InboundRequestFields, contentKey: Buffer | null): InboundParams {
  let from = fields.from;
  let text = fields.text;
  let mediaUrls = fields.mediaUrls;
  if (fields.sealedContent !== null || fields.sealedFrom !== null) {
    if (!contentKey) return { unreadable: 'the sealed content cannot be opened: its key is erased' };
    if (fields.sealedContent !== null) {
      const content = openContent(fields.sealedContent, contentKey);
      if (!content) return { unreadable: 'the sealed content does not open with the message key' };
      ({ text, mediaUrls } = content);
    }
    if (fields.sealedFrom !== null) {
      const sealed = openContent(fields.sealedFrom, contentKey);
      if (!sealed) return { unreadable: 'the sealed sender does not open with the message key' };
      from = sealed.text;
    }
  }
  const params: Record<string, string> = {
    From: from ?? '',
    To: fields.to,
    Text: text,
    Type: fields.type,
    MessageUUID: messageUuid,
    Units: String(fields.units),
    TotalRate: Number(fields.totalRate).toFixed(5),
    TotalAmount: Number(fields.totalAmount).toFixed(5),
    MessageIntent: fields.intent ?? '',
    PowerpackUUID: fields.powerpackUuid ?? '',
  };
  if (fields.type === MessageType.Mms) {
    params['MediaCount'] = String(mediaUrls.length);
    mediaUrls.forEach((url, index) => (params[`Media${index}`] = url));
  }
  return { params };
}
