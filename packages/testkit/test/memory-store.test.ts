import { AdapterError, createMemoryStore, type WorkflowStore } from '@cairn/core';
import { describeStoreConformance } from '@cairn/testkit';

/**
 * The memory store has no service to lose; this stand-in (what a store over a closed connection does)
 * exercises the suite's service-failure checks.
 */
function closedStore(): WorkflowStore {
  const fail = (operation: string) => async () => {
    throw new AdapterError('memory', operation, 'the store is closed', { cause: new Error('ECONNREFUSED 127.0.0.1:1') });
  };
  return {
    name: 'memory',
    createInstance: fail('createInstance'),
    getInstance: fail('getInstance'),
    loadJournal: fail('loadJournal'),
    updateInstance: fail('updateInstance'),
    recordStep: fail('recordStep'),
    appendEvent: fail('appendEvent'),
    listInstances: fail('listInstances'),
    listDueInstances: fail('listDueInstances'),
    deleteInstance: fail('deleteInstance'),
  };
}

describeStoreConformance('memory', () => ({ store: createMemoryStore() }), { unreachableStore: closedStore });
