import type { CarrierId } from '@sluice/contracts';
import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** Destination prefix → carrier; the longest matching prefix wins, no match is `unknown`. */
@Entity('carrier_prefixes')
export class CarrierPrefixEntity {
  @PrimaryColumn({ type: 'varchar', length: 15 })
  prefix!: string;

  @Column({ type: 'varchar', length: 16 })
  carrier!: CarrierId;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
