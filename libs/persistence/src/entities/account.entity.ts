import { Column, CreateDateColumn, Entity, UpdateDateColumn, PrimaryColumn } from 'typeorm';

@Entity('accounts')
export class AccountEntity {
  /** 20 characters: `MA…` for accounts, `SA…` for subaccounts. */
  @PrimaryColumn({ name: 'auth_id', type: 'varchar', length: 20 })
  authId!: string;

  @Column({ name: 'parent_auth_id', type: 'varchar', length: 20, nullable: true })
  parentAuthId!: string | null;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  /** SHA-256 (hex) of the auth token; tokens are 40 random characters, so a fast hash is enough. */
  @Column({ name: 'auth_token_sha256', type: 'char', length: 64 })
  authTokenSha256!: string;

  @Column({ name: 'sms_mps', type: 'numeric', precision: 10, scale: 3, default: 5 })
  smsMps!: string;

  @Column({ name: 'mms_mps', type: 'numeric', precision: 10, scale: 3, default: 0.25 })
  mmsMps!: string;

  @Column({ type: 'boolean', default: true })
  enabled!: boolean;

  /** The auth token sealed under `ACCOUNT_TOKEN_KEY` (account-token-cipher.ts), for signing callbacks; null when created without the key. */
  @Column({ name: 'auth_token_encrypted', type: 'text', nullable: true })
  authTokenEncrypted!: string | null;

  /** Waits before each status-callback retry, replacing the service's default (Plivo: 60, 120, 240 s); null keeps the default. */
  @Column({ name: 'callback_retry_delays_ms', type: 'integer', array: true, nullable: true })
  callbackRetryDelaysMs!: number[] | null;

  /** API requests per second the account may make (HTTP 429 beyond); null uses the gateway's default. */
  @Column({ name: 'api_request_rate', type: 'integer', nullable: true })
  apiRequestRate!: number | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
