import type { SentMessage } from '../load/open-model';
import type { Submission } from '../platform/simulator-client';
import type { ReceivedCallback } from '../receiver/callback-receiver';
import type { FaultSpec } from './chaos-scenarios';
import { allowancesFor, allReadyAt, chaosFailures, FaultRecord, multipleFinalStates, ReadinessChange, recoveries, unreadyTime } from './recovery';

const KILL_GOVERNOR: FaultSpec = { kind: 'kill-app', app: 'rate-governor', downSeconds: 2 };

function sent(uuid: string, acceptedAt: number, group = 0): SentMessage {
  return { uuid, group, authId: 'MA', src: '12345', dst: `1201${uuid.padStart(7, '0')}`, carrier: 'att', units: 1, expirySeconds: null, callback: true, phase: 0, scheduledAt: acceptedAt, acceptedAt };
}

let seq = 0;
function arrival(message: SentMessage, receivedAt: number): Submission {
  seq += 1;
  return { seq, receivedAt, carrierMessageId: `c${seq}`, source: message.src, destination: message.dst, carrier: 'att', textSha256: `t-${message.uuid}` };
}

function callback(uuid: string, status: string, receivedAt: number, sequence = 2): ReceivedCallback {
  return { messageUuid: uuid, status, sequence, errorCode: '000', receivedAt, signed: true };
}

const fault = (injectedAt: number, restoredAt: number | null, spec: FaultSpec = KILL_GOVERNOR): FaultRecord => ({
  name: 'kill-rate-governor',
  spec,
  description: 'kill -9',
  injectedAt,
  restoredAt,
});

describe('readiness after a fault', () => {
  const changes: ReadinessChange[] = [
    { t: 0, app: 'a', ready: true },
    { t: 0, app: 'b', ready: true },
    { t: 1_100, app: 'a', ready: false },
    { t: 1_200, app: 'b', ready: false },
    { t: 3_500, app: 'b', ready: true },
    { t: 4_000, app: 'a', ready: true },
  ];

  it('is the first moment from which every app answers ready', () => {
    expect(allReadyAt(changes, 1_150, 10_000)).toBe(4_000);
    expect(allReadyAt(changes, 500, 10_000)).toBe(500);
    expect(allReadyAt(changes, 4_500, 10_000)).toBe(4_500);
    expect(allReadyAt(changes, 1_150, 3_900)).toBeNull();
    expect(allReadyAt([], 0, 10_000)).toBeNull();
  });

  it('adds up how long each app was not ready', () => {
    expect(unreadyTime(changes, 1_000, 4_000)).toEqual({ a: 2_900, b: 2_300 });
    expect(unreadyTime(changes, 2_000, 3_000)).toEqual({ a: 1_000, b: 1_000 });
  });
});

describe('recoveries', () => {
  const readiness: ReadinessChange[] = [
    { t: 0, app: 'rate-governor', ready: true },
    { t: 1_050, app: 'rate-governor', ready: false },
    { t: 4_000, app: 'rate-governor', ready: true },
  ];
  const inFlight = sent('1', 900);
  const after = sent('2', 2_000);
  const paced = sent('3', 1_500, 1);

  it('measures readiness, the first new message at the carrier and its callback, and the messages in flight', () => {
    const [outcome] = recoveries({
      faults: [fault(1_000, 3_000)],
      readiness,
      sent: [inFlight, after, paced],
      submissions: [arrival(inFlight, 4_400), arrival(after, 4_200), arrival(paced, 60_000)],
      callbacks: [callback('1', 'queued', 950, 1), callback('1', 'delivered', 4_500), callback('2', 'delivered', 4_300)],
      flowGroup: 0,
      recoverWithinMs: 30_000,
      stuckAcceptedAt: [500, 2_000],
      violationsAt: [1_500, 2_500],
      supervisorRestartsAt: [40_000],
    });
    expect(outcome).toEqual(
      expect.objectContaining({
        unready: { 'rate-governor': 2_950 },
        readyAfterMs: 3_000,
        flowingAfterMs: 3_200,
        callbacksAfterMs: 3_300,
        settledAfterMs: 3_500,
        recoveredAfterMs: 3_500,
        carrierDuplicates: 0,
        callbackDuplicates: 0,
        stuck: 1,
        quotaViolations: 2,
        supervisorRestarts: 1,
      }),
    );
  });

  it('says never when new messages do not get through within the bound, and attributes duplicates to the fault before them', () => {
    const outcomes = recoveries({
      faults: [fault(1_000, 3_000), { ...fault(20_000, null), name: 'redis-flushall', spec: { kind: 'redis-flushall' } }],
      readiness,
      sent: [inFlight, after],
      submissions: [arrival(inFlight, 1_010), arrival(inFlight, 5_000), arrival(after, 45_000)],
      callbacks: [callback('1', 'delivered', 1_020), callback('1', 'delivered', 21_000), callback('2', 'delivered', 45_100)],
      flowGroup: 0,
      recoverWithinMs: 30_000,
    });
    const [first, second] = outcomes;
    expect(first).toEqual(expect.objectContaining({ flowingAfterMs: null, callbacksAfterMs: null, recoveredAfterMs: null, carrierDuplicates: 1, callbackDuplicates: 0 }));
    expect(second).toEqual(expect.objectContaining({ readyAfterMs: 0, carrierDuplicates: 0, callbackDuplicates: 1 }));
    expect(chaosFailures(outcomes, { count: 0 }, 30_000)).toEqual([
      'kill-rate-governor: not recovered within 30 s (no new messages at the carrier, no their final callbacks)',
      'redis-flushall: not recovered within 30 s (no new messages at the carrier, no their final callbacks)',
    ]);
  });

  it('counts readiness lost after a fault (a consumer that stops) even when nothing was restarted', () => {
    const [outcome] = recoveries({
      faults: [{ ...fault(1_000, null), name: 'poison-record', spec: { kind: 'poison-record' } }],
      readiness,
      sent: [],
      submissions: [],
      callbacks: [],
      flowGroup: 0,
      recoverWithinMs: 30_000,
    });
    expect(outcome?.readyAfterMs).toBe(3_000);
  });
});

