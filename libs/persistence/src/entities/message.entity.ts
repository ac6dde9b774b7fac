import type { LogMode, MessageDirection, MessageErrorCode, MessageState, MessageType, TextEncoding } from '@sluice/contracts';
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** The message detail record (MDR). Text and numbers are stored only as `log` allows. */
@Entity('messages')
@Index('messages_account_time_idx', ['accountId', 'messageTime'])
export class MessageEntity {
  @PrimaryColumn({ name: 'message_uuid', type: 'uuid' })
  messageUuid!: string;

  @Column({ name: 'account_id', type: 'varchar', length: 20 })
  accountId!: string;

  /** The parent account for a subaccount's message, else the account itself: a parent lists both. */
  @Column({ name: 'root_account_id', type: 'varchar', length: 20, nullable: true })
  rootAccountId!: string | null;

  /** The powerpack whose number pool supplied `from_number`, if any. */
  @Column({ name: 'powerpack_id', type: 'uuid', nullable: true })
  powerpackId!: string | null;

  /** ISO 3166 alpha-2 of the destination (`US`, `CA`). */
  @Column({ name: 'destination_country', type: 'char', length: 2, nullable: true })
  destinationCountry!: string | null;

  @Column({ name: 'message_time', type: 'timestamptz' })
  messageTime!: Date;

  @Column({ name: 'message_direction', type: 'varchar', length: 8 })
  messageDirection!: MessageDirection;

  @Column({ name: 'message_state', type: 'varchar', length: 12 })
  messageState!: MessageState;

  @Column({ name: 'message_type', type: 'varchar', length: 8 })
  messageType!: MessageType;

  @Column({ name: 'from_number', type: 'varchar', length: 20 })
  fromNumber!: string;

  /** Redacted to `12025550***` when `log` keeps no number. */
  @Column({ name: 'to_number', type: 'varchar', length: 20 })
  toNumber!: string;

  /** Null when `log` keeps no content. */
  @Column({ type: 'text', nullable: true })
  text!: string | null;

  @Column({ type: 'varchar', length: 4 })
  encoding!: TextEncoding;

  @Column({ name: 'log_mode', type: 'varchar', length: 12 })
  logMode!: LogMode;

  @Column({ type: 'smallint' })
  units!: number;

  @Column({ name: 'total_rate', type: 'numeric', precision: 12, scale: 5 })
  totalRate!: string;

  @Column({ name: 'total_amount', type: 'numeric', precision: 12, scale: 5 })
  totalAmount!: string;

  @Column({ name: 'error_code', type: 'varchar', length: 8 })
  errorCode!: MessageErrorCode;

  @Column({ name: 'message_expiry', type: 'integer' })
  messageExpiry!: number;

  @Column({ name: 'callback_url', type: 'text', nullable: true })
  callbackUrl!: string | null;

  @Column({ name: 'callback_method', type: 'varchar', length: 4 })
  callbackMethod!: string;

  /** Number of status changes so far; the next one gets sequence + 1. */
  @Column({ type: 'integer', default: 1 })
  sequence!: number;

  @Column({ name: 'carrier_message_id', type: 'varchar', length: 64, nullable: true })
  carrierMessageId!: string | null;

  @Column({ type: 'varchar', length: 5, nullable: true })
  mcc!: string | null;

  @Column({ type: 'varchar', length: 5, nullable: true })
  mnc!: string | null;

  @Column({ name: 'queued_at', type: 'timestamptz' })
  queuedAt!: Date;

  @Column({ name: 'sent_at', type: 'timestamptz', nullable: true })
  sentAt!: Date | null;

  @Column({ name: 'delivery_report_at', type: 'timestamptz', nullable: true })
  deliveryReportAt!: Date | null;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
