// What every store operation shares: the statements, the shaped ones, and how to run them.

import type { CorruptRecordError } from '@cairn/core';
import type { ShapedStatements, Statements } from './statements.js';
import type { Transactions } from './transactions.js';

export interface SqliteContext {
  sql: Statements;
  shaped: ShapedStatements;
  tx: Transactions;
  /** Told of each stored record a listing left out because it does not parse. */
  onCorruptRecord(error: CorruptRecordError): void;
}
