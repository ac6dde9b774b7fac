import { Column, CreateDateColumn, Entity, UpdateDateColumn, PrimaryGeneratedColumn } from 'typeorm';

/** A 10DLC brand: its use case and vetting score set its TPM per carrier and T-Mobile TPD. */
@Entity('brands')
export class BrandEntity {
  @PrimaryGeneratedColumn('uuid', { name: 'brand_id' })
  brandId!: string;

  @Column({ name: 'account_id', type: 'varchar', length: 20 })
  accountId!: string;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  /** `dedicated`, `mixed`, `marketing`, `low_volume`, ... */
  @Column({ name: 'use_case', type: 'varchar', length: 40 })
  useCase!: string;

  @Column({ name: 'vetting_score', type: 'smallint' })
  vettingScore!: number;

  /** Overrides the T-Mobile daily cap derived from the vetting score. */
  @Column({ name: 'tmobile_tpd_override', type: 'integer', nullable: true })
  tmobileTpdOverride!: number | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
