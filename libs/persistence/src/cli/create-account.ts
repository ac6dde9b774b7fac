// `npm run account:create -- <name> [sms_mps]`: creates an account and prints its credentials as JSON.
import { databaseEnv, loadConfig, runOrExplain } from '@sluice/config';
import { accountTokenKeyEnv } from '../account-token-cipher';
import { createDataSource } from '../data-source';
import { AccountRepository } from '../repositories/account.repository';

void runOrExplain(async () => {
  // With ACCOUNT_TOKEN_KEY set, the token is also stored sealed, so callbacks can be signed with it.
  const config = loadConfig('account:create', databaseEnv.merge(accountTokenKeyEnv));
  const [name = 'demo', smsMps] = process.argv.slice(2);
  const mps = smsMps === undefined ? undefined : Number(smsMps);
  if (mps !== undefined && !(mps > 0)) {
    process.stderr.write(`sms_mps must be a positive number, got "${smsMps}"\n`);
    process.exit(64);
  }
  const dataSource = await createDataSource({ url: config.DATABASE_URL, poolSize: 1, applicationName: 'sluice-cli' }).initialize();
  try {
    const account = await new AccountRepository(dataSource).create({ name, ...(mps ? { smsMps: mps } : {}), tokenKey: config.ACCOUNT_TOKEN_KEY });
    process.stdout.write(`${JSON.stringify({ auth_id: account.authId, auth_token: account.authToken })}\n`);
  } finally {
    await dataSource.destroy();
  }
});
