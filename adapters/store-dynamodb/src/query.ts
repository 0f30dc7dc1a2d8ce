// Query with pagination: DynamoDB returns at most 1 MB per page; follow LastEvaluatedKey to the end.

import { QueryCommand, type DynamoDBClient, type QueryCommandInput } from '@aws-sdk/client-dynamodb';
import type { Item } from './chunks.js';

export function queryAll(client: DynamoDBClient, input: QueryCommandInput): Promise<Item[]> {
  return queryUntil(client, input, Infinity);
}

/** Pages through a Query until `enough` items passed `keep`, or the end. */
export async function queryUntil(client: DynamoDBClient, input: QueryCommandInput, enough: number): Promise<Item[]> {
  const items: Item[] = [];
  let start: Item | undefined;
  do {
    const page = await client.send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
    if (page.Items) items.push(...page.Items);
    start = page.LastEvaluatedKey;
  } while (start !== undefined && items.length < enough);
  return items.slice(0, enough);
}
