// What every operation of the store works with.

import type { CorruptRecordError } from '@cairn/core';
import type { StepBatcher } from './step-batcher.js';
import type { ShapedStatements, Statements } from './statements.js';
import type { Transport } from './transport.js';

export interface PostgresContext {
  tx: Transport;
  sql: Statements;
  shaped: ShapedStatements;
  steps: StepBatcher;
  onCorruptRecord: (error: CorruptRecordError) => void;
}
