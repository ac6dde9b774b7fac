// The JSON result of a run: everything the summary and the HTML report are drawn from.
import type { Ceiling } from '../ceilings/ceilings';
import type { CdfPoint, HistogramSummary } from '../measure/histogram';
import type { ProcessSample, ProcessSummary } from '../platform/process-stats';
import type { Scenario } from '../scenario/scenario';
import type { Analysis } from '../verify/analysis';

export interface MachineInfo {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly os: string;
  readonly node: string;
  readonly loadAverageAtStart: readonly number[];
  readonly loadAverageAtEnd: readonly number[];
}

export interface PhaseOutcome {
  readonly index: number;
  readonly name: string;
  readonly targetRate: number;
  readonly seconds: number;
  readonly scheduled: number;
  readonly accepted: number;
  readonly acceptedMessages: number;
  readonly acceptedPerSecond: number;
  readonly http: HistogramSummary;
  readonly outcomes: Record<string, number>;
  /** Messages still queued when the step ended (after the pause), for end-to-end searches. */
  readonly backlogAtEnd: number | null;
  readonly acceptToSubmit: HistogramSummary | null;
  /** Accept → final callback of the messages sent in this phase. */
  readonly acceptToFinalCallback: HistogramSummary | null;
  /** Step searches only. */
  readonly sustainable: boolean | null;
  readonly why: string | null;
}

export interface BacklogSample {
  readonly t: number;
  readonly queued: number;
  readonly sent: number;
  readonly final: number;
  readonly callbacks: number;
}

export interface QuotaSeries {
  readonly id: string;
  readonly label: string;
  readonly limit: number;
  readonly windowMs: number;
  /** Fullest window starting in each step. */
  readonly points: ReadonlyArray<{ t: number; count: number }>;
}

export interface RunResult {
  readonly tool: 'sluice-load-tester';
  readonly runId: string;
  readonly scenario: Scenario;
  readonly startedAt: string;
  /** Epoch ms the first request was due: time 0 of the charts. */
  readonly loadStartedAt: number;
  readonly finishedAt: string;
  readonly machine: MachineInfo;
  readonly target: { readonly startedByHarness: boolean; readonly gatewayUrl: string; readonly simulatorUrl: string; readonly simulatorReset: boolean };
  readonly sizes: { readonly accounts: number; readonly numbers: number; readonly brands: number; readonly quotas: number };
  readonly ceilings: readonly Ceiling[];
  readonly phases: readonly PhaseOutcome[];
  readonly search: { readonly kind: string; readonly maxSustainableRate: number | null } | null;
  readonly load: {
    readonly requests: number;
    readonly accepted: number;
    readonly outcomes: Record<string, number>;
    readonly uuidMismatches: number;
    /** 202s per second over the arrival phases. */
    readonly acceptedPerSecond: number;
    readonly arrivalSeconds: number;
  };
  readonly drain: { readonly seconds: number; readonly timedOut: boolean };
  readonly analysis: Omit<Analysis, 'stageHistograms'> & { readonly simulatorDuplicates: { groups: number; extraSubmissions: number } | null };
  readonly cdfs: Record<string, CdfPoint[]>;
  readonly timelines: {
    readonly load: ReadonlyArray<{ t: number; sent: number; accepted: number; failed: number }>;
    readonly backlog: readonly BacklogSample[];
    /** Accepted carrier submissions per second. */
    readonly carrierPerSecond: ReadonlyArray<{ t: number; count: number }>;
    readonly quotas: readonly QuotaSeries[];
    readonly processes: Record<string, readonly ProcessSample[]>;
  };
  readonly processes: readonly ProcessSummary[];
  /** CPU ms per accepted message, summed over the platform's processes (apps, Postgres, Redis, Kafka) and for Postgres alone. */
  readonly cpuPerMessage?: { readonly platformMs: number; readonly postgresMs: number };
  readonly verdict: { readonly ok: boolean; readonly failures: readonly string[] };
}
