// What decoding a consumed record costs: decodeRecord (JSON.parse and the topic's schema) per
// topic, against JSON.parse alone in the same run. CPU microseconds a record (process.cpuUsage).
import { CallbackMethod, LogMode, MessageErrorCode, MessageState, MessageType, TextEncoding, Topic, type TopicPayloads } from '@sluice/contracts';
import { decodeRecord } from '../src/kafka/topic-schemas';

const RECORDS = 200_000;
const ROUNDS = 5;

const samples: { readonly [T in typeof Topic.SmsStatus | typeof Topic.SmsSubmitted]: TopicPayloads[T] } = {
  [Topic.SmsStatus]: {
    messageUuid: '0b6c1d1e-8d8e-4b8a-9c1a-1d2e3f4a5b6c',
    accountId: 'MAR9RTGG8JC0PS1JEKR3',
    state: MessageState.Queued,
    errorCode: MessageErrorCode.Ok,
    sequence: 1,
    occurredAt: 1_796_476_301_981,
    // A first status as the gateway publishes it: the record and the accepted message's fields.
    record: { totalRate: '0.00500', totalAmount: '0.00500', mcc: null, mnc: null, sentAt: null, deliveryReportAt: null },
    accepted: {
      callbackUrl: 'https://example.com/sms/status',
      callbackMethod: CallbackMethod.Post,
      from: '14155550100',
      to: '12025550123',
      type: MessageType.Sms,
      units: 1,
      powerpackUuid: null,
    },
  },
  [Topic.SmsSubmitted]: {
    messageUuid: '0b6c1d1e-8d8e-4b8a-9c1a-1d2e3f4a5b6c',
    accountId: 'MAR9RTGG8JC0PS1JEKR3',
    type: MessageType.Sms,
    src: '14155550100',
    dst: '12025550123',
    text: 'Your code is 123456. It expires in ten minutes.',
    encoding: TextEncoding.Gsm7,
    units: 1,
    mediaUrls: [],
    log: LogMode.All,
    acceptedAt: 1_796_476_301_981,
    messageExpiry: 14_400,
  },
};

function cpuMicrosPerRecord(run: () => void): number {
  const started = process.cpuUsage();
  for (let i = 0; i < RECORDS; i += 1) run();
  const used = process.cpuUsage(started);
  return (used.user + used.system) / RECORDS;
}

for (let round = 1; round <= ROUNDS; round += 1) {
  for (const topic of [Topic.SmsStatus, Topic.SmsSubmitted] as const) {
    const value = Buffer.from(JSON.stringify(samples[topic]));
    const parseOnly = cpuMicrosPerRecord(() => JSON.parse(value.toString('utf8')));
    const decode = cpuMicrosPerRecord(() => {
      if (!decodeRecord(topic, value).ok) throw new Error(`the ${topic} sample does not decode`);
    });
    process.stdout.write(`round ${round} ${topic.padEnd(16)} decodeRecord ${decode.toFixed(2)} µs, JSON.parse alone ${parseOnly.toFixed(2)} µs (×${(decode / parseOnly).toFixed(1)})\n`);
  }
}
