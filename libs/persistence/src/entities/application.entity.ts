import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A messaging Application (Plivo's): where and how inbound messages to its numbers are delivered. */
@Entity('applications')
@Index('applications_account_idx', ['accountId', 'createdAt'])
export class ApplicationEntity {
  /** Digits, as Plivo's app ids are. */
  @PrimaryColumn({ name: 'app_id', type: 'varchar', length: 20 })
  appId!: string;

  @Column({ name: 'account_id', type: 'varchar', length: 20 })
  accountId!: string;

  @Column({ name: 'app_name', type: 'varchar', length: 255 })
  appName!: string;

  /** Null: inbound messages to its numbers are stored as `received` and not delivered. */
  @Column({ name: 'message_url', type: 'text', nullable: true })
  messageUrl!: string | null;

  @Column({ name: 'message_method', type: 'varchar', length: 4, default: 'POST' })
  messageMethod!: 'GET' | 'POST';

  /** False: inbound text is never stored at rest and `From` is stored partly redacted. */
  @Column({ name: 'log_incoming_messages', type: 'boolean', default: true })
  logIncomingMessages!: boolean;

  @Column({ name: 'default_number_app', type: 'boolean', default: false })
  defaultNumberApp!: boolean;

  /** Voice fields the SDKs send (answer_url, hangup_url, ...): kept and shown back, not used. */
  @Column({ type: 'jsonb', default: () => `'{}'::jsonb` })
  extra!: Record<string, string | boolean | null>;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
