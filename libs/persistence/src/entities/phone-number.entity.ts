import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

export const NumberType = {
  LongCode: 'long_code',
  TenDlc: '10dlc',
  TollFree: 'toll_free',
  ShortCode: 'short_code',
} as const;
export type NumberType = (typeof NumberType)[keyof typeof NumberType];

/** A sender number registered to an account. */
@Entity('phone_numbers')
export class PhoneNumberEntity {
  /** E.164 digits without the plus (or the short code's digits). */
  @PrimaryColumn({ type: 'varchar', length: 16 })
  number!: string;

  @Column({ name: 'account_id', type: 'varchar', length: 20 })
  accountId!: string;

  @Column({ type: 'char', length: 2 })
  country!: string;

  @Column({ name: 'number_type', type: 'varchar', length: 16 })
  numberType!: NumberType;

  @Column({ name: 'brand_id', type: 'uuid', nullable: true })
  brandId!: string | null;

  /** Toll-free verification; unverified toll-free numbers are not given toll-free throughput. */
  @Column({ type: 'boolean', default: false })
  verified!: boolean;

  /** The powerpack (sender pool) the number belongs to, if any. */
  @Column({ name: 'powerpack_uuid', type: 'uuid', nullable: true })
  powerpackUuid!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
