// One load-test run, start to finish: platform, receiver, ceilings, accounts, load, drain, verdict.
import { createDataSource } from '@sluice/persistence';
import { randomBytes } from 'node:crypto';
import { cpus, loadavg, release, totalmem, type } from 'node:os';
import type { DataSource } from 'typeorm';
import { Ceiling, measureCeilings } from './ceilings/ceilings';
import { seedAccounts, SeededAccount } from './fixtures/seeder';
import { LoadGenerator, PhaseResult, SentMessage } from './load/open-model';
import { countsPerBucket, windowSeries } from './measure/windows';
import { prepareInfrastructure } from './platform/infrastructure';
import { startPlatform, StartedPlatform } from './platform/launcher';
import { ProcessSampler, WatchedProcess } from './platform/process-stats';
import { SimulatorClient, Submission } from './platform/simulator-client';
import { warmUp } from './platform/warm-up';
import { ExpectedQuota, expectedQuotas } from './quotas/expected-quotas';
import { CallbackReceiver, ReceivedCallback } from './receiver/callback-receiver';
import type { BacklogSample, MachineInfo, PhaseOutcome, QuotaSeries, RunResult } from './report/result';
import { CARRIER_KEYS, Scenario } from './scenario/scenario';
import { TrafficPlan } from './scenario/traffic-plan';
import { analyse, QuotaResult } from './verify/analysis';
import { FINAL_STATES, MessageRow, PlatformProbe, StatusEventRow } from './verify/platform-probe';

export interface RunOptions {
  readonly scenario: Scenario;
  /** Start the five apps as child processes (they must be built). */
  readonly startPlatform: boolean;
  readonly gatewayUrl?: string;
  readonly simulatorUrl?: string;
  readonly databaseUrl: string;
  readonly redisUrl?: string;
  readonly kafkaBrokers?: string;
  /** Forget the simulator's record first (only when nobody else uses that simulator). */
  readonly resetSimulator: boolean;
  readonly receiverHost: string;
  readonly receiverPort: number;
  /** The callback url sent to the platform; defaults to http://<receiverHost>:<port>/status. */
  readonly receiverUrl?: string;
  readonly watch: readonly WatchedProcess[];
  readonly ceilings: boolean | null;
  readonly logDir: string;
  readonly appLogLevel: string;
  readonly extraEnv: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly log: (line: string) => void;
  /** Progress lines: `tty` rewrites one line, `lines` prints one every few seconds, `off`. */
  readonly progress: 'tty' | 'lines' | 'off';
  /** Receives the raw records (client, Postgres, carrier, callbacks) once the drain is over, the platform still running. */
  readonly onRaw?: (raw: RunRecords) => void;
  /** Called once the platform is up, with a function that stops it (for Ctrl-C). */
  readonly onCleanup?: (cleanup: () => Promise<void>) => void;
  /** Runs alongside the arrival phases (fault injection); the drain begins once both are over. */
  readonly duringLoad?: (context: LoadContext) => Promise<void>;
  /** Duplicates the run may show without failing, asked for when the verdict is given. */
  readonly allowances?: () => Allowances;
}

/** Every record a run's verdict is drawn from. */
export interface RunRecords {
  readonly sent: readonly SentMessage[];
  readonly rows: readonly MessageRow[];
  readonly events: readonly StatusEventRow[];
  readonly submissions: readonly Submission[];
  readonly callbacks: readonly ReceivedCallback[];
  readonly quotas: readonly ExpectedQuota[];
}

/** What a task running alongside the load may use. */
export interface LoadContext {
  /** Null when the harness did not start the platform. */
  readonly platform: StartedPlatform | null;
  readonly simulator: SimulatorClient;
  /** Epoch ms the first request was due. */
  readonly runStart: number;
  /** Samples `name` at `pid` from now on (a process started again). */
  follow(name: string, pid: number): void;
  /** Shown in the progress line, e.g. the fault in progress; null clears it. */
  setActivity(label: string | null): void;
}

/** Duplicates that are expected, e.g. the submissions in flight on a dispatcher that was killed. */
export interface Allowances {
  readonly carrierDuplicates: number;
  readonly callbackDuplicates: number;
  readonly why: string;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function machineInfo(loadAtStart: number[]): MachineInfo {
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 1_073_741_824) * 10) / 10,
    os: `${type()} ${release()}`,
    node: process.version,
    loadAverageAtStart: loadAtStart,
    loadAverageAtEnd: loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

const fmt = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');

