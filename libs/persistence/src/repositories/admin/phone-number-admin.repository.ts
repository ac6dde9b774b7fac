// Operator queries on sender numbers, and the powerpack pools a send picks its sender from.
import type { DataSource } from 'typeorm';
import { announceConfigChange } from '../../config-changes';
import { NumberType, PhoneNumberEntity, PowerpackEntity } from '../../entities';

export interface PhoneNumberFields {
  readonly accountId: string;
  readonly country: string;
  readonly numberType: NumberType;
  readonly verified: boolean;
  readonly brandId: string | null;
  readonly powerpackUuid: string | null;
}

export interface PowerpackPool {
  readonly powerpack: PowerpackEntity;
  readonly numbers: ReadonlyArray<Pick<PhoneNumberEntity, 'number' | 'country' | 'numberType'>>;
}

export class PhoneNumberAdminRepository {
  constructor(private readonly dataSource: DataSource) {}

  async get(number: string): Promise<PhoneNumberEntity | null> {
    return this.dataSource.getRepository(PhoneNumberEntity).findOneBy({ number });
  }

  async list(filter: { accountId?: string; powerpackUuid?: string }, limit: number, offset: number): Promise<{ numbers: PhoneNumberEntity[]; total: number }> {
    const where = {
      ...(filter.accountId ? { accountId: filter.accountId } : {}),
      ...(filter.powerpackUuid ? { powerpackUuid: filter.powerpackUuid } : {}),
    };
    const [numbers, total] = await this.dataSource
      .getRepository(PhoneNumberEntity)
      .findAndCount({ where, order: { number: 'ASC' }, skip: offset, take: limit });
    return { numbers, total };
  }

  /** Creates or replaces the number's registration. */
  async put(number: string, fields: PhoneNumberFields): Promise<PhoneNumberEntity> {
    return this.dataSource.transaction(async (manager) => {
      await manager.getRepository(PhoneNumberEntity).upsert({ number, ...fields }, ['number']);
      await announceConfigChange(manager, { kind: 'phone_numbers' });
      return manager.getRepository(PhoneNumberEntity).findOneByOrFail({ number });
    });
  }

  async remove(number: string): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const result = await manager.getRepository(PhoneNumberEntity).delete({ number });
      await announceConfigChange(manager, { kind: 'phone_numbers' });
      return (result.affected ?? 0) > 0;
    });
  }

  async pool(powerpackUuid: string): Promise<PowerpackPool | null> {
    const powerpack = await this.dataSource.getRepository(PowerpackEntity).findOneBy({ powerpackUuid });
    if (!powerpack) return null;
    const numbers = await this.dataSource.getRepository(PhoneNumberEntity).find({
      select: { number: true, country: true, numberType: true },
      where: { powerpackUuid, accountId: powerpack.accountId },
      order: { number: 'ASC' },
    });
    return { powerpack, numbers };
  }
}
