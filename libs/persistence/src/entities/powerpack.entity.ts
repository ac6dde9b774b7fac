import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** A Plivo powerpack: a pool of the account's numbers a send picks its sender from. */
@Entity('powerpacks')
export class PowerpackEntity {
  @PrimaryGeneratedColumn('uuid', { name: 'powerpack_uuid' })
  powerpackUuid!: string;

  @Column({ name: 'account_id', type: 'varchar', length: 20 })
  accountId!: string;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  /** The same destination always gets the same sender from the pool (while the pool is unchanged). */
  @Column({ name: 'sticky_sender', type: 'boolean', default: true })
  stickySender!: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