export async function runLoadTest(options: RunOptions): Promise<RunResult> {
  const { scenario, log } = options;
  const startedAt = new Date();
  const loadAtStart = loadavg().map((l) => Math.round(l * 100) / 100);
  const runId = `${startedAt.toISOString().replace(/[-:]/g, '').slice(0, 15)}-${randomBytes(2).toString('hex')}`;
  const cleanups: Array<() => Promise<void>> = [];
  const cleanup = async (): Promise<void> => {
    for (const step of cleanups.splice(0).reverse()) await step().catch(() => undefined);
  };
  options.onCleanup?.(cleanup);

  try {
    const tokenKey = randomBytes(32);
    const receiver = new CallbackReceiver();
    const receiverPort = await receiver.listen(options.receiverHost, options.receiverPort);
    cleanups.push(() => receiver.close());
    const callbackUrl = options.receiverUrl ?? `http://${options.receiverHost}:${receiverPort}/status`;

    let platform: StartedPlatform | null = null;
    if (options.startPlatform) {
      if (!options.redisUrl || !options.kafkaBrokers) throw new Error('starting the platform needs REDIS_URL and KAFKA_BROKERS as well as DATABASE_URL');
      log('preparing the schema and topics');
      await prepareInfrastructure(options.databaseUrl, options.kafkaBrokers);
      log(`starting the platform (logs in ${options.logDir})`);
      const env: Record<string, Record<string, string>> = {};
      for (const source of [scenario.platform.env, options.extraEnv]) {
        for (const [app, vars] of Object.entries(source)) env[app] = { ...(env[app] ?? {}), ...vars };
      }
      platform = await startPlatform({
        databaseUrl: options.databaseUrl,
        redisUrl: options.redisUrl,
        kafkaBrokers: options.kafkaBrokers,
        governors: scenario.platform.governors,
        dispatchers: scenario.platform.dispatchers,
        env,
        simulatorProfiles: scenario.platform.simulatorProfiles,
        accountTokenKey: tokenKey.toString('base64'),
        callbackAllowedHosts: options.receiverHost,
        logLevel: options.appLogLevel,
        logDir: options.logDir,
      });
      const started = platform;
      cleanups.push(() => started.stop());
    }
    const gatewayUrl = platform?.gatewayUrl ?? options.gatewayUrl;
    const simulatorUrl = platform?.simulatorUrl ?? options.simulatorUrl;
    if (!gatewayUrl || !simulatorUrl) throw new Error('give the gateway and simulator URLs, or let the harness start the platform');
    const simulator = new SimulatorClient(simulatorUrl);
    const simulatorReset = platform !== null || options.resetSimulator;
    if (options.resetSimulator) await simulator.reset();
    if (!platform && scenario.platform.simulatorProfiles) {
      await simulator.applyProfiles(scenario.platform.simulatorProfiles);
      cleanups.push(() => simulator.restoreProfiles());
    }

    const watched: WatchedProcess[] = [
      ...(platform?.apps ?? []).flatMap((a) => (a.process.pid === undefined ? [] : [{ name: a.name, pid: a.process.pid, tree: false }])),
      ...options.watch,
      { name: 'load-tester', pid: process.pid, tree: false },
    ];
    const sampler = new ProcessSampler(watched);

    let ceilings: Ceiling[] = [];
    if (options.ceilings ?? scenario.ceilings.enabled) {
      ceilings = await measureCeilings({
        databaseUrl: options.databaseUrl,
        redisUrl: options.redisUrl,
        kafkaBrokers: options.kafkaBrokers,
        seconds: scenario.ceilings.seconds,
        log,
      });
      for (const c of ceilings) log(`ceiling: ${c.name}: ${fmt(c.rate)} ${c.unit}`);
    }

    const dataSource: DataSource = await createDataSource({ url: options.databaseUrl, poolSize: 4, applicationName: 'sluice-loadtest' }).initialize();
    cleanups.push(() => dataSource.destroy());
    log(`creating ${scenario.groups.reduce((n, g) => n + g.accounts, 0).toLocaleString('en-US')} accounts with their numbers and brands`);
    const accounts: SeededAccount[] = await seedAccounts(dataSource, scenario.groups, {
      runId,
      tokenKey: platform ? tokenKey : undefined,
      onProgress: (done, total) => log(`  ${done.toLocaleString('en-US')} / ${total.toLocaleString('en-US')} accounts`),
    });
    const quotas: ExpectedQuota[] = accounts.flatMap((account) => {
      const carriers = scenario.groups[account.groupIndex]?.carriers ?? {};
      return expectedQuotas(account, CARRIER_KEYS.filter((c) => (carriers[c] ?? 0) > 0));
    });

    log('warming up: one message to each carrier, all the way to its callback');
    const warm = await warmUp({ dataSource, gatewayUrl, callbackUrl, receiver, runId, timeoutMs: 90_000 });
    log(warm.ok ? `warm in ${warm.seconds.toFixed(1)} s` : `the warm-up messages were not all delivered within ${warm.seconds.toFixed(0)} s; measuring anyway`);
    receiver.callbacks.length = 0;
    await sleep(1_000);

    const runStart = Date.now();
    const probe = new PlatformProbe(dataSource, accounts.map((a) => a.authId), new Date(runStart - 1_000));
    const generator = new LoadGenerator(gatewayUrl, new TrafficPlan(scenario, accounts, callbackUrl), scenario.http);
    cleanups.push(() => generator.close());
    sampler.start();

    // Progress: load counters every second, the backlog from Postgres every two.
    const backlog: BacklogSample[] = [];
    let stage = 'load';
    let activity: string | null = null;
    let lastProbe = 0;
    let probing = false;
    const probeBacklog = async (): Promise<BacklogSample> => {
      const byState = await probe.states();
      const sample = {
        t: Date.now(),
        queued: byState['queued'] ?? 0,
        sent: byState['sent'] ?? 0,
        final: [...FINAL_STATES].reduce((n, s) => n + (byState[s] ?? 0), 0),
        callbacks: receiver.callbacks.length,
      };
      backlog.push(sample);
      return sample;
    };
    let lastAccepted = 0;
    const progressTimer = setInterval(() => {
      const now = Date.now();
      if (!probing && now - lastProbe >= 2_000) {
        probing = true;
        lastProbe = now;
        probeBacklog()
          .catch(() => undefined)
          .finally(() => {
            probing = false;
          });
      }
      const b = backlog[backlog.length - 1];
      const rate = generator.accepted - lastAccepted;
      lastAccepted = generator.accepted;
      const line =
        `[${((now - runStart) / 1_000).toFixed(0).padStart(4)}s] ${stage}${activity ? ` | ${activity}` : ''} | sent ${fmt(generator.sent)} accepted ${fmt(generator.accepted)} (${fmt(rate)}/s) ` +
        `failed ${fmt(generator.failed)} in flight ${fmt(generator.inFlight)} p99 ${fmt(generator.http.percentile(99))} ms` +
        (b ? ` | queued ${fmt(b.queued)} at carrier ${fmt(b.sent)} final ${fmt(b.final)} | callbacks ${fmt(receiver.callbacks.length)}` : '');
      if (options.progress === 'tty') process.stderr.write(`\r${line.padEnd(150).slice(0, 200)}`);
      else if (options.progress === 'lines' && Math.floor((now - runStart) / 1_000) % 5 === 0) log(line);
    }, 1_000);
    progressTimer.unref();
    cleanups.push(async () => clearInterval(progressTimer));

    // Started with the phases; an error it meets is raised once the arrivals are over.
    const during = options.duringLoad
      ? options
          .duringLoad({
            platform,
            simulator,
            runStart,
            follow: (name, pid) => sampler.follow(name, pid),
            setActivity: (label) => {
              activity = label;
            },
          })
          .then(
            () => null,
            (error: unknown) => ({ error }),
          )
      : Promise.resolve(null);
    const phaseResults: Array<PhaseResult & { backlogAtEnd: number | null; sustainable: boolean | null; why: string | null }> = [];
    const search = scenario.search;
    for (const [index, phase] of scenario.phases.entries()) {
      stage = `phase ${index + 1}/${scenario.phases.length} at ${fmt(phase.rate)}/s`;
      const result = await generator.runPhase(phase, index);
      let backlogAtEnd: number | null = null;
      let sustainable: boolean | null = null;
      let why: string | null = null;
      if (search) {
        await sleep(search.pauseSeconds * 1_000);
        backlogAtEnd = (await probeBacklog()).queued;
        const problems: string[] = [];
        if (result.accepted < search.minAcceptedRatio * result.scheduled) problems.push(`${fmt(result.scheduled - result.accepted)} of ${fmt(result.scheduled)} not accepted`);
        if (result.acceptedPerSecond < search.minAcceptedRatio * phase.rate) problems.push(`${fmt(result.acceptedPerSecond)}/s accepted`);
        if (result.http.percentile(99) > search.maxP99Ms) problems.push(`p99 ${fmt(result.http.percentile(99))} ms`);
        const allowed = (result.acceptedMessages / result.seconds) * search.maxBacklogSeconds;
        if (search.kind === 'end-to-end' && backlogAtEnd > allowed) problems.push(`backlog ${fmt(backlogAtEnd)} > ${fmt(allowed)}`);
        sustainable = problems.length === 0;
        why = problems.join('; ') || null;
        log(`step ${fmt(phase.rate)}/s: accepted ${fmt(result.acceptedPerSecond)}/s, p99 ${fmt(result.http.percentile(99))} ms, backlog ${fmt(backlogAtEnd)} → ${sustainable ? 'sustainable' : `not sustainable (${why})`}`);
      }
      phaseResults.push({ ...result, backlogAtEnd, sustainable, why });
      if (search && !sustainable && search.stopAtFirstFailure) break;
    }
    const arrivalEnd = Date.now();
    const duringOutcome = await during;
    if (duringOutcome) throw duringOutcome.error;

    // Drain: until every accepted message is final and every callback owed has arrived.
    stage = 'drain';
    const drainStart = Date.now();
    let timedOut = true;
    while (Date.now() - drainStart < scenario.drain.timeoutSeconds * 1_000) {
      const { byState, callbacksOwed } = await probe.progress();
      const open = Object.entries(byState)
        .filter(([state]) => !FINAL_STATES.has(state))
        .reduce((n, [, c]) => n + c, 0);
      const rows = Object.values(byState).reduce((a, b) => a + b, 0);
      const callbacksIn = new Set(receiver.callbacks.map((c) => `${c.messageUuid}#${c.sequence}`)).size;
      if (open === 0 && rows >= generator.messages.length && callbacksIn >= callbacksOwed && generator.inFlight === 0) {
        timedOut = false;
        break;
      }
      await sleep(1_000);
    }
    await sleep(scenario.drain.settleSeconds * 1_000);
    await probeBacklog();
    const drainSeconds = (Date.now() - drainStart) / 1_000;
    clearInterval(progressTimer);
    if (options.progress === 'tty') process.stderr.write('\n');
    sampler.stop();
    log(timedOut ? `drain timed out after ${drainSeconds.toFixed(0)} s` : `drained in ${drainSeconds.toFixed(1)} s; collecting the records`);

    // The dispatchers' own view of pacing: the time from each quota admission to the submit's writing, and what became of each job.
    for (const app of platform?.apps.filter((a) => a.app === 'carrier-dispatch') ?? []) {
      const text = await fetch(`http://127.0.0.1:${app.port}/metrics`)
        .then((r) => r.text())
        .catch(() => '');
      for (const line of text.split('\n')) {
        if (line.startsWith('sluice_dispatch_admission_to_submit_ms') || line.startsWith('sluice_dispatch_outcomes_total')) log(`${app.name}: ${line}`);
      }
    }

    const [rows, events, submissions] = await Promise.all([probe.messages(), probe.statusEvents(), simulator.submissionsSince(runStart - 1_000)]);
    const simulatorDuplicates = simulatorReset ? await simulator.duplicates() : null;
    options.onRaw?.({ sent: generator.messages, rows, events, submissions, callbacks: receiver.callbacks, quotas });
    const analysis = analyse({
      sent: generator.messages,
      http: generator.http,
      phases: phaseResults.length,
      rows,
      events,
      submissions,
      callbacks: receiver.callbacks,
      quotas,
    });

    // The simulator's own count of the same windows, where one query can ask it (one sender).
    const quotaById = new Map(quotas.map((x) => [x.id, x]));
    const single = analysis.quotas.filter((q) => q.windowMs > 0 && q.total > 0 && quotaById.get(q.id)?.sources.length === 1).slice(0, 500);
    for (const q of single) {
      const quota = quotaById.get(q.id);
      const source = quota?.sources[0];
      if (!quota || source === undefined) continue;
      const query: Record<string, string | number> = { windowMs: q.windowMs, source, since: runStart - 1_000 };
      if (quota.carrier) query['carrier'] = quota.carrier;
      q.witness = (await simulator.count(query)).maxInWindow;
      if (q.witness !== q.maxInWindow) log(`note: ${q.label}: the simulator counts ${q.witness} in its fullest window, the harness ${q.maxInWindow}`);
    }

    const phases: PhaseOutcome[] = phaseResults.map((p, i) => ({
      index: p.index,
      name: p.name,
      targetRate: p.targetRate,
      seconds: p.seconds,
      scheduled: p.scheduled,
      accepted: p.accepted,
      acceptedMessages: p.acceptedMessages,
      acceptedPerSecond: p.acceptedPerSecond,
      http: p.http.summary(),
      outcomes: p.outcomes,
      backlogAtEnd: p.backlogAtEnd,
      acceptToSubmit: analysis.phaseAcceptToSubmit[i] ?? null,
      sustainable: p.sustainable,
      why: p.why,
    }));
    const sustainableRates = phases.filter((p) => p.sustainable).map((p) => p.targetRate);

    const ours = new Set(generator.messages.map((m) => m.dst));
    const carrierTimes = submissions.filter((s) => s.status === undefined && ours.has(s.destination)).map((s) => s.receivedAt);
    const spanFrom = runStart;
    const spanTo = Math.max(Date.now(), ...carrierTimes);
    const carrierPerSecond = countsPerBucket(carrierTimes, spanFrom, spanTo, 1_000).map((count, i) => ({ t: spanFrom + i * 1_000, count }));

    const failures = verdict(scenario, analysis.quotas, analysis, generator, simulatorDuplicates, timedOut, options.allowances?.() ?? null);
    const requests = generator.sent;
    const arrivalSeconds = (arrivalEnd - runStart) / 1_000;
    const result: RunResult = {
      tool: 'sluice-load-tester',
      runId,
      scenario,
      startedAt: startedAt.toISOString(),
      loadStartedAt: runStart,
      finishedAt: new Date().toISOString(),
      machine: machineInfo(loadAtStart),
      target: { startedByHarness: platform !== null, gatewayUrl, simulatorUrl, simulatorReset },
      sizes: {
        accounts: accounts.length,
        numbers: accounts.reduce((n, a) => n + a.numbers.length, 0),
        brands: accounts.filter((a) => a.brand).length,
        quotas: quotas.length,
      },
      ceilings,
      phases,
      search: search ? { kind: search.kind, maxSustainableRate: sustainableRates.length ? Math.max(...sustainableRates) : null } : null,
      load: {
        requests,
        accepted: generator.accepted,
        outcomes: generator.outcomes,
        uuidMismatches: generator.mismatched,
        acceptedPerSecond: generator.accepted / Math.max(0.001, phaseResults.reduce((s, p) => s + p.seconds, 0)),
        arrivalSeconds,
      },
      drain: { seconds: drainSeconds, timedOut },
      analysis: { ...withoutHistograms(analysis), simulatorDuplicates },
      cdfs: Object.fromEntries(Object.entries(analysis.stageHistograms).map(([k, h]) => [k, thin(h.cdf(), 200)])),
      timelines: {
        load: generator.timeline.map((s) => ({ ...s })),
        backlog,
        carrierPerSecond,
        quotas: quotaSeries(analysis.quotas, quotas, submissions.filter((s) => s.status === undefined), spanFrom, spanTo),
        processes: Object.fromEntries(sampler.series),
      },
      processes: sampler.summaries(),
      verdict: { ok: failures.length === 0, failures },
    };
    return result;
  } finally {
    await cleanup();
  }
}

