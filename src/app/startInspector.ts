import { createWebSocketInspector } from '@statelyai/inspect';
import type { InspectionEvent, MachineContext, Observer } from 'xstate';
import { startInspectorBridge } from '../gateways/inspect/inspectorBridge.js';
import { sanitizeForInspection } from '../gateways/inspect/sanitizeForInspection.js';

export interface Inspection {
  /** Give it to every root actor (`createActor(logic, { inspect })`): the supervision tree, the order actors. */
  readonly inspect: Observer<InspectionEvent>;
  /** The page to open: the Stately inspector, fed with this process's actors. */
  readonly url: string;
  stop(): Promise<void>;
}

/** Events held while no viewer is connected, in the inspector and in the bridge. */
const MAX_HELD_EVENTS = 500;

/**
 * `ORDERLY_INSPECT`: the Stately inspector (`@statelyai/inspect`'s WebSocket inspector) sending
 * every actor's events, with contexts and events sanitised, to a bridge on loopback only, whose
 * page embeds the inspector UI. Off by default: it costs a serialisation per actor event.
 */
export async function startInspector(port: number): Promise<Inspection> {
  const bridge = await startInspectorBridge({ port, maxBuffered: MAX_HELD_EVENTS });
  const inspector = createWebSocketInspector({
    url: bridge.wsUrl,
    maxDeferredEvents: MAX_HELD_EVENTS,
    sanitizeContext: (context) => sanitizeForInspection(context) as MachineContext,
    sanitizeEvent: (event) => ({ ...(sanitizeForInspection(event) as object), type: event.type }),
  });
  return {
    inspect: inspector.inspect,
    url: bridge.url,
    stop: async () => {
      inspector.stop();
      await bridge.close();
    },
  };
}
