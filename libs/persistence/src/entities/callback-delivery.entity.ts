import type { MessageErrorCode, MessageState } from '@sluice/contracts';
import { Column, Entity, PrimaryGeneratedColumn, Unique } from 'typeorm';

export const CallbackDeliveryState = {
  /** Due at `next_attempt_at` (or leased by a replica until then). */
  Pending: 'pending',
  Delivered: 'delivered',
  /** Every attempt of the retry schedule failed. */
  Exhausted: 'exhausted',
  /** Never sent: the url is not http(s) or points at a private address the allow-list does not permit. */
  Refused: 'refused',
} as const;
export type CallbackDeliveryState = (typeof CallbackDeliveryState)[keyof typeof CallbackDeliveryState];

/** What a delivery carries: a status callback to the send's `url`, or an inbound message to its Application's Message URL. */
export const CallbackKind = { Status: 'status', Inbound: 'inbound' } as const;
export type CallbackKind = (typeof CallbackKind)[keyof typeof CallbackKind];

/**
 * One request owed to a customer until delivered or given up: the status change `sequence`
 * of a message to its callback url, or an inbound message to its Message URL.
 */
@Entity('callback_deliveries')
@Unique('callback_deliveries_message_sequence_key', ['messageUuid', 'sequence'])
export class CallbackDeliveryEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id!: string;

  @Column({ name: 'message_uuid', type: 'uuid' })
  messageUuid!: string;

  @Column({ type: 'integer' })
  sequence!: number;

  @Column({ name: 'account_id', type: 'varchar', length: 20 })
  accountId!: string;

  @Column({ type: 'varchar', length: 8, default: CallbackKind.Status })
  kind!: CallbackKind;

  @Column({ type: 'varchar', length: 12 })
  status!: MessageState;

  @Column({ name: 'error_code', type: 'varchar', length: 8 })
  errorCode!: MessageErrorCode;

  /** When the status change happened. */
  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;

  @Column({ type: 'text' })
  url!: string;

  @Column({ type: 'varchar', length: 4 })
  method!: string;

  /** `scheme://host:port` of the url: the unit of concurrency limits and circuit breaking. */
  @Column({ type: 'text' })
  destination!: string;

  /** Waits before each retry, fixed when the callback was enqueued. */
  @Column({ name: 'retry_delays_ms', type: 'integer', array: true })
  retryDelaysMs!: number[];

  @Column({ type: 'varchar', length: 10 })
  state!: CallbackDeliveryState;

  @Column({ type: 'smallint' })
  attempts!: number;

  /** Incremented by every claim; a result is applied only by the claim that holds the row. */
  @Column({ type: 'integer' })
  claims!: number;

  @Column({ name: 'next_attempt_at', type: 'timestamptz' })
  nextAttemptAt!: Date;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;
}
