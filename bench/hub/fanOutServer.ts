/** What the server task drives, for the bare broadcast and for Orderly's hub alike. */
export interface FanOutServer {
  /** The loopback port clients connect to. */
  readonly port: number;
  /** Path (and query) a client opens, e.g. `/ws?user=bench-user`. */
  readonly clientPath: string;
  /** Whether a client must subscribe (and wait for `subscribed`) before frames come. */
  readonly subscribes: boolean;
  /** Connections open now, as the server counts them (the hub: its sessions). */
  readonly connections: number;
  /** Fans message `n`, stamped now, out to every connected client. */
  publish(n: number): void;
  /** Anything that went wrong so far (a client cut off, a rejected publish); empty when all is well. */
  problems(): string[];
  /** Closes every connection and the listener; bounded. */
  close(): Promise<void>;
}

export const FAN_OUT_KINDS = ['bare', 'hub'] as const;
export type FanOutKind = (typeof FAN_OUT_KINDS)[number];

/** Listen backlog for both servers: clients connect in bursts of up to a few hundred. */
export const LISTEN_BACKLOG = 4_096;
