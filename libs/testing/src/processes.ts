// Starts built Sluice apps as real child processes and waits until they are ready.
import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { WORKSPACE_ROOT } from './infrastructure';

export interface RunningApp {
  readonly name: string;
  readonly port: number;
  readonly process: ChildProcess;
  /** Resolves with the exit code once the process has ended. */
  readonly exited: Promise<number | null>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** Runs `node apps/<name>/dist/main.js` with the given environment; output goes to tmp/test-logs/<name>.log. */
export function startApp(name: string, port: number, env: Record<string, string>): RunningApp {
  const logDir = join(WORKSPACE_ROOT, 'tmp', 'test-logs');
  mkdirSync(logDir, { recursive: true });
  const log = createWriteStream(join(logDir, `${name}.log`), { flags: 'a' });
  const child = spawn(process.execPath, [join(WORKSPACE_ROOT, 'apps', name, 'dist', 'main.js')], {
    cwd: WORKSPACE_ROOT,
    env: { PATH: process.env['PATH'] ?? '', PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  return { name, port, process: child, exited };
}

export async function waitUntilReady(app: RunningApp, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (app.process.exitCode !== null) throw new Error(`${app.name} exited with code ${app.process.exitCode} before it was ready`);
    try {
      const response = await fetch(`http://127.0.0.1:${app.port}/health/ready`);
      if (response.ok) return;
      last = `${response.status} ${await response.text()}`;
    } catch (error: unknown) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolveWait) => setTimeout(resolveWait, 250));
  }
  throw new Error(`${app.name} was not ready within ${timeoutMs} ms: ${last}`);
}

/** SIGTERM, then SIGKILL if the app has not finished its graceful shutdown in time. */
export async function stopApp(app: RunningApp, graceMs = 15_000): Promise<number | null> {
  if (app.process.exitCode !== null) return app.process.exitCode;
  app.process.kill('SIGTERM');
  const timer = setTimeout(() => app.process.kill('SIGKILL'), graceMs);
  try {
    return await app.exited;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Polls until `probe` returns a value other than undefined. On a time-out, `explain` (when given)
 * says what was seen instead, so the failure names the state the test was stuck in.
 */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  what: string,
  explain?: () => Promise<string>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolveWait) => setTimeout(resolveWait, 100));
  }
  const seen = explain ? `; seen instead: ${await explain().catch((error: unknown) => `(could not tell: ${String(error)})`)}` : '';
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${seen}`);
}
