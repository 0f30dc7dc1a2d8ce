// The sweeper endpoint (Cloud Scheduler, e.g. every minute): replays every instance whose wake-up is
// due, which recovers lost wake-ups and runners that died holding a lease. Replays carry the request's
// deadline, so a sweep ends inside the request timeout.

import { SweepMessageSchema } from '@cairn/core';
import type { HostRuntime } from './options.js';
import { json, problem } from './responses.js';

export async function handleSweep(
  runtime: HostRuntime,
  body: Uint8Array,
  deadline: number,
  concurrency: number,
  onError: (error: unknown) => void,
): Promise<Response> {
  let limit = 100;
  const text = new TextDecoder().decode(body).trim();
  if (text !== '') {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      return problem(400, 'invalid_json', 'The request body is not valid JSON');
    }
    const parsed = SweepMessageSchema.safeParse(message);
    if (!parsed.success) return problem(400, 'invalid_sweep', 'Expected no body or { kind: "cairn.sweep", limit?: 1..1000 }');
    limit = parsed.data.limit ?? limit;
  }
  let due;
  try {
    // Cron schedules first (what came due while the service was scaled to zero): their instances are then due too.
    await runtime.fireSchedules();
    // Instances of workflows this service does not run (a shared store) are left to their own service.
    const listed = await runtime.store.listDueInstances({ now: runtime.clock.now(), limit });
    due = listed.filter((ref) => runtime.workflowNames.includes(ref.workflowName));
  } catch (error) {
    onError(error);
    return problem(500, 'store_error', 'Firing cron schedules or listing due instances failed');
  }
  const outcomes: Record<string, number> = {};
  let failed = 0;
  let next = 0;
  const worker = async () => {
    while (next < due.length && runtime.clock.now() < deadline) {
      const ref = due[next++]!;
      try {
        const report = await runtime.replay({ workflowName: ref.workflowName, instanceId: ref.instanceId }, { deadline });
        outcomes[report.outcome] = (outcomes[report.outcome] ?? 0) + 1;
      } catch (error) {
        failed++;
        onError(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, due.length) }, worker));
  return json(failed > 0 ? 500 : 200, { due: due.length, replayed: next, outcomes, failed });
}
