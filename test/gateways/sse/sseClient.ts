import { request, type IncomingMessage } from 'node:http';

export interface SseFrame {
  readonly id?: string;
  readonly event?: string;
  readonly data?: string;
  readonly retry?: string;
  readonly comment?: string;
}

/** A minimal EventSource over node:http that records every frame and comment as parsed blocks. */
export class SseClient {
  readonly frames: SseFrame[] = [];
  response: IncomingMessage | undefined;
  status: number | undefined;
  body = '';
  ended = false;
  readonly ready: Promise<void>;
  #buffer = '';
  readonly #request;

  constructor(base: string, path: string, headers: Record<string, string> = {}) {
    this.#request = request(`http://${base}${path}`, { headers });
    this.ready = new Promise((resolve, reject) => {
      this.#request.on('response', (res) => {
        this.response = res;
        this.status = res.statusCode;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (res.statusCode !== 200) return void (this.body += chunk);
          this.#buffer += chunk;
          this.#parse();
        });
        const end = () => (this.ended = true);
        res.on('end', end);
        res.on('close', end);
        res.on('error', end);
        resolve();
      });
      this.#request.on('error', (error) => {
        this.ended = true;
        reject(error);
      });
    });
    this.ready.catch(() => undefined);
    this.#request.end();
  }

  events(type = 'event'): Record<string, unknown>[] {
    return this.frames.filter((f) => f.event === type).map((f) => JSON.parse(f.data ?? 'null') as Record<string, unknown>);
  }

  ids(type = 'event'): number[] {
    return this.frames.filter((f) => f.event === type).map((f) => Number(f.id));
  }

  close(): void {
    this.#request.destroy();
  }

  #parse(): void {
    for (;;) {
      const end = this.#buffer.indexOf('\n\n');
      if (end < 0) return;
      const block = this.#buffer.slice(0, end);
      this.#buffer = this.#buffer.slice(end + 2);
      const frame: Record<string, string> = {};
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) frame.comment = line.slice(1).trim();
        else {
          const colon = line.indexOf(':');
          frame[line.slice(0, colon)] = line.slice(colon + 1).replace(/^ /, '');
        }
      }
      this.frames.push(frame);
    }
  }
}
