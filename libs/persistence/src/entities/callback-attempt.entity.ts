import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** One HTTP attempt to deliver a status callback (or an inbound message) to the customer's url. */
@Entity('callback_attempts')
@Index('callback_attempts_message_idx', ['messageUuid', 'sequence'])
export class CallbackAttemptEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id!: string;

  @Column({ name: 'message_uuid', type: 'uuid' })
  messageUuid!: string;

  /** The status event's sequence this attempt reports. */
  @Column({ type: 'integer' })
  sequence!: number;

  @Column({ type: 'varchar', length: 12 })
  status!: string;

  @Column({ type: 'varchar', length: 4 })
  method!: string;

  @Column({ type: 'text' })
  url!: string;

  @Column({ type: 'smallint' })
  attempt!: number;

  @Column({ name: 'attempted_at', type: 'timestamptz' })
  attemptedAt!: Date;

  @Column({ name: 'http_status', type: 'smallint', nullable: true })
  httpStatus!: number | null;

  @Column({ name: 'latency_ms', type: 'integer' })
  latencyMs!: number;

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  @Column({ type: 'boolean' })
  succeeded!: boolean;

  /** Inbound deliveries: the messages sent from the Message XML the customer answered with. */
  @Column({ name: 'reply_message_uuids', type: 'uuid', array: true, nullable: true })
  replyMessageUuids!: string[] | null;

  /** Inbound deliveries: why (part of) the answered Message XML was not sent. */
  @Column({ name: 'reply_error', type: 'text', nullable: true })
  replyError!: string | null;
}
