// The message record as Plivo's API shows it.
import { LogMode } from '@sluice/contracts';
import { REDACTED_TEXT } from '@sluice/domain';
import type { MessageEntity } from '@sluice/persistence';

export interface MessageView {
  api_id: string;
  message_uuid: string;
  message_time: string;
  message_direction: string;
  message_state: string;
  message_type: string;
  from_number: string;
  to_number: string;
  units: number;
  total_rate: string;
  total_amount: string;
  error_code: string;
  carrier_fees: string;
  carrier_fees_rate: string;
  mcc: string | null;
  mnc: string | null;
  message_expiry: number;
  log: boolean | LogMode;
  text?: string;
}

/** `2021-07-13 13:04:06.799021+00:00`: Plivo's timestamp format, in UTC. */
export function plivoTime(date: Date): string {
  const iso = date.toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}000+00:00`;
}

export function toMessageView(m: MessageEntity, apiId: string): MessageView {
  return {
    api_id: apiId,
    message_uuid: m.messageUuid,
    message_time: plivoTime(m.messageTime),
    message_direction: m.messageDirection,
    message_state: m.messageState,
    message_type: m.messageType,
    from_number: m.fromNumber,
    to_number: m.toNumber,
    units: m.units,
    total_rate: Number(m.totalRate).toFixed(5),
    total_amount: Number(m.totalAmount).toFixed(5),
    error_code: m.errorCode,
    carrier_fees: '0.00000',
    carrier_fees_rate: '0.00000',
    mcc: m.mcc,
    mnc: m.mnc,
    message_expiry: m.messageExpiry,
    log: m.logMode === LogMode.All ? true : m.logMode === LogMode.None ? false : m.logMode,
    text: m.text ?? REDACTED_TEXT,
  };
}
