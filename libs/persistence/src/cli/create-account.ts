// `npm run account:create -- <name> [sms_mps] [--sender <number> [--sender-type <type>]]`: creates an
// account, optionally registers a sender number to it (a send's `src` must be one of its numbers),
// and prints its credentials as JSON.
import { databaseEnv, loadConfig, runOrExplain } from '@sluice/config';
import { nanpCountry } from '@sluice/domain';
import { accountTokenKeyEnv } from '../account-token-cipher';
import { announceConfigChange } from '../config-changes';
import { createDataSource } from '../data-source';
import { NumberType } from '../entities';
import { AccountRepository } from '../repositories/account.repository';

const NUMBER_TYPES: readonly string[] = Object.values(NumberType);

function usage(problem: string): never {
  process.stderr.write(`${problem}\nusage: account:create <name> [sms_mps] [--sender <E.164 number or short code>] [--sender-type ${NUMBER_TYPES.join('|')}]\n`);
  process.exit(64);
}

/** The positional arguments and the sender options, checked. */
function parseArguments(args: readonly string[]): { name: string; mps?: number; sender?: { number: string; type: NumberType; country: 'US' | 'CA' } } {
  const positional: string[] = [];
  let number: string | undefined;
  let type = 'long_code';
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] ?? '';
    if (arg === '--sender' || arg === '--sender-type') {
      const value = args[i + 1];
      if (value === undefined) usage(`${arg} needs a value`);
      if (arg === '--sender') number = value.replace(/^\+/, '');
      else type = value;
      i += 1;
    } else positional.push(arg);
  }
  const [name = 'demo', smsMps] = positional;
  const mps = smsMps === undefined ? undefined : Number(smsMps);
  if (mps !== undefined && !(mps > 0)) usage(`sms_mps must be a positive number, got "${smsMps}"`);
  if (!NUMBER_TYPES.includes(type)) usage(`--sender-type must be one of ${NUMBER_TYPES.join(', ')}, got "${type}"`);
  if (number === undefined) return { name, ...(mps ? { mps } : {}) };
  const country = /^\d{5,6}$/.test(number) ? 'US' : nanpCountry(number);
  if (!country) usage(`--sender must be a US or Canadian number in E.164 or a 5–6 digit short code, got "${number}"`);
  return { name, ...(mps ? { mps } : {}), sender: { number, type: type as NumberType, country } };
}

void runOrExplain(async () => {
  // With ACCOUNT_TOKEN_KEY set, the token is also stored sealed, so callbacks can be signed with it.
  const config = loadConfig('account:create', databaseEnv.merge(accountTokenKeyEnv));
  const { name, mps, sender } = parseArguments(process.argv.slice(2));
  const dataSource = await createDataSource({ url: config.DATABASE_URL, poolSize: 1, applicationName: 'sluice-cli' }).initialize();
  try {
    const account = await new AccountRepository(dataSource).create({ name, ...(mps ? { smsMps: mps } : {}), tokenKey: config.ACCOUNT_TOKEN_KEY });
    if (sender) {
      // A number belongs to one account: registering it here moves it if another account had it.
      await dataSource.query(
        `INSERT INTO phone_numbers (number, account_id, country, number_type, verified) VALUES ($1, $2, $3, $4, true)
         ON CONFLICT (number) DO UPDATE SET account_id = EXCLUDED.account_id, country = EXCLUDED.country, number_type = EXCLUDED.number_type,
                                            verified = true, brand_id = NULL, powerpack_uuid = NULL`,
        [sender.number, account.authId, sender.country, sender.type],
      );
      await announceConfigChange(dataSource, { kind: 'phone_numbers' });
    }
    process.stdout.write(`${JSON.stringify({ auth_id: account.authId, auth_token: account.authToken, ...(sender ? { sender: sender.number } : {}) })}\n`);
  } finally {
    await dataSource.destroy();
  }
});
