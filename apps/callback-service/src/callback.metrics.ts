// The callback-service's Prometheus metrics, declared once.
import { Injectable } from '@nestjs/common';
import { MetricsRegistry } from '@sluice/observability';

@Injectable()
export class CallbackMetrics {
  readonly events;
  readonly attempts;
  readonly deliveries;
  readonly unsigned;
  readonly staleResults;
  readonly attemptDuration;
  readonly eventToDelivered;
  readonly pending;
  readonly inFlight;
  readonly openCircuits;
  readonly inbound;
  readonly replies;
  readonly feedHeld;
  readonly clearStatuses;
  readonly firstStatuses;

  constructor(metrics: MetricsRegistry) {
    this.events = metrics.counter('callback_events_total', 'Status events consumed, by what they led to', ['outcome']);
    this.attempts = metrics.counter('callback_attempts_total', 'Callback attempts by outcome', ['outcome']);
    this.deliveries = metrics.counter('callback_deliveries_total', 'Callbacks finished, by final state', ['state']);
    this.unsigned = metrics.counter('callback_unsigned_total', 'Callbacks sent without a V3 signature, by reason', ['reason']);
    this.staleResults = metrics.counter('callback_stale_results_total', 'Attempt results not applied: the lease had passed to another claim');
    this.attemptDuration = metrics.histogram(
      'callback_attempt_duration_ms',
      'Duration of callback HTTP attempts',
      [2, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 8_000, 10_000],
    );
    this.eventToDelivered = metrics.histogram(
      'callback_event_to_delivered_ms',
      'From the status change to its callback answered 2xx',
      [10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000, 180_000, 600_000],
    );
    this.pending = metrics.gauge('callback_pending', 'Callbacks waiting for their first attempt or a retry (all replicas)');
    this.inFlight = metrics.gauge('callback_in_flight', 'Callback HTTP requests in flight in this replica');
    this.openCircuits = metrics.gauge('callback_open_circuits', 'Destinations whose circuit is open in this replica');
    this.inbound = metrics.counter('callback_inbound_total', 'Inbound messages consumed, by what they led to', ['outcome']);
    this.replies = metrics.counter('callback_replies_total', 'Messages of Message XML replies, by outcome', ['outcome']);
    this.feedHeld = metrics.counter(
      'callback_feed_leased_rows_total',
      'Callbacks from the status feed still under way after CALLBACK_FEED_HOLD_MS, given a row leased to the replica',
    );
    this.clearStatuses = metrics.counter(
      'callback_clear_statuses_total',
      'Statuses of messages whose earlier statuses this replica reported, leased without reading Postgres',
    );
    this.firstStatuses = metrics.counter(
      'callback_first_statuses_total',
      'First statuses of messages, leased from the events their acceptance published without reading Postgres',
    );
  }
}
