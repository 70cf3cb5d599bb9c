import { createHub, type CreateHubOptions, type Hub } from '../../../src/actors/hub/createHub.js';
import type { HubLimits } from '../../../src/actors/hub/hubOptions.js';
import type { HubSessionHandle } from '../../../src/actors/hub/realtimeHub.js';
import type { ServerFrameType, SessionTransport } from '../../../src/actors/hub/sessionTransport.js';
import type { OrderView } from '../../../src/actors/orderView.js';
import type { Principal } from '../../../src/domain/principal.js';
import { createMemoryClusterBus } from '../../../src/gateways/memory/createMemoryClusterBus.js';
import { FakeClock } from '../../support/fakeClock.js';

/** A transport that records what it was given; `full` makes `send` ask the session to wait. */
export class RecordingTransport implements SessionTransport {
  readonly frames: { frame: string; type: ServerFrameType; seq: number | undefined }[] = [];
  closed: { code: number; reason: string } | undefined;
  full = false;
  bufferedAmount = 0;

  send(frame: string, type: ServerFrameType, seq: number | undefined): boolean {
    if (this.closed) throw new Error('send after close');
    this.frames.push({ frame, type, seq });
    return !this.full;
  }

  close(code: number, reason: string): void {
    if (this.closed) throw new Error('closed twice');
    this.closed = { code, reason };
  }

  /** Parsed frames. */
  get parsed(): Record<string, unknown>[] {
    return this.frames.map((f) => JSON.parse(f.frame) as Record<string, unknown>);
  }

  ofType(type: string): Record<string, unknown>[] {
    return this.parsed.filter((f) => f.type === type);
  }
}

export const alice: Principal = { userId: 'alice', role: 'user' };
export const bob: Principal = { userId: 'bob', role: 'user' };
export const admin: Principal = { userId: 'root', role: 'admin' };

/** Lets promises and the bus's microtask delivery run; no timers involved. */
export const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

export function view(orderId: string, userId: string): OrderView {
  return { orderId, userId, items: [], totalCents: 100, currency: 'EUR', createdAt: '2025-01-01T00:00:00Z' };
}

export interface HubRig {
  readonly hub: Hub;
  readonly clock: FakeClock;
  readonly bus: ReturnType<typeof createMemoryClusterBus>;
  /** Order id → owner, what `orderOwner` and `orderSnapshot` answer. */
  readonly owners: Map<string, string>;
  connect(principal: Principal): { transport: RecordingTransport; handle: HubSessionHandle };
  /** Publishes an order change for `orderId` of `userId` and waits for the fan-out. */
  publish(orderId: string, userId: string, n?: number): Promise<number>;
  close(): Promise<void>;
}

export function hubRig(limits: Partial<HubLimits> = {}, overrides: Partial<CreateHubOptions> = {}): HubRig {
  const clock = new FakeClock();
  const bus = createMemoryClusterBus({ firstSeq: 1 });
  const owners = new Map<string, string>();
  const hub = createHub({
    bus,
    clock,
    limits,
    orderOwner: (orderId) => Promise.resolve(owners.get(orderId)),
    orderSnapshot: (orderId) => {
      const owner = owners.get(orderId);
      return Promise.resolve(owner === undefined ? undefined : view(orderId, owner));
    },
    ...overrides,
  });
  return {
    hub,
    clock,
    bus,
    owners,
    connect(principal) {
      const transport = new RecordingTransport();
      return { transport, handle: hub.connect(principal, transport) };
    },
    async publish(orderId, userId, n = 0) {
      owners.set(orderId, userId);
      const seq = await bus.publish({ topics: [`order:${orderId}`, `user:${userId}`, 'admin:all'], ownerId: userId, event: { orderId, n } });
      await settle();
      return seq;
    },
    async close() {
      await hub.stop();
      await bus.close();
    },
  };
}
