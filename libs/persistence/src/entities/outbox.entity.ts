import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * Kafka records committed in the same transaction as the rows they describe, so an
 * accepted message reaches Kafka even if the process dies before publishing.
 */
@Entity('outbox')
export class OutboxEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id!: string;

  @Column({ type: 'varchar', length: 100 })
  topic!: string;

  @Column({ name: 'record_key', type: 'varchar', length: 100 })
  recordKey!: string;

  @Column({ type: 'jsonb' })
  payload!: unknown;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
