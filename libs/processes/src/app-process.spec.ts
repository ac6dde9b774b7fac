import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { freePort, startAppProcess } from './app-process';

describe('app processes', () => {
  it('finds a port that can be listened on', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    await new Promise((resolve) => server.close(resolve));
  });

  it('says to build first when an app has no build', () => {
    expect(() => startAppProcess({ app: 'no-such-app', port: 1, env: {}, logDir: tmpdir() })).toThrow(/no-such-app\/dist\/main\.js does not exist: build the apps first/);
  });
});
