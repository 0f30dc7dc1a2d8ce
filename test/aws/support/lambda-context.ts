// A Lambda Context as the Node.js runtime passes it: getRemainingTimeInMillis counts down from the
// function's configured timeout, measured from the start of the invocation.

import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

export function lambdaContext(options: { functionName: string; functionArn: string; timeoutMs: number; memoryMb?: number }): Context {
  const deadline = Date.now() + options.timeoutMs;
  const requestId = randomUUID();
  const unsupported = () => {
    throw new Error('The callback-style context methods are not supported by Node.js 22+ runtimes with async handlers');
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: options.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: options.functionArn,
    memoryLimitInMB: String(options.memoryMb ?? 512),
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${options.functionName}`,
    logStreamName: `2025/01/01/[$LATEST]${requestId.replace(/-/g, '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}
