import { SettlementError, type DeadLetterReason, type Delivery, type InboundMessage, type Origin } from './delivery.js';

/** What a gateway does at the broker for each settlement; called at most once, for one of them. */
export interface SettlementActions {
  ack(): Promise<void>;
  retry(delayMs: number): Promise<void>;
  deadLetter(reason: DeadLetterReason): Promise<void>;
}

type Settlement = 'ack' | 'retry' | 'deadLetter';

/**
 * Builds a `Delivery` whose settlements are exclusive: the first call goes to the broker, any
 * later one rejects with `SettlementError` and never reaches it — except after a dead letter
 * the broker refused, which leaves the delivery unsettled. Every gateway uses this, so the rule
 * lives in one place.
 */
export function createDelivery(message: InboundMessage, origin: Origin, actions: SettlementActions): Delivery {
  let settledWith: Settlement | undefined;
  const once = <A extends unknown[]>(kind: Settlement, run: (...args: A) => Promise<void>) =>
    (...args: A): Promise<void> => {
      if (settledWith !== undefined) return Promise.reject(new SettlementError(kind, settledWith));
      settledWith = kind;
      return run(...args);
    };
  return {
    message,
    origin,
    get settled() {
      return settledWith !== undefined;
    },
    ack: once('ack', () => actions.ack()),
    retry: once('retry', (delayMs: number) => actions.retry(delayMs)),
    // A dead letter the broker refused was not parked: the delivery is still the pipeline's to
    // settle, so a `retry` that hands it back is allowed afterwards.
    deadLetter: once('deadLetter', (reason: DeadLetterReason) =>
      actions.deadLetter(reason).catch((error: unknown) => {
        settledWith = undefined;
        throw error;
      }),
    ),
  };
}
