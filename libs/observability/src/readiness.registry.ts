// Dependencies an app must reach before it is ready to take work.
import { BeforeApplicationShutdown, Injectable } from '@nestjs/common';

export type ReadinessCheck = () => Promise<void>;

@Injectable()
export class ReadinessRegistry implements BeforeApplicationShutdown {
  private readonly checks = new Map<string, ReadinessCheck>();
  private shuttingDown = false;

  register(name: string, check: ReadinessCheck): void {
    this.checks.set(name, check);
  }

  entries(): ReadonlyArray<[string, ReadinessCheck]> {
    return [...this.checks.entries()];
  }

  /** After this the app reports not ready, so load balancers stop sending it work. */
  markShuttingDown(): void {
    this.shuttingDown = true;
  }

  beforeApplicationShutdown(): void {
    this.markShuttingDown();
  }

  isShuttingDown(): boolean {
    return this.shuttingDown;
  }
}
