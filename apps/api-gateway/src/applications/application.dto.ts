// Plivo's Application parameters as the SDKs send them, and the Application object they read back.
import type { ApplicationEntity, ApplicationFields, ApplicationPatch } from '@sluice/persistence';
import { ApiError } from '../errors/api-error';
import { bodyOf, optionalBoolean, optionalMethod, optionalString, optionalSubaccount, optionalUrl, Params } from './plivo-params';

/** Voice settings the SDKs send: Sluice keeps and shows them, and uses none of them. */
const VOICE_URLS = ['answer_url', 'hangup_url', 'fallback_answer_url'] as const;
const VOICE_METHODS = ['answer_method', 'hangup_method', 'fallback_method'] as const;
const VOICE_FLAGS = ['default_endpoint_app', 'public_uri'] as const;

export interface CreateApplicationCommand {
  readonly fields: ApplicationFields;
  /** Create it for this subaccount of the caller. */
  readonly subaccount: string | undefined;
}

export interface UpdateApplicationCommand {
  readonly patch: ApplicationPatch;
  readonly subaccount: string | undefined;
}

export function parseCreateApplication(body: unknown): CreateApplicationCommand {
  const params = bodyOf(body);
  const appName = parseAppName(params);
  if (appName === undefined) throw ApiError.invalid('app_name', 'is required');
  const patch = parsePatch(params);
  return {
    fields: {
      appName,
      messageUrl: patch.messageUrl ?? null,
      messageMethod: patch.messageMethod ?? 'POST',
      logIncomingMessages: patch.logIncomingMessages ?? true,
      defaultNumberApp: patch.defaultNumberApp ?? false,
      extra: patch.extra ?? {},
    },
    subaccount: optionalSubaccount(params),
  };
}

/** Only what is given changes (the Python SDK sends its defaults for the methods and flags every time). */
export function parseUpdateApplication(body: unknown): UpdateApplicationCommand {
  const params = bodyOf(body);
  const appName = parseAppName(params);
  return { patch: { ...parsePatch(params), ...(appName !== undefined ? { appName } : {}) }, subaccount: optionalSubaccount(params) };
}

export function parseApplicationListQuery(query: unknown): { subaccount: string | undefined; appName: string | undefined; params: Params } {
  const params = bodyOf(query);
  return { subaccount: optionalSubaccount(params), appName: optionalString(params, 'app_name') || undefined, params };
}

function parseAppName(params: Params): string | undefined {
  const appName = optionalString(params, 'app_name')?.trim();
  if (appName === '') throw ApiError.invalid('app_name', 'must not be empty');
  return appName;
}

function parsePatch(params: Params): ApplicationPatch {
  const patch: { -readonly [K in keyof ApplicationPatch]: ApplicationPatch[K] } = {};
  const messageUrl = optionalUrl(params, 'message_url');
  if (messageUrl !== undefined) patch.messageUrl = messageUrl;
  const messageMethod = optionalMethod(params, 'message_method');
  if (messageMethod !== undefined) patch.messageMethod = messageMethod;
  const log = optionalBoolean(params, 'log_incoming_messages');
  if (log !== undefined) patch.logIncomingMessages = log;
  const defaultNumberApp = optionalBoolean(params, 'default_number_app');
  if (defaultNumberApp !== undefined) patch.defaultNumberApp = defaultNumberApp;
  const extra: Record<string, string | boolean | null> = {};
  for (const name of VOICE_URLS) {
    const url = optionalUrl(params, name);
    if (url !== undefined) extra[name] = url;
  }
  for (const name of VOICE_METHODS) {
    const method = optionalMethod(params, name);
    if (method !== undefined) extra[name] = method;
  }
  for (const name of VOICE_FLAGS) {
    const flag = optionalBoolean(params, name);
    if (flag !== undefined) extra[name] = flag;
  }
  if (Object.keys(extra).length > 0) patch.extra = extra;
  return patch;
}

/** The Application object in Plivo's field names; unset URLs are empty strings, as Plivo shows them. */
export function toApplicationView(app: ApplicationEntity) {
  const text = (name: string, fallback: string): string => {
    const value = app.extra[name];
    return typeof value === 'string' ? value : fallback;
  };
  const flag = (name: string): boolean => app.extra[name] === true;
  return {
    answer_method: text('answer_method', 'POST'),
    answer_url: text('answer_url', ''),
    app_id: app.appId,
    app_name: app.appName,
    application_type: 'XML',
    default_app: app.defaultNumberApp,
    default_endpoint_app: flag('default_endpoint_app'),
    enabled: true,
    fallback_answer_url: text('fallback_answer_url', ''),
    fallback_method: text('fallback_method', 'POST'),
    hangup_method: text('hangup_method', 'POST'),
    hangup_url: text('hangup_url', ''),
    log_incoming_message: app.logIncomingMessages,
    message_method: app.messageMethod,
    message_url: app.messageUrl ?? '',
    public_uri: flag('public_uri'),
    resource_uri: `/v1/Account/${app.accountId}/Application/${app.appId}/`,
    // Sluice has no SIP endpoints.
    sip_uri: '',
    sub_account: app.accountId.startsWith('SA') ? app.accountId : null,
  };
}
