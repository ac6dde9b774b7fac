import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Price per unit by destination country and message type. */
@Entity('rate_cards')
export class RateCardEntity {
  @PrimaryColumn({ type: 'char', length: 2 })
  country!: string;

  @PrimaryColumn({ name: 'message_type', type: 'varchar', length: 8 })
  messageType!: string;

  @Column({ name: 'rate_per_unit', type: 'numeric', precision: 12, scale: 5 })
  ratePerUnit!: string;
}