function withoutHistograms<T extends { stageHistograms: unknown }>(analysis: T): Omit<T, 'stageHistograms'> {
  return Object.fromEntries(Object.entries(analysis).filter(([key]) => key !== 'stageHistograms')) as Omit<T, 'stageHistograms'>;
}

/** At most `max` points of a CDF, always keeping the last. */
function thin<T>(points: readonly T[], max: number): T[] {
  if (points.length <= max) return [...points];
  const step = points.length / max;
  const kept = Array.from({ length: max }, (_, i) => points[Math.floor(i * step)]).filter((p): p is T => p !== undefined);
  return [...kept.slice(0, -1), ...points.slice(-1)];
}

/** Charts for the quotas most worth seeing: violated, then backlogged, then the busiest; at most eight. */
function quotaSeries(results: readonly QuotaResult[], quotas: readonly ExpectedQuota[], accepted: ReadonlyArray<{ source: string; carrier: string; receivedAt: number }>, from: number, to: number): QuotaSeries[] {
  const rank = (r: QuotaResult): number => (r.violation ? 3 : 0) + (r.backlogged ? 2 : 0);
  const chosen = results
    .filter((r) => r.windowMs > 0 && r.total > 0)
    .sort((a, b) => rank(b) - rank(a) || b.total / b.limit - a.total / a.limit)
    .slice(0, 8);
  const bySource = new Map<string, Array<{ carrier: string; receivedAt: number }>>();
  for (const s of accepted) bySource.set(s.source, [...(bySource.get(s.source) ?? []), s]);
  const quotaById = new Map(quotas.map((q) => [q.id, q]));
  return chosen.map((r) => {
    const quota = quotaById.get(r.id);
    const times = (quota?.sources ?? [])
      .flatMap((source) => bySource.get(source) ?? [])
      .filter((s) => !quota?.carrier || s.carrier === quota.carrier)
      .map((s) => s.receivedAt)
      .sort((a, b) => a - b);
    const step = Math.max(r.windowMs, Math.ceil((to - from) / 600 / 1_000) * 1_000);
    return { id: r.id, label: r.label, limit: r.limit, windowMs: r.windowMs, points: windowSeries(times, r.windowMs, from, to, r.windowMs >= 60_000 ? Math.max(5_000, step / 12) : step) };
  });
}

