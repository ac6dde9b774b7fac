import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One MMS attachment of a message, as checked at acceptance. */
@Entity('message_media')
export class MessageMediaEntity {
  @PrimaryColumn({ name: 'message_uuid', type: 'uuid' })
  messageUuid!: string;

  @PrimaryColumn({ type: 'smallint' })
  position!: number;

  @Column({ name: 'media_id', type: 'uuid' })
  mediaId!: string;

  /** Null when `log` keeps no content, or once the content retention window has passed. */
  @Column({ name: 'media_url', type: 'text', nullable: true })
  mediaUrl!: string | null;

  @Column({ name: 'content_type', type: 'varchar', length: 100 })
  contentType!: string;

  @Column({ type: 'integer' })
  size!: number;
}
