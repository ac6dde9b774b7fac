// The payload schema of every topic, and the decoding a consumer applies to each record.
// Contracts stay free of dependencies, so the schemas live here; the compiler checks both
// that every Topic has one and that each covers exactly the fields of its payload type.
// Records are checked with zod 4's parser (`zod/v4`), not the zod 3 API of the config
// schemas: it decodes a record in about half the CPU, with a fraction of the garbage
// (docs/decisions/0015-record-decoding.md).
import { z } from 'zod/v4';
import {
  AcceptedMessageFields,
  CallbackMethod,
  DeadLetterReason,
  LogMode,
  MessageErrorCode,
  MessageIntent,
  MessageState,
  MessageType,
  OpsAlertKind,
  OpsAlertPayload,
  SmsInboundPayload,
  SmsStatusPayload,
  SmsSubmittedPayload,
  StatusRecordFields,
  TextEncoding,
  Topic,
  TopicPayloads,
} from '@sluice/contracts';

/** Every field of `T`, optional ones included, and no other: a field added to a payload type and not here fails the build. */
type PayloadShape<T> = { readonly [K in keyof Required<T>]: z.ZodType };

const id = z.string().min(1);
// zod 4 refuses Infinity and NaN for every number.
const epochMs = z.number().nonnegative();
const count = z.number().int().nonnegative();

const smsSubmitted = {
  messageUuid: id,
  accountId: id,
  type: z.enum(MessageType),
  src: z.string(),
  dst: z.string(),
  text: z.string(),
  sealedContent: z.string().optional(),
  encoding: z.enum(TextEncoding),
  units: count,
  mediaUrls: z.array(z.string()),
  log: z.enum(LogMode),
  acceptedAt: epochMs,
  messageExpiry: count,
  reslotted: count.optional(),
  notBefore: epochMs.optional(),
  regoverned: epochMs.optional(),
} satisfies PayloadShape<SmsSubmittedPayload>;

const statusRecord = {
  totalRate: z.string(),
  totalAmount: z.string(),
  mcc: z.string().nullable(),
  mnc: z.string().nullable(),
  sentAt: epochMs.nullable(),
  deliveryReportAt: epochMs.nullable(),
} satisfies PayloadShape<StatusRecordFields>;

const acceptedMessage = {
  callbackUrl: z.string().min(1).nullable(),
  callbackMethod: z.enum(CallbackMethod),
  from: z.string(),
  to: z.string(),
  type: z.enum(MessageType),
  units: count,
  powerpackUuid: id.nullable(),
} satisfies PayloadShape<AcceptedMessageFields>;

const smsStatus = {
  messageUuid: id,
  accountId: id,
  state: z.enum(MessageState),
  errorCode: z.enum(MessageErrorCode),
  sequence: count,
  occurredAt: epochMs,
  record: z.object(statusRecord).nullable().optional(),
  accepted: z.object(acceptedMessage).nullable().optional(),
} satisfies PayloadShape<SmsStatusPayload>;

const opsAlert = {
  alertId: id,
  kind: z.enum(OpsAlertKind),
  accountId: id,
  detectedAt: epochMs,
  summary: z.string(),
  details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
} satisfies PayloadShape<OpsAlertPayload>;

const smsInbound = {
  messageUuid: id,
  accountId: id,
  appId: id.nullable(),
  from: z.string(),
  to: z.string(),
  type: z.enum(MessageType),
  text: z.string(),
  sealedContent: z.string().optional(),
  mediaUrls: z.array(z.string()),
  units: count,
  totalRate: z.string(),
  totalAmount: z.string(),
  intent: z.enum(MessageIntent).nullable(),
  powerpackUuid: id.nullable(),
  receivedAt: epochMs,
} satisfies PayloadShape<SmsInboundPayload>;

/**
 * Fields a newer producer adds pass through untouched, so a consumer that hands a payload
 * on (a re-slot) does not drop them.
 */
export const TOPIC_SCHEMAS: { readonly [T in Topic]: z.ZodType<TopicPayloads[T], unknown> } = {
  [Topic.SmsSubmitted]: z.looseObject(smsSubmitted),
  [Topic.SmsStatus]: z.looseObject(smsStatus),
  [Topic.OpsAlerts]: z.looseObject(opsAlert),
  [Topic.SmsInbound]: z.looseObject(smsInbound),
};

export type DecodedRecord<T extends Topic> =
  | { readonly ok: true; readonly payload: TopicPayloads[T] }
  | { readonly ok: false; readonly reason: DeadLetterReason; readonly detail: string };

/** Parses and validates one record's value; the failure detail never quotes the value. */
export function decodeRecord<T extends Topic>(topic: T, value: Buffer | null): DecodedRecord<T> {
  if (!value || value.length === 0) return { ok: false, reason: DeadLetterReason.InvalidJson, detail: 'the record has no value' };
  let json: unknown;
  try {
    json = JSON.parse(value.toString('utf8'));
  } catch (error: unknown) {
    const position = /position (\d+)/.exec(error instanceof Error ? error.message : '')?.[1];
    return { ok: false, reason: DeadLetterReason.InvalidJson, detail: position === undefined ? 'not JSON' : `not JSON (at position ${position})` };
  }
  const result = TOPIC_SCHEMAS[topic].safeParse(json);
  if (result.success) return { ok: true, payload: result.data };
  return { ok: false, reason: DeadLetterReason.InvalidPayload, detail: describeIssues(result.error.issues) };
}

const MAX_ISSUES = 10;

function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  const described = issues.slice(0, MAX_ISSUES).map((issue) => {
    const path = issue.path.length > 0 ? issue.path.join('.') : '(the value)';
    // zod's sentences name the type received, never the value.
    if (issue.code === 'invalid_value') return `${path}: must be one of ${issue.values.map(String).join(', ')}`;
    return `${path}: ${issue.message}`;
  });
  const more = issues.length > MAX_ISSUES ? `; and ${issues.length - MAX_ISSUES} more` : '';
  return `${described.join('; ')}${more}`;
}
