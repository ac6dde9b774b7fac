// Operator queries on the rate card (price per unit by country, message type and direction).
import type { DataSource } from 'typeorm';
import { announceConfigChange } from '../../config-changes';
import { RateCardEntity, RateDirection } from '../../entities';

export class RateCardAdminRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Every price, or those of one direction. */
  async list(direction?: RateDirection): Promise<RateCardEntity[]> {
    return this.dataSource.getRepository(RateCardEntity).find({
      ...(direction ? { where: { direction } } : {}),
      order: { direction: 'DESC', country: 'ASC', messageType: 'ASC' },
    });
  }

  async put(country: string, messageType: string, ratePerUnit: string, direction: RateDirection = RateDirection.Outbound): Promise<RateCardEntity> {
    return this.dataSource.transaction(async (manager) => {
      await manager.getRepository(RateCardEntity).upsert({ country, messageType, direction, ratePerUnit }, ['country', 'messageType', 'direction']);
      await announceConfigChange(manager, { kind: 'rate_cards' });
      return manager.getRepository(RateCardEntity).findOneByOrFail({ country, messageType, direction });
    });
  }

  async remove(country: string, messageType: string, direction: RateDirection = RateDirection.Outbound): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const result = await manager.getRepository(RateCardEntity).delete({ country, messageType, direction });
      await announceConfigChange(manager, { kind: 'rate_cards' });
      return (result.affected ?? 0) > 0;
    });
  }
}
