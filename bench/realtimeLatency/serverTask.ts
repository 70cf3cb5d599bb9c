import { runNames } from '../brokers/runNames.js';
import { serveCommands } from '../hub/childControl.js';
import { orderlyPath } from './orderlyPath.js';
import { PATH_KINDS, type PathServer } from './pathServer.js';
import { rawForwarder } from './rawForwarder.js';
import type { Endpoint } from './receiverTask.js';

export interface ServerTaskArgs {
  readonly kind: string;
  readonly runId: string;
  readonly redisUrl: string;
  readonly window: number;
  readonly logLevel: string;
  /** More of Orderly's settings (BENCH_ORDERLY_ENV). */
  readonly orderlyEnv: Readonly<Record<string, string>>;
}

/** One path's server side in its own process, so that neither the producer's nor the receiver's CPU is its CPU. */
export function serverTask(args: ServerTaskArgs): void {
  if (!(PATH_KINDS as readonly string[]).includes(args.kind)) throw new Error(`path must be ${PATH_KINDS.join(' or ')}, got ${args.kind}`);
  const names = runNames(args.runId);
  let server: PathServer | undefined;
  serveCommands(
    {
      start: async (): Promise<Endpoint> => {
        server =
          args.kind === 'orderly'
            ? await orderlyPath(names, { redisUrl: args.redisUrl, credit: args.window, logLevel: args.logLevel, env: args.orderlyEnv })
            : await rawForwarder(args.redisUrl, names, args.window);
        return server.endpoint;
      },
      problems: () => server?.problems() ?? ['not started'],
      /** CPU seconds (user + system) of this process so far. */
      cpu: () => {
        const used = process.cpuUsage();
        return (used.user + used.system) / 1e6;
      },
    },
    async () => {
      await server?.close();
    },
  );
}
