export const OBSERVABILITY_OPTIONS = Symbol('OBSERVABILITY_OPTIONS');

export interface ObservabilityOptions {
  /** Service name on every log line and metric. */
  readonly service: string;
  readonly logLevel: string;
}
