import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

/** A consumer group's position on one Redis stream, from `XINFO GROUPS` (Redis 7). */
export interface GroupBacklog {
  /** Entries in the stream not yet delivered to the group: what the broker keeps for it. */
  readonly lag: number;
  /** Entries delivered and not yet acked: the credit in use. */
  readonly pending: number;
  /** Entries delivered so far; `entriesRead - pending` have been acked. */
  readonly entriesRead: number;
}

/** `group`'s backlog on `stream`; all zero while the group does not exist yet. */
export async function readGroupBacklog(redis: Redis, stream: string, group: string): Promise<GroupBacklog> {
  const groups = (await redis.xinfo('GROUPS', stream).catch(() => [])) as unknown[][];
  for (const flat of groups) {
    const fields = new Map<string, unknown>();
    for (let i = 0; i + 1 < flat.length; i += 2) fields.set(String(flat[i]), flat[i + 1]);
    if (fields.get('name') !== group) continue;
    // `lag` is nil when Redis cannot tell (entries deleted); the stream is never trimmed here.
    return { lag: Number(fields.get('lag') ?? 0), pending: Number(fields.get('pending') ?? 0), entriesRead: Number(fields.get('entries-read') ?? 0) };
  }
  return { lag: 0, pending: 0, entriesRead: 0 };
}

/** A process's current resident set (VmRSS) in MiB; 0 once it is gone. */
export function residentMiB(pid: number | undefined): number {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) / 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * The sustainable rate of a consumer that has a backlog waiting: its acked rate (and CPU per acked
 * message) from its first ack over `seconds`, sampled every second, or over a shorter window
 * (`windowS`) if the backlog ends first. Bounded: `seconds + 60` samples.
 */
export async function measureAckedRate(probe: { sample(): Promise<GroupBacklog>; cpuSeconds(): number }, seconds: number): Promise<{ rate: number; cpuUsPerMessage: number; windowS: number } | undefined> {
  let first: { at: number; acked: number; cpu: number } | undefined;
  for (let tick = 0; tick < seconds + 60; tick++) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const now = await probe.sample();
    const acked = now.entriesRead - now.pending;
    if (first === undefined) {
      if (acked > 0) first = { at: Date.now(), acked, cpu: probe.cpuSeconds() };
    } else if (Date.now() - first.at >= seconds * 1000 || now.lag === 0) {
      const done = acked - first.acked;
      const windowMs = Date.now() - first.at;
      return { rate: (done * 1000) / windowMs, cpuUsPerMessage: ((probe.cpuSeconds() - first.cpu) * 1e6) / Math.max(1, done), windowS: windowMs / 1000 };
    }
  }
  return undefined;
}

/** Polls `check` every 500 ms until it is true (true) or `timeoutMs` is over (false). */
export async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return false;
}
