// Runs the built Sluice apps as child processes (`node apps/<app>/dist/main.js`), as an
// operator would on one machine: start, wait until ready, stop gracefully.
import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

/** The repository root, from libs/processes/src or libs/processes/dist alike. */
export const WORKSPACE_ROOT = resolve(__dirname, '../../..');

export interface AppProcess {
  /** The app's folder under apps/. */
  readonly app: string;
  /** How logs and errors call it (`rate-governor-2` when several run). */
  readonly name: string;
  readonly port: number;
  readonly process: ChildProcess;
  /** Resolves with the exit code once the process has ended. */
  readonly exited: Promise<number | null>;
  readonly logPath: string;
}

export interface StartOptions {
  readonly app: string;
  readonly name?: string;
  readonly port: number;
  /** The whole environment besides PATH, PORT and HOST (nothing else is inherited). */
  readonly env: Readonly<Record<string, string>>;
  /** Output goes to <logDir>/<name>.log, appended. */
  readonly logDir: string;
}

/** The Node flags every service runs with: deploy/node-options, comments left out (the entrypoint and scripts/dev.sh read it too). */
export function serviceNodeOptions(): string[] {
  return readFileSync(join(WORKSPACE_ROOT, 'deploy', 'node-options'), 'utf8')
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .flatMap((line) => line.split(/\s+/))
    .filter((word) => word.length > 0);
}

/** The header naming the app that answered a readiness probe (set by every app's health controller). */
export const SERVICE_HEADER = 'x-sluice-service';

/** The lowest port handed out: below it are the well-known and registered services people run locally. */
const LOWEST_PORT = 20_000;
/** Ports this process handed out already: never the same one twice. */
const handedOut = new Set<number>();

/** The first port the kernel picks for outgoing connections (Linux's ip_local_port_range; 32768 elsewhere). */
function ephemeralPortsFrom(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > LOWEST_PORT + 1_000 ? low : 32_768;
  } catch {
    return 32_768;
  }
}

function canListen(port: number): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer();
    server.once('error', () => done(false));
    server.listen(port, '127.0.0.1', () => server.close(() => done(true)));
  });
}

/**
 * A TCP port free on loopback at the moment of asking, for an app about to start. It is taken
 * below the kernel's range for outgoing connections: a port from that range (what listening on
 * port 0 gives) can be taken by any process's next outgoing connection before the app listens on
 * it, as the apps starting meanwhile open theirs to Postgres, Redis and Kafka.
 */
export async function freePort(): Promise<number> {
  const span = ephemeralPortsFrom() - LOWEST_PORT;
  for (let tries = 0; tries < 200; tries += 1) {
    const port = LOWEST_PORT + Math.floor(Math.random() * span);
    if (handedOut.has(port)) continue;
    // Reserved before the check, so that calls made at once never get the same port.
    handedOut.add(port);
    if (await canListen(port)) return port;
    handedOut.delete(port);
  }
  throw new Error(`no free port found between ${LOWEST_PORT} and ${LOWEST_PORT + span}`);
}

export function startAppProcess(options: StartOptions): AppProcess {
  const name = options.name ?? options.app;
  const main = join(WORKSPACE_ROOT, 'apps', options.app, 'dist', 'main.js');
  if (!existsSync(main)) throw new Error(`${main} does not exist: build the apps first (npm run build)`);
  mkdirSync(options.logDir, { recursive: true });
  const logPath = join(options.logDir, `${name}.log`);
  const log = createWriteStream(logPath, { flags: 'a' });
  const child = spawn(process.execPath, [...serviceNodeOptions(), main], {
    cwd: WORKSPACE_ROOT,
    env: { PATH: process.env['PATH'] ?? '', PORT: String(options.port), HOST: '127.0.0.1', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return { app: options.app, name, port: options.port, process: child, exited, logPath };
}

/**
 * Polls /health/ready until the app answers 200, naming itself; fails early if the process exits.
 * Another process on its port (one that took the port between its choice and the app's start)
 * answers without the app's name, so it is not taken for the app.
 */
export async function waitUntilReady(app: AppProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    const { exitCode, signalCode } = app.process;
    if (exitCode !== null || signalCode !== null) {
      throw new Error(`${app.name} exited with ${exitCode !== null ? `code ${exitCode}` : signalCode} before it was ready; see ${app.logPath}`);
    }
    try {
      const response = await fetch(`http://127.0.0.1:${app.port}/health/ready`);
      const service = response.headers.get(SERVICE_HEADER);
      if (response.ok && service === app.app) return;
      last = `${response.status} from ${service ?? 'a process that is not a Sluice app'}: ${await response.text()}`;
    } catch (error: unknown) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolveWait) => setTimeout(resolveWait, 250));
  }
  throw new Error(`${app.name} was not ready within ${timeoutMs} ms (${last}); see ${app.logPath}`);
}

/** SIGTERM, then SIGKILL if the graceful shutdown takes longer than `graceMs`. */
export async function stopApp(app: AppProcess, graceMs = 15_000): Promise<number | null> {
  if (app.process.exitCode !== null || app.process.signalCode !== null) return app.process.exitCode;
  app.process.kill('SIGTERM');
  const timer = setTimeout(() => app.process.kill('SIGKILL'), graceMs);
  try {
    return await app.exited;
  } finally {
    clearTimeout(timer);
  }
}
