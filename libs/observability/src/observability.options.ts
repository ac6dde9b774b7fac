import type { SupervisionOptions } from './supervisor.service';

export const OBSERVABILITY_OPTIONS = Symbol('OBSERVABILITY_OPTIONS');

export interface ObservabilityOptions {
  /** Service name on every log line and metric. */
  readonly service: string;
  readonly logLevel: string;
  /** Bounds after which a consumer or loop that stays down makes the process exit (120 s each by default). */
  readonly supervision?: Partial<SupervisionOptions>;
}
