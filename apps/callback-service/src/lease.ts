// A delivery leased by this replica: claimed (it has a row) or taken from the feed (no row until one is written for it).
import type { CallbackDeliveryState, ClaimedDelivery } from '@sluice/persistence';

/** The row a lease holds and the claim it holds it with. */
export interface LeasedRow {
  readonly id: string;
  readonly claims: number;
}

export class Lease {
  /** `message_uuid:sequence`. */
  readonly key: string;
  /** Null while a delivery from the feed has no row. */
  row: LeasedRow | null;
  /**
   * Resolves true once the delivery has a row in Postgres (always, for a claimed one), false
   * when the row of a delivery from the feed could not be written.
   */
  readonly landed: Promise<boolean>;
  private resolveLanded!: (written: boolean) => void;
  /** A row being written for it under lease, while its attempt is still under way. */
  private rowWrite: Promise<LeasedRow | null> | null = null;
  private settled = false;
  /** What its attempt (or hand-back) made of the delivery, once known: pending when it is to be tried again. */
  ended: CallbackDeliveryState | null = null;

  constructor(readonly delivery: ClaimedDelivery) {
    this.key = `${delivery.messageUuid}:${delivery.sequence}`;
    this.row = delivery.id === null ? null : { id: delivery.id, claims: delivery.claims };
    this.landed = new Promise((resolve) => (this.resolveLanded = resolve));
    if (this.row) this.resolveLanded(true);
  }

  /** Without a row, and with neither its result nor a leased row on the way. */
  open(): boolean {
    return !this.settled && this.row === null && this.rowWrite === null;
  }

  /** A row is being written for it, leased here; the promise answers it (null if another was there). A failed write leaves it without a row. */
  writingRow(row: Promise<LeasedRow | null>): void {
    this.rowWrite = row.then(
      (written) => {
        if (written) this.row = written;
        this.resolveLanded(true);
        return this.row;
      },
      () => null,
    );
  }

  /** Its result (or hand-back) is on its way to be written: answers the row to update, once a row being written is, or null to write one. */
  async settle(): Promise<LeasedRow | null> {
    this.settled = true;
    if (this.rowWrite) await this.rowWrite;
    return this.row;
  }

  /** What became of its row; the first answer stands. */
  landedAs(written: boolean): void {
    this.resolveLanded(written);
  }
}
