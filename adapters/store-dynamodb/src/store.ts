// createDynamoDBStore: the WorkflowStore port on one DynamoDB table (layout in keys.ts and the README).
// Request costs: a step is one TransactWriteItems; an instance write one UpdateItem; a journal one Query
// (more pages past 1 MB); an event one PutItem then one UpdateItem; a delete one Query of keys, one
// BatchWriteItem per 25 journal items, then one DeleteItem (or TransactWriteItems) of the instance.

import type { WorkflowStore } from '@cairn/core';
import { BlobCache } from './blob-cache.js';
import type { StoreContext } from './context.js';
import { deleteInstance } from './delete-ops.js';
import { toAdapterError } from './errors.js';
import { createInstance, getInstance, updateInstance } from './instance-ops.js';
import { appendEvent, loadJournal, recordStep } from './journal-ops.js';
import { listDue, listPage } from './listing.js';
import { claimNonce } from './nonce-ops.js';
import { parseStoreOptions, type DynamoDBStoreOptions } from './options.js';

export interface DynamoDBStore extends WorkflowStore {
  readonly name: 'dynamodb';
  readonly tableName: string;
}

export function createDynamoDBStore(options: DynamoDBStoreOptions): DynamoDBStore {
  const resolved = parseStoreOptions(options);
  const ctx: StoreContext = {
    client: resolved.client,
    tableName: resolved.tableName,
    layout: { chunkBytes: resolved.chunkBytes, indexShards: resolved.indexShards, ttlAttribute: resolved.retention.attribute },
    stampItems: resolved.retention.stampItems,
    cache: new BlobCache(),
    clock: resolved.clock,
  };

  /** Runs an operation; typed Cairn errors pass, anything else becomes an AdapterError naming it. */
  const run =
    <P, T>(operation: string, work: (ctx: StoreContext, params: P) => Promise<T>) =>
    async (params: P): Promise<T> => {
      try {
        return await work(ctx, params);
      } catch (error) {
        throw toAdapterError(error, operation, ctx.tableName);
      }
    };

  return {
    name: 'dynamodb',
    tableName: ctx.tableName,
    createInstance: run('createInstance', createInstance),
    getInstance: run('getInstance', getInstance),
    loadJournal: run('loadJournal', loadJournal),
    updateInstance: run('updateInstance', updateInstance),
    recordStep: run('recordStep', recordStep),
    appendEvent: run('appendEvent', appendEvent),
    listInstances: run('listInstances', listPage),
    listDueInstances: run('listDueInstances', listDue),
    deleteInstance: run('deleteInstance', deleteInstance),
    claimNonce: run('claimNonce', claimNonce),
  };
}
