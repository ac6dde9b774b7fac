// One two-way run: accounts with an Application (Message URL = the harness's receiver) and
// numbers; mobile-originated messages injected at the carrier-simulator at a set rate; the
// receiver answers with Message XML; then the records say whether every MO reached its URL
// once and every reply reached the carrier once, and how long each leg took.
import { AccountRepository, ApplicationRepository } from '@sluice/persistence';
import { randomBytes, randomInt } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { beginRun, connectRunDatabase, HarnessOptions, startRunPlatform } from '../platform/harness';
import type { StartedPlatform } from '../platform/launcher';
import { SimulatorClient } from '../platform/simulator-client';
import { MessageUrlReceiver } from './message-url-receiver';
import { analyseTwoWay, InboundRow, InjectedMo, ReplyAtCarrier, TwoWayAnalysis } from './two-way-analysis';
import type { TwoWayScenario } from './two-way-scenario';

/** `receiverUrl` is the Message URL given to the Applications; it defaults to http://<receiverHost>:<port>/inbound. */
export interface TwoWayRunOptions extends HarnessOptions {
  readonly scenario: TwoWayScenario;
}

export interface TwoWayResult {
  readonly kind: 'two-way';
  readonly runId: string;
  readonly scenario: string;
  readonly description: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly settings: Omit<TwoWayScenario, 'kind' | 'name' | 'description'>;
  /** MO the simulator took per second over the injection, as achieved. */
  readonly achievedRate: number;
  readonly drainSeconds: number;
  readonly drained: boolean;
  readonly analysis: TwoWayAnalysis;
  readonly verdict: { readonly ok: boolean; readonly failures: readonly string[] };
}

interface SeededNumber {
  readonly number: string;
  readonly accountId: string;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const now = (): number => performance.timeOrigin + performance.now();

/** A fresh number of the kind: toll-free 1833…, long code 1415…, short code six digits. */
function randomNumber(type: TwoWayScenario['numberType']): string {
  const digits = (n: number) => Array.from({ length: n }, () => randomInt(10)).join('');
  if (type === 'short_code') return `${randomInt(1, 10)}${digits(5)}`;
  return `${type === 'toll_free' ? '1833' : '1415'}${randomInt(2, 10)}${digits(6)}`;
}

export async function runTwoWay(options: TwoWayRunOptions): Promise<TwoWayResult> {
  const { scenario, log } = options;
  const run = beginRun(options);
  const { startedAt, runId } = run;

  try {
    // Which MO get a Message XML answer: every (1 / replyRatio)-th one, spread evenly.
    const replies = (text: string): boolean => {
      const seq = Number(/ (\d+)$/.exec(text)?.[1] ?? NaN);
      return Number.isInteger(seq) && Math.floor((seq + 1) * scenario.replyRatio) > Math.floor(seq * scenario.replyRatio);
    };
    const receiver = new MessageUrlReceiver(replies);
    const port = await receiver.listen(options.receiverHost, options.receiverPort);
    run.undo(() => receiver.close());
    const messageUrl = options.receiverUrl ?? `http://${options.receiverHost}:${port}/inbound`;

    const tokenKey = randomBytes(32);
    let platform: StartedPlatform | null = null;
    if (options.startPlatform) {
      platform = await startRunPlatform(options, run, {
        governors: 1,
        dispatchers: 1,
        env: options.extraEnv,
        accountTokenKey: tokenKey.toString('base64'),
        adminToken: randomBytes(24).toString('hex'),
      });
    }
    const simulatorUrl = platform?.simulatorUrl ?? options.simulatorUrl;
    if (!simulatorUrl) throw new Error('give the simulator URL, or let the harness start the platform');
    const simulator = new SimulatorClient(simulatorUrl);

    const dataSource = await connectRunDatabase(options, run);
    log(`creating ${scenario.accounts} accounts, each with an Application and ${scenario.numbersPerAccount} ${scenario.numberType} numbers`);
    const numbers = await seed(dataSource, scenario, runId, messageUrl, platform ? tokenKey : undefined);
    const accountIds = [...new Set(numbers.map((n) => n.accountId))];
    /** The run's numbers in turn. */
    const numberAt = (i: number): string => numbers[i % numbers.length]?.number ?? '';

    const mobileBase = randomInt(0, 900_000);
    const mobileOf = (seq: number): string => `12025${String((mobileBase + seq) % 1_000_000).padStart(6, '0')}`;
    const inject = async (seq: number, number: string): Promise<InjectedMo> => {
      const mobile = mobileOf(seq);
      try {
        const response = await fetch(`${simulatorUrl}/simulator/mo`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ source: mobile, destination: number, text: `two-way ${runId} ${seq}` }),
        });
        await response.arrayBuffer();
        return { mobile, number, injectedAt: now(), sent: response.status === 202 };
      } catch {
        return { mobile, number, injectedAt: now(), sent: false };
      }
    };

    log('warming up: one MO to a Message URL and its reply to the carrier');
    const warmStart = now();
    const warm = await inject(1_000_000 - 1, numberAt(0));
    const warmed = warm.sent && (await waitFor(() => receiver.requests.some((r) => r.from === warm.mobile), 90_000));
    log(warmed ? `warm in ${((now() - warmStart) / 1000).toFixed(1)} s` : 'the warm-up MO did not reach its Message URL within 90 s; measuring anyway');

    const total = Math.max(1, Math.round(scenario.rate * scenario.seconds));
    log(`injecting ${total} MO at ${scenario.rate}/s for ${scenario.seconds} s`);
    const runStart = Date.now();
    const injectStart = now();
    const injected: InjectedMo[] = [];
    const inFlight = new Set<Promise<void>>();
    for (let seq = 0; seq < total; seq += 1) {
      const due = injectStart + (seq * 1000) / scenario.rate;
      const wait = due - now();
      if (wait > 0) await sleep(wait);
      while (inFlight.size >= scenario.maxInFlight) await Promise.race(inFlight);
      const task: Promise<void> = inject(seq, numberAt(seq)).then((mo) => {
        injected.push(mo);
        inFlight.delete(task);
      });
      inFlight.add(task);
    }
    await Promise.all(inFlight);
    const injectSeconds = (now() - injectStart) / 1000;
    const sent = injected.filter((mo) => mo.sent);
    log(`injected ${sent.length} of ${total} in ${injectSeconds.toFixed(1)} s; draining`);

    const sources = new Set(numbers.map((n) => n.number));
    const readReplies = async (): Promise<ReplyAtCarrier[]> =>
      (await simulator.submissionsSince(runStart)).filter((s) => sources.has(s.source) && s.status === undefined && s.destination !== warm.mobile);
    const readRows = async (): Promise<InboundRow[]> => {
      const rows: Array<{ message_uuid: string; message_state: string; error_code: string }> = await dataSource.query(
        `SELECT message_uuid, message_state, error_code FROM messages
         WHERE account_id = ANY($1::text[]) AND message_direction = 'inbound' AND message_time >= $2`,
        [accountIds, new Date(runStart - 1_000)],
      );
      const warmUuids = new Set(receiver.requests.filter((r) => r.from === warm.mobile).map((r) => r.messageUuid));
      return rows.filter((r) => !warmUuids.has(r.message_uuid)).map((r) => ({ messageUuid: r.message_uuid, state: r.message_state, errorCode: r.error_code }));
    };
    const requests = () => receiver.requests.filter((r) => r.from !== warm.mobile);
    const drainStart = now();
    const sentMobiles = new Set(sent.map((mo) => mo.mobile));
    const drained = await waitFor(async () => {
      const arrived = new Set(requests().map((r) => r.from));
      if ([...sentMobiles].some((m) => !arrived.has(m))) return false;
      const replied = new Set(requests().filter((r) => r.replied).map((r) => r.from));
      const atCarrier = new Set((await readReplies()).map((r) => r.destination));
      if ([...replied].some((m) => !atCarrier.has(m))) return false;
      return (await readRows()).every((r) => r.state !== 'received');
    }, scenario.drain.timeoutSeconds * 1000);
    const drainSeconds = (now() - drainStart) / 1000;
    // A moment more for anything sent twice to show.
    await sleep(2_000);

    const analysis = analyseTwoWay(injected, requests(), await readRows(), await readReplies());
    const failures = [...(drained ? [] : [`not drained within ${scenario.drain.timeoutSeconds} s`]), ...analysis.failures];
    const { kind: _kind, name, description, ...settings } = scenario;
    return {
      kind: 'two-way',
      runId,
      scenario: name,
      description,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      settings,
      achievedRate: sent.length / Math.max(injectSeconds, 0.001),
      drainSeconds,
      drained,
      analysis,
      verdict: { ok: failures.length === 0, failures },
    };
  } finally {
    await run.cleanup();
  }
}

