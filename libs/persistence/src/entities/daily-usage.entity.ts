import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** Units counted against a daily cap for one scope and US Pacific day. */
@Entity('daily_usage')
export class DailyUsageEntity {
  /** e.g. `tpd:brand:<uuid>` or `daily:number:<e164>`. */
  @PrimaryColumn({ type: 'varchar', length: 120 })
  scope!: string;

  /** `YYYY-MM-DD` of the America/Los_Angeles day. */
  @PrimaryColumn({ name: 'pacific_day', type: 'date' })
  pacificDay!: string;

  @Column({ type: 'integer' })
  units!: number;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
