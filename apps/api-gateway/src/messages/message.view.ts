// The message record and its media as Plivo's API shows them.
import { ERROR_MESSAGES, LogMode } from '@sluice/contracts';
import { nanpCountry, REDACTED_TEXT } from '@sluice/domain';
import type { MessageEntity, MessageMediaEntity } from '@sluice/persistence';

export interface MessageView {
  error_code: string;
  error_message: string;
  from_number: string;
  message_direction: string;
  message_expiry: number;
  message_state: string;
  message_time: string;
  message_sent_time: string | null;
  message_updated_time: string;
  message_type: string;
  message_uuid: string;
  resource_uri: string;
  to_number: string;
  destination_country_iso2: string;
  units: number;
  total_rate: string;
  total_amount: string;
  carrier_fees: string;
  carrier_fees_rate: string;
  powerpack_id: string;
  is_domestic: boolean;
  replaced_sender: string;
  destination_network: string | null;
  tendlc_campaign_id: string;
  tendlc_registration_status: string;
  dlt_entity_id: string;
  dlt_template_id: string;
  dlt_template_category: string;
  mcc: string | null;
  mnc: string | null;
  log: boolean | LogMode;
  text: string;
}

export interface MediaView {
  content_type: string;
  file_name: string;
  media_id: string;
  media_url: string | null;
  message_uuid: string;
  size: number;
}


/** `2021-07-13 13:04:06.799000+00:00`: Plivo's timestamp format, in UTC. */
export function plivoTime(date: Date): string {
  const iso = date.toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}000+00:00`;
}

export function messagePath(accountId: string, messageUuid: string): string {
  return `/v1/Account/${accountId}/Message/${messageUuid}/`;
}

export function toMessageView(m: MessageEntity): MessageView {
  return {
    error_code: m.errorCode,
    error_message: ERROR_MESSAGES[m.errorCode] ?? '',
    from_number: m.fromNumber,
    message_direction: m.messageDirection,
    message_expiry: m.messageExpiry,
    message_state: m.messageState,
    message_time: plivoTime(m.messageTime),
    message_sent_time: m.sentAt ? plivoTime(m.sentAt) : null,
    message_updated_time: plivoTime(m.updatedAt),
    message_type: m.messageType,
    message_uuid: m.messageUuid,
    resource_uri: messagePath(m.accountId, m.messageUuid),
    to_number: m.toNumber,
    destination_country_iso2: m.destinationCountry ?? '',
    units: m.units,
    total_rate: Number(m.totalRate).toFixed(5),
    total_amount: Number(m.totalAmount).toFixed(5),
    carrier_fees: '0.00000',
    carrier_fees_rate: '0.00000',
    powerpack_id: m.powerpackId ?? '',
    is_domestic: m.destinationCountry !== null && nanpCountry(m.fromNumber) === m.destinationCountry,
    replaced_sender: '',
    destination_network: null,
    tendlc_campaign_id: '',
    tendlc_registration_status: '',
    dlt_entity_id: '',
    dlt_template_id: '',
    dlt_template_category: '',
    mcc: m.mcc,
    mnc: m.mnc,
    log: m.logMode === LogMode.All ? true : m.logMode === LogMode.None ? false : m.logMode,
    text: m.text ?? REDACTED_TEXT,
  };
}

export function toMediaView(m: MessageMediaEntity): MediaView {
  return {
    content_type: m.contentType,
    file_name: fileNameOf(m.mediaUrl),
    media_id: m.mediaId,
    media_url: m.mediaUrl,
    message_uuid: m.messageUuid,
    size: m.size,
  };
}

function fileNameOf(url: string | null): string {
  if (!url) return '';
  try {
    return decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '');
  } catch {
    return '';
  }
}
