// The verdict of a two-way run, from the records alone: every MO the carrier sent reached its
// Message URL once, every record left `received` as `delivered`, and every Message XML reply
// reached the carrier once; with the latency of each leg.
import { HistogramSummary, LogHistogram } from '../measure/histogram';
import type { InboundRequest } from './message-url-receiver';

/** One MO the harness asked the simulator to send. */
export interface InjectedMo {
  readonly mobile: string;
  readonly number: string;
  readonly injectedAt: number;
  /** False when the simulator could not send it (no bind): it is not expected anywhere. */
  readonly sent: boolean;
}

/** An inbound record of the run's accounts in Postgres. */
export interface InboundRow {
  readonly messageUuid: string;
  readonly state: string;
  readonly errorCode: string;
}

/** A submission at the carrier from one of the run's numbers. */
export interface ReplyAtCarrier {
  readonly source: string;
  readonly destination: string;
  readonly receivedAt: number;
}

export interface TwoWayAnalysis {
  readonly injected: number;
  readonly notSentBySimulator: number;
  /** MO the simulator sent that never reached a Message URL. */
  readonly lost: number;
  /** Requests beyond the first for one message (at-least-once redelivery). */
  readonly duplicateRequests: number;
  /** Mobiles whose one MO became more than one message (stored twice). */
  readonly duplicateMessages: number;
  readonly unsigned: number;
  readonly records: Readonly<Record<string, number>>;
  /** Records in any state but `delivered` at the end. */
  readonly notDelivered: number;
  readonly repliesExpected: number;
  readonly repliesMissing: number;
  readonly repliesDuplicated: number;
  /** Injected at the carrier → request at the Message URL. */
  readonly moToUrl: HistogramSummary;
  /** Request at the Message URL → the reply's submission at the carrier. */
  readonly urlToReply: HistogramSummary;
  /** The whole round trip: MO at the carrier → its reply at the carrier. */
  readonly roundTrip: HistogramSummary;
  readonly failures: readonly string[];
}

export function analyseTwoWay(injected: readonly InjectedMo[], requests: readonly InboundRequest[], rows: readonly InboundRow[], replies: readonly ReplyAtCarrier[]): TwoWayAnalysis {
  const firstRequest = new Map<string, InboundRequest>();
  let duplicateRequests = 0;
  for (const request of requests) {
    if (firstRequest.has(request.messageUuid)) duplicateRequests += 1;
    else firstRequest.set(request.messageUuid, request);
  }
  const messagesByMobile = new Map<string, InboundRequest[]>();
  for (const request of firstRequest.values()) messagesByMobile.set(request.from, [...(messagesByMobile.get(request.from) ?? []), request]);
  const repliesByMobile = new Map<string, ReplyAtCarrier[]>();
  for (const reply of replies) repliesByMobile.set(reply.destination, [...(repliesByMobile.get(reply.destination) ?? []), reply]);

  const moToUrl = new LogHistogram();
  const urlToReply = new LogHistogram();
  const roundTrip = new LogHistogram();
  let lost = 0;
  let duplicateMessages = 0;
  let repliesExpected = 0;
  let repliesMissing = 0;
  let repliesDuplicated = 0;
  const sent = injected.filter((mo) => mo.sent);
  for (const mo of sent) {
    const delivered = messagesByMobile.get(mo.mobile) ?? [];
    if (delivered.length > 1) duplicateMessages += delivered.length - 1;
    const [request] = delivered;
    if (!request) {
      lost += 1;
      continue;
    }
    moToUrl.record(Math.max(0, request.receivedAt - mo.injectedAt));
    if (!request.replied) continue;
    repliesExpected += 1;
    const atCarrier = (repliesByMobile.get(mo.mobile) ?? []).filter((r) => r.source === mo.number);
    const [first] = atCarrier;
    if (!first) {
      repliesMissing += 1;
      continue;
    }
    if (atCarrier.length > 1) repliesDuplicated += atCarrier.length - 1;
    urlToReply.record(Math.max(0, first.receivedAt - request.receivedAt));
    roundTrip.record(Math.max(0, first.receivedAt - mo.injectedAt));
  }
  const records: Record<string, number> = {};
  for (const row of rows) records[row.state] = (records[row.state] ?? 0) + 1;
  const notDelivered = rows.length - (records['delivered'] ?? 0);
  const unsigned = [...firstRequest.values()].filter((r) => !r.signed).length;

  const failures: string[] = [];
  if (sent.length === 0) failures.push('no MO was sent by the simulator');
  if (lost > 0) failures.push(`${lost} MO sent by the carrier never reached a Message URL`);
  if (duplicateMessages > 0) failures.push(`${duplicateMessages} MO became more than one message`);
  if (rows.length !== sent.length - lost + duplicateMessages) failures.push(`${rows.length} inbound records for ${sent.length - lost} MO delivered to a Message URL`);
  if (notDelivered > 0) failures.push(`${notDelivered} inbound records are not delivered`);
  if (unsigned > 0) failures.push(`${unsigned} Message URL requests carried no X-Plivo-Signature-V3`);
  if (repliesMissing > 0) failures.push(`${repliesMissing} Message XML replies never reached the carrier`);
  if (repliesDuplicated > 0) failures.push(`${repliesDuplicated} Message XML replies reached the carrier more than once`);
  return {
    injected: injected.length,
    notSentBySimulator: injected.length - sent.length,
    lost,
    duplicateRequests,
    duplicateMessages,
    unsigned,
    records,
    notDelivered,
    repliesExpected,
    repliesMissing,
    repliesDuplicated,
    moToUrl: moToUrl.summary(),
    urlToReply: urlToReply.summary(),
    roundTrip: roundTrip.summary(),
    failures,
  };
}
