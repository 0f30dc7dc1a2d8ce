// What every store operation shares: the statements, the shaped ones, and how to run them.

import type { ShapedStatements, Statements } from './statements.js';
import type { Transactions } from './transactions.js';

export interface SqliteContext {
  sql: Statements;
  shaped: ShapedStatements;
  tx: Transactions;
}
