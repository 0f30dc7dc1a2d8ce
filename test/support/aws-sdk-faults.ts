// Client-side faults for any AWS SDK v3 client, as an SDK middleware inside its retry loop: an answer lost
// after the request was applied (the SDK sees a timeout and sends the request again), and requests refused
// from some point on (a crash midway). Used by the conformance kit's fault mode and by the adapters' tests.

import type { StoreFaults } from '@cairn/testkit';

/** Any SDK v3 client (its middleware stack is typed per client, so only its shape is named here). */
interface MiddlewareClient {
  middlewareStack: { add(middleware: never, options: never): void };
}

type Middleware = (next: (args: unknown) => Promise<unknown>) => (args: unknown) => Promise<unknown>;

export interface SdkFaults extends StoreFaults {
  /** Requests whose answers were dropped so far. */
  readonly lost: number;
}

/** A timeout, which the SDK's standard retry strategy takes as transient and retries. */
function lostAnswer(): Error {
  return Object.assign(new Error('injected: the answer was lost after the request was applied'), { name: 'TimeoutError', $metadata: {} });
}

/** Not retryable: the request never reached the service. */
function refused(): Error {
  return Object.assign(new Error('injected: the service cannot be reached (a crash midway)'), { name: 'InjectedCrash', $fault: 'client', $metadata: {} });
}

export function sdkFaults(client: MiddlewareClient): SdkFaults {
  let lose: { interleave?: () => Promise<unknown> } | undefined;
  let allowed = Number.POSITIVE_INFINITY;
  let lost = 0;
  const middleware: Middleware = (next) => async (args) => {
    if (allowed <= 0) throw refused();
    allowed--;
    const output = await next(args);
    if (!lose) return output;
    const { interleave } = lose;
    lose = undefined;
    lost++;
    if (interleave) await interleave();
    throw lostAnswer();
  };
  client.middlewareStack.add(middleware as never, { step: 'deserialize', name: 'cairnInjectedFaults' } as never);
  return {
    get lost() {
      return lost;
    },
    loseNextResponse: (options = {}) => void (lose = options),
    failAfter: (requests) => void (allowed = requests),
    heal: () => void (allowed = Number.POSITIVE_INFINITY),
  };
}
