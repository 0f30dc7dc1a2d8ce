// Real AWS event shapes the tests send to the Lambda handler.

import type { ScheduledEvent } from 'aws-lambda';

/** What an EventBridge schedule rule (the sweeper's `rate(5 minutes)`) delivers: a "Scheduled Event". */
export function sweeperTick(id: string, rule = 'cairn-sweeper'): ScheduledEvent {
  return {
    version: '0',
    id,
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '123456789012',
    time: new Date().toISOString(),
    region: 'us-east-1',
    resources: [`arn:aws:events:us-east-1:123456789012:rule/${rule}`],
    detail: {},
  };
}
