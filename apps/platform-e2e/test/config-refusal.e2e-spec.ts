// Every app refuses to start, with a sentence naming the setting, when its configuration is missing or malformed.
import { freePort, startApp } from '@sluice/testing';

const APPS = ['api-gateway', 'rate-governor', 'carrier-dispatch', 'callback-service', 'carrier-simulator'] as const;

async function run(app: string, env: Record<string, string>, port?: number): Promise<{ code: number | null; output: string }> {
  const running = startApp(app, port ?? (await freePort()), env);
  let output = '';
  running.process.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  running.process.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => running.process.kill('SIGKILL'), 20_000);
  const code = await running.exited;
  clearTimeout(timer);
  return { code, output };
}

describe('configuration is validated at start-up', () => {
  it.each(APPS)('%s refuses a malformed PORT', async (app) => {
    const { code, output } = await run(app, { PORT: 'eighty', DATABASE_URL: 'postgres://x@127.0.0.1:1/x' }).then(async (r) => r);
    expect(code).toBe(78);
    expect(output).toContain(`${app} cannot start`);
  });

  it.each(APPS.filter((app) => app !== 'carrier-simulator'))('%s names a missing DATABASE_URL', async (app) => {
    const { code, output } = await run(app, { SMPP_SYSTEM_ID: 'x', SMPP_PASSWORD: 'x' });
    expect(code).toBe(78);
    expect(output).toMatch(/DATABASE_URL: is required/);
  });

  it('carrier-dispatch names a malformed KAFKA_BROKERS and a missing SMPP_PASSWORD', async () => {
    const { code, output } = await run('carrier-dispatch', {
      DATABASE_URL: 'postgres://x@127.0.0.1:1/x',
      REDIS_URL: 'redis://127.0.0.1:1',
      KAFKA_BROKERS: 'no-port',
      SMPP_SYSTEM_ID: 'sluice',
    });
    expect(code).toBe(78);
    expect(output).toMatch(/KAFKA_BROKERS: must be host:port/);
    expect(output).toMatch(/SMPP_PASSWORD: is required/);
  });
});
