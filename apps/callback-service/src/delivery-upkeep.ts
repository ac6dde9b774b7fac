// The delivery worker's periodic tasks: the pending and open-circuit gauges, and moving statuses
// stuck behind a retrying predecessor out of the claims' way.
import { PeriodicTask } from '@sluice/messaging';
import { Supervisor } from '@sluice/observability';
import { CallbackDeliveryRepository } from '@sluice/persistence';
import { CallbackMetrics } from './callback.metrics';
import { DestinationGates } from './destination-gates';

const GAUGE_INTERVAL_MS = 5_000;
/** How often statuses stuck behind a retrying predecessor are moved out of the claims' way. */
const DEFER_INTERVAL_MS = 1_000;
const DEFER_BATCH = 2_000;

export class DeliveryUpkeep {
  private readonly deferrer: PeriodicTask;
  private gaugeTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly deliveries: CallbackDeliveryRepository,
    private readonly metrics: CallbackMetrics,
    private readonly gates: DestinationGates,
    supervisor: Supervisor,
  ) {
    this.deferrer = new PeriodicTask('callback-defer', DEFER_INTERVAL_MS, () => this.deliveries.deferBlocked(DEFER_BATCH), supervisor);
  }

  start(): void {
    this.gaugeTimer = setInterval(() => void this.updateGauges(), GAUGE_INTERVAL_MS);
    this.gaugeTimer.unref();
    this.deferrer.start();
  }

  async stop(): Promise<void> {
    if (this.gaugeTimer) clearInterval(this.gaugeTimer);
    await this.deferrer.stop();
  }

  private async updateGauges(): Promise<void> {
    this.metrics.openCircuits.set(this.gates.openCount());
    try {
      this.metrics.pending.set(await this.deliveries.pendingCount());
    } catch {
      // Postgres trouble shows in readiness; the gauge keeps its last value.
    }
  }
}
