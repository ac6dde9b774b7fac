// Operator queries on powerpacks (sender pools).
import type { DataSource } from 'typeorm';
import { announceConfigChange } from '../../config-changes';
import { PowerpackEntity } from '../../entities';

export class PowerpackAdminRepository {
  constructor(private readonly dataSource: DataSource) {}

  async create(input: { accountId: string; name: string; stickySender: boolean }): Promise<PowerpackEntity> {
    const repository = this.dataSource.getRepository(PowerpackEntity);
    return repository.save(repository.create(input));
  }

  async get(powerpackUuid: string): Promise<PowerpackEntity | null> {
    return this.dataSource.getRepository(PowerpackEntity).findOneBy({ powerpackUuid });
  }

  async list(accountId: string | undefined, limit: number, offset: number): Promise<{ powerpacks: PowerpackEntity[]; total: number }> {
    const [powerpacks, total] = await this.dataSource
      .getRepository(PowerpackEntity)
      .findAndCount({ where: accountId ? { accountId } : {}, order: { createdAt: 'ASC' }, skip: offset, take: limit });
    return { powerpacks, total };
  }

  async update(powerpackUuid: string, patch: { name?: string; stickySender?: boolean }): Promise<PowerpackEntity | null> {
    return this.dataSource.transaction(async (manager) => {
      if (Object.keys(patch).length > 0) {
        const result = await manager.getRepository(PowerpackEntity).update({ powerpackUuid }, patch);
        if (!result.affected) return null;
      }
      await announceConfigChange(manager, { kind: 'powerpack', powerpackUuid });
      return manager.getRepository(PowerpackEntity).findOneBy({ powerpackUuid });
    });
  }

  /** Its numbers leave the pool (the foreign key sets them to no powerpack). */
  async remove(powerpackUuid: string): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const result = await manager.getRepository(PowerpackEntity).delete({ powerpackUuid });
      await announceConfigChange(manager, { kind: 'powerpack', powerpackUuid });
      return (result.affected ?? 0) > 0;
    });
  }
}
