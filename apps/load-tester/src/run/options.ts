// What a load-test run is asked for, and what it hands to the code that asked.
import type { SentMessage } from '../load/open-model';
import type { HarnessOptions } from '../platform/harness';
import type { StartedPlatform } from '../platform/launcher';
import type { WatchedProcess } from '../platform/process-stats';
import type { SimulatorClient, Submission } from '../platform/simulator-client';
import type { ExpectedQuota } from '../quotas/expected-quotas';
import type { ReceivedCallback } from '../receiver/callback-receiver';
import type { Scenario } from '../scenario/scenario';
import type { MessageRow, StatusEventRow } from '../verify/platform-probe';

/** `receiverUrl` is the callback url sent to the platform; it defaults to http://<receiverHost>:<port>/status. */
export interface RunOptions extends HarnessOptions {
  readonly scenario: Scenario;
  /** Forget the simulator's record first (only when nobody else uses that simulator). */
  readonly resetSimulator: boolean;
  readonly watch: readonly WatchedProcess[];
  readonly ceilings: boolean | null;
  /** Progress lines: `tty` rewrites one line, `lines` prints one every few seconds, `off`. */
  readonly progress: 'tty' | 'lines' | 'off';
  /** Receives the raw records (client, Postgres, carrier, callbacks) once the drain is over, the platform still running. */
  readonly onRaw?: (raw: RunRecords) => void;
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
