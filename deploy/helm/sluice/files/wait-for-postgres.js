// Init container of the migrate hook: waits until Postgres accepts DATABASE_URL and answers a
// query, or fails after WAIT_TIMEOUT_SECONDS. Runs in the Sluice image (node, pg).
const { Client } = require('pg');

const timeoutMs = Number(process.env.WAIT_TIMEOUT_SECONDS || 300) * 1000;
const deadline = Date.now() + timeoutMs;

async function attempt() {
  const client = new Client({ connectionString: process.env.DATABASE_URL, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('select 1');
    console.log('postgres answers');
    await client.end();
    process.exit(0);
  } catch (error) {
    await client.end().catch(() => undefined);
    // The message names the host or the failed check, never the password.
    const reason = error && error.message ? error.message : String(error);
    if (Date.now() >= deadline) {
      console.error(`postgres did not answer within ${timeoutMs / 1000} s: ${reason}`);
      process.exit(1);
    }
    console.log(`waiting for postgres: ${reason}`);
    setTimeout(attempt, 2000);
  }
}

if (!process.env.DATABASE_URL) {
  console.error('DATABASE_URL is not set');
  process.exit(1);
}
attempt();
