// Real AWS SDK clients pointed at the local stand-ins, with dummy credentials.

import { LambdaClient } from '@aws-sdk/client-lambda';
import { SchedulerClient } from '@aws-sdk/client-scheduler';

const credentials = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' };

export function schedulerClient(endpoint: string): SchedulerClient {
  return new SchedulerClient({ endpoint, region: 'us-east-1', credentials, maxAttempts: 2 });
}

export function lambdaClient(endpoint: string): LambdaClient {
  return new LambdaClient({ endpoint, region: 'us-east-1', credentials, maxAttempts: 2 });
}

export const SCHEDULER_ROLE_ARN = 'arn:aws:iam::123456789012:role/cairn-scheduler';
