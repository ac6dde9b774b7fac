import type { MessageErrorCode, MessageState } from '@sluice/contracts';
import { Column, Entity, PrimaryColumn, Unique } from 'typeorm';

/**
 * One row per state change of a message: its history, keyed by message and sequence (no
 * surrogate id). In the table that key is the unique constraint below (and the replica
 * identity), not a PRIMARY KEY: TypeORM needs primary columns, so the two are declared so here.
 */
@Entity('status_events')
@Unique('status_events_message_sequence_key', ['messageUuid', 'sequence'])
export class StatusEventEntity {
  @PrimaryColumn({ name: 'message_uuid', type: 'uuid' })
  messageUuid!: string;

  @PrimaryColumn({ type: 'integer' })
  sequence!: number;

  @Column({ type: 'varchar', length: 12 })
  state!: MessageState;

  @Column({ name: 'error_code', type: 'varchar', length: 8 })
  errorCode!: MessageErrorCode;

  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;
}
