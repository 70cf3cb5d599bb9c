import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { HubSessionHandle, RealtimeHub } from '../../actors/hub/realtimeHub.js';
import type { SessionTransport } from '../../actors/hub/sessionTransport.js';
import { systemClock, type Clock, type TimerHandle } from '../../domain/clock.js';
import type { Principal } from '../../domain/principal.js';
import { isAuthFailure, type AuthenticateRealtime, type OriginAllowed } from './realtimeAuth.js';
import { websocketOptions, type WebSocketOptions } from './websocketOptions.js';

export interface WebSocketGatewayDeps {
  /** The HTTP server the API listens on (fastify's `app.server`): WebSockets share its port. */
  readonly server: Server;
  readonly hub: RealtimeHub;
  readonly authenticate: AuthenticateRealtime;
  readonly originAllowed: OriginAllowed;
  /** @default systemClock */
  readonly clock?: Clock;
  readonly options?: Partial<WebSocketOptions>;
}

export interface WebSocketGateway {
  /** Open connections. */
  readonly connections: number;
  /**
   * Stops accepting upgrades and the heartbeat, closes every connection (1001) and resolves once
   * all are gone, terminating those still open after `closeGraceMs`. Idempotent.
   */
  close(): Promise<void>;
}

interface PeerShared {
  readonly bytesOf: (frame: string) => Buffer;
  readonly clock: Clock;
  readonly closeGraceMs: number;
}

/**
 * One connection, and the hub session's transport for it. A class, and the socket listeners are
 * shared functions: with ten thousand clients, per-connection closures are megabytes.
 */
class Peer implements SessionTransport {
  handle: HubSessionHandle | undefined;
  alive = true;
  grace: TimerHandle | undefined;

  constructor(
    readonly ws: WebSocket,
    readonly socket: Duplex,
    private readonly shared: PeerShared,
  ) {}

  send(frame: string): boolean {
    this.ws.send(this.shared.bytesOf(frame), TEXT_FRAME);
    return !this.socket.writableNeedDrain;
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  close(code: number, reason: string): void {
    this.ws.close(code, reason.slice(0, 120)); // a close reason is at most 123 bytes
    this.grace ??= this.shared.clock.setTimeout(() => this.ws.terminate(), this.shared.closeGraceMs);
  }
}

/**
 * The WebSocket gateway on the API's own HTTP server: the upgrade on `path` is accepted only for
 * an allowed Origin (else 403) and an authenticated principal (else 401), then each connection
 * becomes one hub session. Frames go straight to the socket; when the socket asks to wait
 * (`writableNeedDrain`) the session queues until `drain`, and it is the session that cuts off a
 * client that falls too far behind.
 */
export function attachWebSocketGateway(deps: WebSocketGatewayDeps): WebSocketGateway {
  const options = websocketOptions(deps.options);
  const clock = deps.clock ?? systemClock;
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayloadBytes, perMessageDeflate: false, clientTracking: false });
  const peers = new Map<WebSocket, Peer>();
  // The hub hands the same string object to every session of a topic, one after another: encode
  // it once and give ws the same bytes for all of them instead of one copy per connection.
  let lastFrame: string | undefined;
  let lastBytes: Buffer = Buffer.alloc(0);
  const bytesOf = (frame: string): Buffer => {
    if (frame !== lastFrame) {
      lastFrame = frame;
      lastBytes = Buffer.from(frame, 'utf8');
    }
    return lastBytes;
  };
  let closing: Promise<void> | undefined;
  let heartbeat: TimerHandle | undefined;

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy()); // a reset during the checks must not crash the process
    void upgrade(request, socket, head).catch(() => refuse(socket, 500, 'upgrade failed'));
  };

  const upgrade = async (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (pathOf(request) !== options.path) return refuse(socket, 404, 'not found');
    if (!(await deps.originAllowed(request))) return refuse(socket, 403, 'origin not allowed');
    const result = await deps.authenticate(request);
    if (isAuthFailure(result)) return refuse(socket, 401, result.reason);
    if (closing) return refuse(socket, 503, 'shutting down');
    if (deps.hub.full) return refuse(socket, 503, 'too many connections');
    if (socket.destroyed) return;
    wss.handleUpgrade(request, socket, head, (ws) => open(ws, socket, result));
  };

  const shared: PeerShared = { bytesOf, clock, closeGraceMs: options.closeGraceMs };
  const bySocket = new Map<Duplex, Peer>();
  function onPong(this: WebSocket) {
    const peer = peers.get(this);
    if (peer) peer.alive = true;
  }
  function onClose(this: WebSocket) {
    const peer = peers.get(this);
    if (!peer) return;
    if (peer.grace !== undefined) clock.clearTimeout(peer.grace);
    peers.delete(this);
    bySocket.delete(peer.socket);
    peer.handle?.close();
  }
  function onMessage(this: WebSocket, data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) {
    const handle = peers.get(this)?.handle;
    if (isBinary) return handle?.receive('\u0000binary'); // answered as invalid JSON: frames are text
    handle?.receive(rawText(data));
  }
  function onDrain(this: Duplex) {
    bySocket.get(this)?.handle?.drained();
  }
  const ignore = () => undefined; // e.g. 1009 on an oversize frame: ws closes the connection itself

  const open = (ws: WebSocket, socket: Duplex, principal: Principal) => {
    const peer = new Peer(ws, socket, shared);
    peers.set(ws, peer);
    bySocket.set(socket, peer);
    ws.on('error', ignore);
    ws.on('pong', onPong);
    ws.on('close', onClose);
    ws.on('message', onMessage);
    socket.on('drain', onDrain);
    peer.handle = deps.hub.connect(principal, peer);
  };

  const beat = () => {
    for (const [ws, peer] of peers) {
      if (!peer.alive) {
        ws.terminate(); // no pong since the last ping: a dead peer
        continue;
      }
      peer.alive = false;
      ws.ping();
    }
    heartbeat = clock.setTimeout(beat, options.heartbeatMs);
  };
  heartbeat = clock.setTimeout(beat, options.heartbeatMs);
  deps.server.on('upgrade', onUpgrade);

  return {
    get connections() {
      return peers.size;
    },
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        deps.server.off('upgrade', onUpgrade);
        if (heartbeat !== undefined) clock.clearTimeout(heartbeat);
        const done = () => {
          if (peers.size === 0) {
            clock.clearTimeout(deadline);
            resolve();
          }
        };
        const deadline = clock.setTimeout(() => {
          for (const ws of peers.keys()) ws.terminate();
        }, options.closeGraceMs);
        for (const ws of peers.keys()) {
          ws.once('close', () => queueMicrotask(done));
          ws.close(1001, 'server shutting down');
        }
        wss.close();
        done();
      })),
  };
}

const TEXT_FRAME = { binary: false } as const;

function pathOf(request: IncomingMessage): string {
  const url = request.url ?? '/';
  const query = url.indexOf('?');
  return query < 0 ? url : url.slice(0, query);
}

function rawText(data: Buffer | ArrayBuffer | Buffer[]): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data).toString('utf8');
}

const STATUS_TEXT: Record<number, string> = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 500: 'Internal Server Error', 503: 'Service Unavailable' };

/** Answers the upgrade request with a plain HTTP error and no upgrade. */
function refuse(socket: Duplex, status: number, reason: string): void {
  if (socket.destroyed) return;
  const body = JSON.stringify({ error: reason });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
