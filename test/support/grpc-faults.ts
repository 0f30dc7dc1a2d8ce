// Client-side faults for a gRPC client built on google-gax (Firestore, Cloud Tasks), as a grpc-js interceptor
// installed through the client's `grpc.callInvocationTransformer` setting: an answer lost after the request was
// applied (the call ends UNAVAILABLE, which the client retries), and calls refused from some point on (a crash
// midway). Used by the conformance kit's fault mode and by the adapters' tests.
//
// Real Firestore refuses a second Commit of a transaction id ("The referenced transaction has expired or is no
// longer valid", INVALID_ARGUMENT, which the client answers by running the whole transaction again); the npm
// emulator applies it again instead. With `commitsOnce`, the interceptor gives the real service's answer
// to such a resend, so that the tests see what production would.

import {
  InterceptingCall,
  Metadata,
  status,
  type InterceptingListener,
  type Interceptor,
  type InterceptorOptions,
  type Listener,
  type NextCall,
  type StatusObject,
} from '@grpc/grpc-js';
import type { StoreFaults } from '@cairn/testkit';

export interface GrpcFaults extends StoreFaults {
  /** Client settings to spread into the client's constructor options. */
  readonly settings: { 'grpc.callInvocationTransformer': (properties: CallProperties) => CallProperties };
  /** Answers dropped so far. */
  readonly lost: number;
  /** Resent commits refused as the real service refuses them. */
  readonly resendsRefused: number;
}

export interface GrpcFaultOptions {
  /** The calls whose answers may be lost: by default the writes (`Commit`), since a lost read changes nothing. */
  loseOn?: (path: string) => boolean;
  /** Refuse a transaction's Commit sent again after it was applied, as Firestore does (see above). @default false */
  commitsOnce?: boolean;
  /** Faults at random, each a probability per call: for load and crash tests. */
  rates?: GrpcFaultRates;
  /** Told of every fault injected at random. */
  onFault?: (kind: keyof GrpcFaultRates) => void;
}

export interface GrpcFaultRates {
  /** A write's answer lost after it was applied (calls that `loseOn` picks). */
  lose?: number;
  /** The call refused UNAVAILABLE before it reaches the service. */
  unavailable?: number;
  /** The call held 50–400 ms before it is sent. */
  delay?: number;
}

interface CallProperties {
  callOptions: { interceptors?: Interceptor[] };
}

const EXPIRED = 'The referenced transaction has expired or is no longer valid.';

function ended(code: status, details: string): StatusObject {
  return { code, details, metadata: new Metadata() };
}

export function grpcFaults(options: GrpcFaultOptions = {}): GrpcFaults {
  const loseOn = options.loseOn ?? ((path: string) => path.endsWith('/Commit'));
  // The emulator reuses transaction ids, so a resend is recognised as the same request object sent again (the
  // client's retry sends the request it was given; a rerun of the transaction builds a new one).
  const committed = new WeakSet<object>();
  let lose: { interleave?: () => Promise<unknown> } | undefined;
  let allowed = Number.POSITIVE_INFINITY;
  let lost = 0;
  let resendsRefused = 0;

  const interceptor: Interceptor = (call: InterceptorOptions, nextCall: NextCall) => {
    const path = call.method_definition.path;
    if (allowed <= 0) return endedCall(nextCall(call), ended(status.PERMISSION_DENIED, 'injected: the service cannot be reached (a crash midway)'));
    allowed--;
    const rates = options.rates ?? {};
    const chance = (kind: keyof GrpcFaultRates) => {
      const hit = Math.random() < (rates[kind] ?? 0);
      if (hit) options.onFault?.(kind);
      return hit;
    };
    if (chance('unavailable')) return endedCall(nextCall(call), ended(status.UNAVAILABLE, 'injected: the service is unavailable'));
    const delayMs = chance('delay') ? 50 + Math.random() * 350 : 0;
    let losing = lose && loseOn(path) ? lose : undefined;
    if (losing) lose = undefined;
    else if (loseOn(path) && chance('lose')) losing = {};
    const isCommit = path.endsWith('/Commit');
    let pending:
      { metadata: Metadata; listener: InterceptingListener; next: (metadata: Metadata, listener: InterceptingListener | Listener) => void } | undefined;
    let request: object | undefined;
    let refused = false;

    const relay = (): Listener => ({
      onReceiveMetadata: (received, forward) => forward(received),
      onReceiveMessage: (message, forward) => forward(message),
      onReceiveStatus(received, forward) {
        if (received.code === status.OK && request) committed.add(request);
        if (!losing || received.code !== status.OK) return forward(received);
        lost++;
        const end = () => forward(ended(status.UNAVAILABLE, 'injected: the answer was lost after the write was applied'));
        if (losing.interleave) void losing.interleave().then(end, end);
        else end();
      },
    });

    return new InterceptingCall(nextCall(call), {
      start(metadata, listener, next) {
        // A commit starts once its request is seen: a resent transaction id never reaches the emulator.
        if (isCommit && options.commitsOnce) pending = { metadata, listener, next };
        else if (delayMs > 0) setTimeout(() => next(metadata, relay()), delayMs);
        else next(metadata, relay());
      },
      sendMessage(message, next) {
        if (pending) {
          const id = (message as { transaction?: Uint8Array }).transaction;
          request = id && id.length > 0 ? (message as object) : undefined;
          if (request && committed.has(request)) {
            refused = true;
            resendsRefused++;
            const { listener } = pending;
            queueMicrotask(() => listener.onReceiveStatus(ended(status.INVALID_ARGUMENT, EXPIRED)));
            return;
          }
          pending.next(pending.metadata, relay());
          pending = undefined;
        }
        next(message);
      },
      halfClose(next) {
        if (!refused) next();
      },
    });
  };

  return {
    settings: {
      'grpc.callInvocationTransformer': (properties) => ({
        ...properties,
        callOptions: { ...properties.callOptions, interceptors: [...(properties.callOptions.interceptors ?? []), interceptor] },
      }),
    },
    get lost() {
      return lost;
    },
    get resendsRefused() {
      return resendsRefused;
    },
    loseNextResponse: (next = {}) => void (lose = next),
    failAfter: (requests) => void (allowed = requests),
    heal: () => void (allowed = Number.POSITIVE_INFINITY),
  };
}

/** A call that never reaches the server: it ends with `end` as soon as it starts. */
function endedCall(call: ReturnType<NextCall>, end: StatusObject): InterceptingCall {
  return new InterceptingCall(call, {
    start(_metadata, listener) {
      queueMicrotask(() => listener.onReceiveStatus(end));
    },
    sendMessage() {},
    halfClose() {},
  });
}
