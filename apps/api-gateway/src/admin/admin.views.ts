// Admin API resources as JSON (snake_case, like the public API).
import type { AccountEntity, BrandEntity, CarrierPrefixEntity, PhoneNumberEntity, PowerpackEntity, RateCardEntity } from '@sluice/persistence';

export const accountView = (a: AccountEntity) => ({
  auth_id: a.authId,
  parent_auth_id: a.parentAuthId,
  name: a.name,
  enabled: a.enabled,
  sms_mps: Number(a.smsMps),
  mms_mps: Number(a.mmsMps),
  api_request_rate: a.apiRequestRate,
  created_at: a.createdAt.toISOString(),
  updated_at: a.updatedAt.toISOString(),
});

export const numberView = (n: PhoneNumberEntity) => ({
  number: n.number,
  account_id: n.accountId,
  country: n.country,
  number_type: n.numberType,
  verified: n.verified,
  brand_id: n.brandId,
  powerpack_uuid: n.powerpackUuid,
  created_at: n.createdAt.toISOString(),
});

export const brandView = (b: BrandEntity) => ({
  brand_id: b.brandId,
  account_id: b.accountId,
  name: b.name,
  use_case: b.useCase,
  vetting_score: b.vettingScore,
  tmobile_tpd_override: b.tmobileTpdOverride,
  created_at: b.createdAt.toISOString(),
  updated_at: b.updatedAt.toISOString(),
});

export const powerpackView = (p: PowerpackEntity) => ({
  powerpack_uuid: p.powerpackUuid,
  account_id: p.accountId,
  name: p.name,
  sticky_sender: p.stickySender,
  created_at: p.createdAt.toISOString(),
  updated_at: p.updatedAt.toISOString(),
});

export const rateView = (r: RateCardEntity) => ({ country: r.country, message_type: r.messageType, direction: r.direction, rate_per_unit: Number(r.ratePerUnit).toFixed(5) });

export const prefixView = (p: CarrierPrefixEntity) => ({ prefix: p.prefix, carrier: p.carrier, updated_at: p.updatedAt.toISOString() });

export function page<T>(objects: T[], total: number, limit: number, offset: number) {
  return { meta: { limit, offset, total_count: total }, objects };
}
