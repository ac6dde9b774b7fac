// A whole inbound text as the record stores it: units, keyword intent, sealed copy, and what it does to the opt-out list.
import { MessageIntent, MessageType } from '@sluice/contracts';
import { classifyInboundText, countUnits, newMessageUuid, sealContent } from '@sluice/domain';
import type { InboundMessageRow, OptOutAction } from '@sluice/persistence';

/** The units column is a smallint; no real message comes near it. */
const MAX_UNITS = 32_767;

export interface WholeInboundText {
  readonly from: string;
  readonly to: string;
  readonly text: string;
  /** Parts the carrier delivered it in (1 for a single message). */
  readonly parts: number;
  readonly receivedAt: Date;
}

/**
 * Units follow the outbound rules (GSM-7 160 / 153 per part, UCS-2 70 / 67), but never
 * fewer than the parts the carrier delivered, which are what it charges for. The text is
 * sealed whatever the Application says: the statement that stores it picks the sealed copy
 * when the Application does not log incoming messages.
 */
export function inboundMessageRow(input: WholeInboundText): InboundMessageRow {
  const counted = countUnits(input.text);
  const sealing = sealContent({ text: input.text, mediaUrls: [] });
  return {
    messageUuid: newMessageUuid(),
    fromNumber: input.from,
    toNumber: input.to,
    messageType: MessageType.Sms,
    text: input.text,
    sealedContent: sealing.sealed,
    contentKey: sealing.key,
    encoding: counted.encoding,
    units: Math.min(Math.max(counted.units, input.parts), MAX_UNITS),
    intent: classifyInboundText(input.text),
    optOutAction: null,
    receivedAt: input.receivedAt,
  };
}

/**
 * STOP adds the pair (Sluice number, mobile) to the opt-out list and START removes it.
 * Within one batch only the last keyword of each pair acts, so STOP then START leaves the
 * pair off the list, as it would have one message at a time. Rows keep their order.
 */
export function withOptOutActions(rows: readonly InboundMessageRow[]): InboundMessageRow[] {
  const last = new Map<string, number>();
  rows.forEach((row, index) => {
    if (row.intent === MessageIntent.OptOut || row.intent === MessageIntent.OptIn) last.set(`${row.toNumber}>${row.fromNumber}`, index);
  });
  return rows.map((row, index) => {
    const action: OptOutAction | null =
      last.get(`${row.toNumber}>${row.fromNumber}`) !== index ? null : row.intent === MessageIntent.OptOut ? 'add' : row.intent === MessageIntent.OptIn ? 'remove' : null;
    return action === row.optOutAction ? row : { ...row, optOutAction: action };
  });
}
