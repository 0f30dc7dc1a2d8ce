// @cairn/store-dynamodb: the Cairn journal store on one Amazon DynamoDB table.

export { createDynamoDBStore, type DynamoDBStore } from './store.js';
export { DynamoDBStoreOptionsSchema, MAX_CHUNK_BYTES, type DynamoDBStoreOptions } from './options.js';
export { createDynamoDBTable, tableDefinition, type CreateDynamoDBTableOptions } from './table.js';
export { ATTR as TABLE_ATTRIBUTES, INDEX as TABLE_INDEXES } from './keys.js';
