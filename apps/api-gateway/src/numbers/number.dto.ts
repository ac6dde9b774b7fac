// Plivo's Number API parameters as the SDKs send them, and the Number object they read back.
import { type AccountNumber, type NumberListFilters, NumberType } from '@sluice/persistence';
import { bodyOf, optionalString, optionalSubaccount, Params } from '../applications/plivo-params';
import { ApiError } from '../errors/api-error';

/** Plivo's number types and the registrations each covers. */
const PLIVO_TYPES: Readonly<Record<string, readonly NumberType[]>> = {
  local: [NumberType.LongCode, NumberType.TenDlc],
  tollfree: [NumberType.TollFree],
  shortcode: [NumberType.ShortCode],
  // Sluice registers no mobile, fixed or national numbers: these filters match nothing.
  mobile: [],
  fixed: [],
  national: [],
};
const SERVICES = ['sms', 'mms', 'voice'] as const;

export interface NumberListQuery {
  readonly filters: NumberListFilters;
  /** The filters as given, for the `next` / `previous` paths. */
  readonly echo: ReadonlyArray<readonly [string, string]>;
  readonly params: Params;
  /** A filter no Sluice number can match (voice service). */
  readonly matchesNothing: boolean;
}

export interface UpdateNumberCommand {
  /** Null unassigns. */
  readonly appId?: string | null;
  readonly subaccount?: string;
  readonly alias?: string | null;
}

/** `+14155550100` or `14155550100` → `14155550100`; a short code as its digits. */
export function parseNumberPath(raw: string): string | null {
  const digits = raw.trim().replace(/^\+/, '');
  return /^\d{5,15}$/.test(digits) ? digits : null;
}

export function parseNumberListQuery(query: unknown): NumberListQuery {
  const params = bodyOf(query);
  const echo: Array<[string, string]> = [];
  const filters: { -readonly [K in keyof NumberListFilters]: NumberListFilters[K] } = {};
  let matchesNothing = false;
  const subaccount = optionalSubaccount(params);
  if (subaccount) {
    filters.subaccount = subaccount;
    echo.push(['subaccount', subaccount]);
  }
  const type = optionalString(params, 'type')?.trim().toLowerCase();
  if (type) {
    const types = PLIVO_TYPES[type];
    if (!types) throw ApiError.invalid('type', `must be one of ${Object.keys(PLIVO_TYPES).join(', ')}`);
    filters.numberTypes = types;
    matchesNothing ||= types.length === 0;
    echo.push(['type', type]);
  }
  const startsWith = optionalString(params, 'number_startswith')?.trim().replace(/^\+/, '');
  if (startsWith) {
    if (!/^\d{1,15}$/.test(startsWith)) throw ApiError.invalid('number_startswith', 'must be digits');
    filters.numberStartsWith = startsWith;
    echo.push(['number_startswith', startsWith]);
  }
  const alias = optionalString(params, 'alias');
  if (alias) {
    filters.alias = alias;
    echo.push(['alias', alias]);
  }
  const services = optionalString(params, 'services')?.trim().toLowerCase();
  if (services) {
    const wanted = services.split(',').map((s) => s.trim());
    if (!wanted.every((s): s is (typeof SERVICES)[number] => (SERVICES as readonly string[]).includes(s))) {
      throw ApiError.invalid('services', 'must be sms, mms and/or voice, separated by commas');
    }
    // Sluice numbers carry messages only.
    matchesNothing ||= wanted.includes('voice');
    echo.push(['services', services]);
  }
  return { filters, echo, params, matchesNothing };
}

export function parseUpdateNumber(body: unknown): UpdateNumberCommand {
  const params = bodyOf(body);
  const command: { -readonly [K in keyof UpdateNumberCommand]: UpdateNumberCommand[K] } = {};
  if ('app_id' in params) {
    const raw = params['app_id'];
    // Plivo unassigns with an empty or null app_id.
    const appId = raw === null ? '' : (optionalString(params, 'app_id')?.trim() ?? '');
    if (appId === '' || appId.toLowerCase() === 'null') command.appId = null;
    else if (/^\d{1,20}$/.test(appId)) command.appId = appId;
    else throw ApiError.invalid('app_id', 'must be an application id (digits), or empty to unassign');
  }
  const subaccount = optionalString(params, 'subaccount')?.trim();
  if (subaccount) {
    if (!/^(MA|SA)[A-Z0-9]{18}$/.test(subaccount)) throw ApiError.invalid('subaccount', 'must be an auth id of this account or one of its subaccounts');
    command.subaccount = subaccount;
  }
  if ('alias' in params) {
    const alias = optionalString(params, 'alias');
    command.alias = alias === undefined || alias.trim() === '' ? null : alias.trim();
  }
  return command;
}

/** The Number object in Plivo's field names, with what Sluice knows of the number. */
export function toNumberView(number: AccountNumber) {
  const isSubaccount = number.parentAccountId !== null;
  const tollFree = number.numberType === NumberType.TollFree;
  return {
    active: true,
    added_on: number.addedOn.toISOString().slice(0, 10),
    alias: number.alias,
    application: number.appId ? `/v1/Account/${number.accountId}/Application/${number.appId}/` : null,
    carrier: 'Sluice',
    city: '',
    country: number.country === 'CA' ? 'Canada' : 'United States',
    // Canadian short codes take no MMS.
    mms_enabled: !(number.country === 'CA' && number.numberType === NumberType.ShortCode),
    number: number.number,
    number_type: tollFree ? 'tollfree' : number.numberType === NumberType.ShortCode ? 'shortcode' : 'local',
    region: '',
    renewal_date: null,
    resource_uri: `/v1/Account/${number.accountId}/Number/${number.number}/`,
    sms_enabled: true,
    sub_account: isSubaccount ? number.accountId : null,
    sub_account_name: isSubaccount ? number.accountName : null,
    tendlc_registration_status: number.numberType === NumberType.TenDlc ? 'COMPLETED' : number.numberType === NumberType.LongCode && number.country === 'US' ? 'UNREGISTERED' : null,
    toll_free_sms_verification: tollFree ? (number.verified ? 'VERIFIED' : 'UNVERIFIED') : null,
    voice_enabled: false,
  };
}
