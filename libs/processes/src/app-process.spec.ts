import { spawn, spawnSync } from 'node:child_process';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ignore from 'ignore';
import { freePort, SERVICE_HEADER, serviceNodeOptions, WORKSPACE_ROOT, startAppProcess, waitUntilReady, type AppProcess } from './app-process';

describe('app processes', () => {
  it('finds a port that can be listened on', async () => {
    const port = await freePort();
    // Below the range the kernel gives outgoing connections, and never handed out twice.
    expect(port).toBeGreaterThanOrEqual(20_000);
    expect(port).toBeLessThan(Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').split(/\s+/)[0]));
    const more = await Promise.all(Array.from({ length: 20 }, () => freePort()));
    expect(new Set([port, ...more]).size).toBe(21);
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    await new Promise((resolve) => server.close(resolve));
  });

  it("reads the services' Node flags without the comments, and Node starts with them", () => {
    const flags = serviceNodeOptions();
    expect(flags.length).toBeGreaterThan(0);
    for (const flag of flags) expect(flag).toMatch(/^--[a-z-]+(=\S+)?$/);
    const started = spawnSync(process.execPath, [...flags, '-e', 'process.stdout.write(JSON.stringify(process.execArgv))'], { encoding: 'utf8' });
    expect(started.stderr).toBe('');
    expect(JSON.parse(started.stdout).slice(0, flags.length)).toEqual(flags);
  });

  it("puts the services' Node flags in the image: the Dockerfile copies the file and the build context holds it", () => {
    const dockerfile = readFileSync(join(WORKSPACE_ROOT, 'deploy', 'Dockerfile'), 'utf8');
    const copied = [...dockerfile.matchAll(/\bcp (deploy\/\S+)/g)].map((match) => match[1] ?? '');
    expect(copied).toEqual(expect.arrayContaining(['deploy/node-options', 'deploy/docker/entrypoint.sh']));
    const context = ignore().add(readFileSync(join(WORKSPACE_ROOT, '.dockerignore'), 'utf8'));
    expect(copied.filter((path) => context.ignores(path))).toEqual([]);
  });

  it('says to build first when an app has no build', () => {
    expect(() => startAppProcess({ app: 'no-such-app', port: 1, env: {}, logDir: tmpdir() })).toThrow(/no-such-app\/dist\/main\.js does not exist: build the apps first/);
  });

  it('does not take another process answering on the port for the app', async () => {
    // Something that answers 200 to any path, as a webhook receiver does, holds the app's port.
    const impostor = createHttpServer((_request, response) => response.end('ok'));
    await new Promise<void>((resolve) => impostor.listen(0, '127.0.0.1', () => resolve()));
    const address = impostor.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    // The app that should have been there: still running, never ready.
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => undefined, 10_000)'], { stdio: 'ignore' });
    const app: AppProcess = { app: 'carrier-dispatch', name: 'carrier-dispatch', port, process: child, exited: new Promise((done) => child.once('exit', done)), logPath: '/dev/null' };
    try {
      await expect(waitUntilReady(app, 600)).rejects.toThrow(/was not ready within 600 ms \(200 from a process that is not a Sluice app: ok\)/);
      impostor.removeAllListeners('request');
      impostor.on('request', (_request, response) => {
        response.setHeader(SERVICE_HEADER, 'carrier-dispatch');
        response.end('{}');
      });
      await expect(waitUntilReady(app, 2_000)).resolves.toBeUndefined();
    } finally {
      child.kill();
      await new Promise((resolve) => impostor.close(resolve));
    }
  });
});