async function seed(dataSource: DataSource, scenario: TwoWayScenario, runId: string, messageUrl: string, tokenKey: Buffer | undefined): Promise<SeededNumber[]> {
  const accounts = new AccountRepository(dataSource);
  const applications = new ApplicationRepository(dataSource);
  const numbers: SeededNumber[] = [];
  for (let i = 0; i < scenario.accounts; i += 1) {
    const { authId } = await accounts.create({ name: `two-way-${runId}-${i}`, smsMps: scenario.smsMps, ...(tokenKey ? { tokenKey } : {}) });
    await dataSource.query(`UPDATE accounts SET api_request_rate = 1000000 WHERE auth_id = $1`, [authId]);
    const app = await applications.create(authId, {
      appName: `two-way-${i}`,
      messageUrl,
      messageMethod: scenario.messageMethod,
      logIncomingMessages: i >= scenario.privateAccounts,
      defaultNumberApp: false,
      extra: {},
    });
    for (let n = 0; n < scenario.numbersPerAccount; ) {
      const number = randomNumber(scenario.numberType);
      const inserted: unknown[] = await dataSource.query(
        `INSERT INTO phone_numbers (number, account_id, country, number_type, verified, app_id) VALUES ($1, $2, 'US', $3, true, $4)
         ON CONFLICT (number) DO NOTHING RETURNING number`,
        [number, authId, scenario.numberType, app.appId],
      );
      if (inserted.length === 0) continue;
      numbers.push({ number, accountId: authId });
      n += 1;
    }
  }
  return numbers;
}

/** Polls `done` every 500 ms until it holds or `timeoutMs` passed; answers whether it held. */
async function waitFor(done: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await done()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(500);
  }
}
