// A recorded step outcome as `step.do` returns it: the value, a stream over recorded pieces, or the error.

import { hydrateError } from '../error-codec.js';
import type { StepRecord } from '../records.js';
import { deserialize } from '../serialize.js';
import type { JournalView } from './journal-view.js';
import { streamOf } from './step-stream.js';

export function replayOutcome<T>(record: StepRecord, journal?: JournalView): T {
  if (record.state !== 'completed') throw hydrateError(record.error ?? { name: 'Error', message: 'Step failed' });
  if (record.chunks === undefined) return deserialize<T>(record.value ?? '-1');
  return replayStream(record, journal) as T;
}

/** The pieces a streamed outcome names, as a new stream. */
function replayStream(record: StepRecord, journal: JournalView | undefined): ReadableStream<Uint8Array> {
  const prefix = `${deserialize<string>(record.value ?? '-1')}.`;
  const pieces = (journal?.streamPieces?.get(record.key) ?? []).filter((piece) => piece.id.startsWith(prefix)).sort((a, b) => (a.chunk ?? 0) - (b.chunk ?? 0));
  if (pieces.length !== record.chunks) {
    throw new Error(`The journal holds ${pieces.length} of the ${record.chunks} pieces of the stream of step "${record.name}"`);
  }
  return streamOf(pieces.length, (index) => deserialize<Uint8Array>(pieces[index]!.value ?? '-1'));
}