describe('fault-injection checks', () => {
  it('finds messages with two final states', () => {
    expect(
      multipleFinalStates([
        { uuid: 'a', sequence: 1, state: 'queued', occurredAt: 0 },
        { uuid: 'a', sequence: 2, state: 'failed', occurredAt: 1 },
        { uuid: 'a', sequence: 3, state: 'delivered', occurredAt: 2 },
        { uuid: 'b', sequence: 2, state: 'sent', occurredAt: 1 },
        { uuid: 'b', sequence: 3, state: 'delivered', occurredAt: 2 },
      ]),
    ).toEqual({ count: 1, sample: ['a'] });
  });

  it('allows the submits and callbacks a killed process had in flight, and nothing for other faults', () => {
    const settings = { dispatcherInFlight: 100, callbacksInFlight: 64 };
    expect(allowancesFor([KILL_GOVERNOR, { kind: 'redis-flushall' }], settings)).toEqual({ carrierDuplicates: 0, callbackDuplicates: 0, why: 'no process with work in flight was killed' });
    const both = allowancesFor(
      [
        { kind: 'kill-app', app: 'carrier-dispatch', downSeconds: 2 },
        { kind: 'kill-app', app: 'carrier-dispatch', downSeconds: 2 },
        { kind: 'kill-app', app: 'callback-service', downSeconds: 2 },
      ],
      settings,
    );
    expect(both).toEqual(expect.objectContaining({ carrierDuplicates: 200, callbackDuplicates: 64 }));
  });

  it('fails a poison record that did not reach its dead-letter topic, and a problem of the injector', () => {
    const base = { ...fault(0, null), name: 'poison-record', spec: { kind: 'poison-record' } as const };
    const outcome = { unready: {}, readyAfterMs: 0, flowingAfterMs: 0, callbacksAfterMs: 0, settledAfterMs: 0, recoveredAfterMs: 0, carrierDuplicates: 0, callbackDuplicates: 0, stuck: 0, quotaViolations: 0, supervisorRestarts: 0 };
    expect(
      chaosFailures(
        [
          { ...base, ...outcome, poison: { records: 12, deadLetterTopic: 'sms.submitted.v1.dlq', deadLettered: 5 } },
          { ...base, ...outcome, poison: { records: 12, deadLetterTopic: 'sms.submitted.v1.dlq', deadLettered: null } },
          { ...base, ...outcome, poison: { records: 12, deadLetterTopic: 'sms.submitted.v1.dlq', deadLettered: 12 }, problem: 'could not start kafka again' },
        ],
        { count: 2 },
        60_000,
      ),
    ).toEqual([
      'poison-record: 5 of 12 poison records reached sms.submitted.v1.dlq',
      'poison-record: there is no dead-letter topic sms.submitted.v1.dlq',
      'poison-record: could not start kafka again',
      'final states: 2 messages reached more than one final state',
    ]);
  });
});
