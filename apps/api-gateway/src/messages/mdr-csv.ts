// The MDR export as CSV (RFC 4180): one record per message with the fields of the list view, redacted as it is.
import type { MessageEntity } from '@sluice/persistence';
import { Transform, TransformCallback } from 'node:stream';
import { MessageView, toMessageView } from './message.view';

/** Every field of the message view, in its order; the compiler keeps this in step with MessageView. */
const COLUMN_SET = {
  message_uuid: true,
  message_time: true,
  message_sent_time: true,
  message_updated_time: true,
  message_direction: true,
  message_state: true,
  message_type: true,
  from_number: true,
  to_number: true,
  destination_country_iso2: true,
  units: true,
  total_rate: true,
  total_amount: true,
  carrier_fees: true,
  carrier_fees_rate: true,
  error_code: true,
  error_message: true,
  message_expiry: true,
  powerpack_id: true,
  is_domestic: true,
  replaced_sender: true,
  destination_network: true,
  tendlc_campaign_id: true,
  tendlc_registration_status: true,
  dlt_entity_id: true,
  dlt_template_id: true,
  dlt_template_category: true,
  mcc: true,
  mnc: true,
  log: true,
  resource_uri: true,
  text: true,
} satisfies Record<keyof MessageView, true>;

export const MDR_COLUMNS = Object.keys(COLUMN_SET) as ReadonlyArray<keyof MessageView>;

/** Quoted when it holds a comma, a double quote, CR or LF; quotes doubled. Null is an empty field. */
export function csvField(value: string | number | boolean | null): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvRecord(values: ReadonlyArray<string | number | boolean | null>): string {
  return `${values.map(csvField).join(',')}\r\n`;
}

export function mdrRecord(message: MessageEntity): string {
  const view = toMessageView(message);
  return csvRecord(MDR_COLUMNS.map((column) => view[column]));
}

/** Output is handed on in pieces of about this size: one chunk per row would cost a write and a chunk header each. */
const PIECE_BYTES = 64 * 1024;

/**
 * Message records in, CSV text out, the header first. A piece goes out when it is full or
 * once the rows at hand are encoded, so a slow trickle of matches still reaches the client.
 * The transform's callback waits while the reader is behind, which pauses the cursor.
 */
export class MdrCsvEncoder extends Transform {
  private pending = '';
  private flushScheduled = false;

  constructor() {
    super({ writableObjectMode: true, writableHighWaterMark: 64 });
    this.push(csvRecord(MDR_COLUMNS));
  }

  override _transform(message: MessageEntity, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.pending += mdrRecord(message);
    } catch (error: unknown) {
      callback(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    if (this.pending.length >= PIECE_BYTES) this.handOn();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        this.handOn();
      });
    }
    callback();
  }

  override _flush(callback: TransformCallback): void {
    this.handOn();
    callback();
  }

  private handOn(): void {
    if (this.pending === '' || this.destroyed || this.readableEnded) return;
    this.push(this.pending);
    this.pending = '';
  }
}