function verdict(
  scenario: Scenario,
  quotas: readonly QuotaResult[],
  analysis: ReturnType<typeof analyse>,
  generator: LoadGenerator,
  simulatorDuplicates: { extraSubmissions: number } | null,
  timedOut: boolean,
  allowances: Allowances | null,
): string[] {
  const failures: string[] = [];
  if (analysis.lost.count > 0) {
    const states = Object.entries(analysis.lost.byState).map(([s, n]) => `${n} ${s}`).join(', ');
    failures.push(`lost: ${analysis.lost.count} accepted messages not final after the drain${timedOut ? ' (timed out)' : ''} (${states})`);
  }
  const extra = Math.max(analysis.duplicates.extraSubmissions, simulatorDuplicates?.extraSubmissions ?? 0);
  const allowed = (n: number): string => (n > 0 && allowances ? ` (${n} allowed: ${allowances.why})` : '');
  if (extra > (allowances?.carrierDuplicates ?? 0)) failures.push(`duplicates: ${extra} submissions reached the carrier more than once${allowed(allowances?.carrierDuplicates ?? 0)}`);
  const violated = quotas.filter((q) => q.violation);
  for (const q of violated.slice(0, 5)) failures.push(`quota violation: ${q.label}: ${q.violation}`);
  if (violated.length > 5) failures.push(`… and ${violated.length - 5} more quota violations`);
  if (analysis.expiry.submittedAfterExpiry > 0) failures.push(`expiry: ${analysis.expiry.submittedAfterExpiry} messages reached the carrier after their message_expiry`);
  if (analysis.expiry.expiredCharged > 0) failures.push(`expiry: ${analysis.expiry.expiredCharged} expired messages were charged`);
  if (analysis.tmobileCap.charged > 0) failures.push(`T-Mobile cap: ${analysis.tmobileCap.charged} messages failed with 450 were charged`);
  if (analysis.carrier.partsMissing > 0) failures.push(`carrier: ${analysis.carrier.partsMissing} sent messages are missing parts at the carrier`);
  if (analysis.callbacks.missing > 0) failures.push(`callbacks: ${analysis.callbacks.missing} of ${analysis.callbacks.owed} never arrived`);
  if (analysis.callbacks.duplicated > (allowances?.callbackDuplicates ?? 0)) {
    failures.push(`callbacks: ${analysis.callbacks.duplicated} arrived more than once${allowed(allowances?.callbackDuplicates ?? 0)}`);
  }
  if (generator.mismatched > 0) failures.push(`gateway: ${generator.mismatched} 202 answers did not list one message_uuid per destination`);
  const minUtilisation = scenario.expect.minUtilisation;
  if (minUtilisation !== undefined) {
    const binding = new Map(scenario.groups.map((g) => [g.name, g.bindingQuota]));
    for (const q of quotas.filter((x) => x.backlogged && x.windowMs > 0 && binding.get(x.group) === x.kind && x.utilisation < minUtilisation)) {
      failures.push(`utilisation: ${q.label} used ${(q.utilisation * 100).toFixed(1)} % while backlogged (expected ≥ ${(minUtilisation * 100).toFixed(0)} %)`);
    }
  }
  const maxErrors = scenario.expect.maxHttpErrorRatio;
  if (maxErrors !== undefined && generator.sent > 0 && generator.failed / generator.sent > maxErrors) {
    failures.push(`http: ${generator.failed} of ${generator.sent} requests failed (allowed ${(maxErrors * 100).toFixed(1)} %)`);
  }
  return failures;
}

