import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The two prices a country and message type can have: sending there, and receiving on a number there. */
export const RateDirection = { Outbound: 'outbound', Inbound: 'inbound' } as const;
export type RateDirection = (typeof RateDirection)[keyof typeof RateDirection];

/** Price per unit by country, message type and direction (outbound: the destination's country; inbound: the receiving number's). */
@Entity('rate_cards')
export class RateCardEntity {
  @PrimaryColumn({ type: 'char', length: 2 })
  country!: string;

  @PrimaryColumn({ name: 'message_type', type: 'varchar', length: 8 })
  messageType!: string;

  @PrimaryColumn({ type: 'varchar', length: 8 })
  direction!: RateDirection;

  @Column({ name: 'rate_per_unit', type: 'numeric', precision: 12, scale: 5 })
  ratePerUnit!: string;
}
