// describeHostConformance: what every host (Lambda, Cloud Run, the Node host, yours) must do with what its
// platform delivers, as a vitest suite run with one call. Each group lives in its own file; this one wires
// them to a fresh host per test, built around the suite's workflows.

import { afterEach, beforeEach, describe } from 'vitest';
import { authTests } from './auth.js';
import type { HostSuiteContext } from './context.js';
import { deliveryTests } from './deliveries.js';
import type { HostConformanceOptions, HostFactory, HostHarness, HostSetup } from './harness.js';
import { restTests } from './rest.js';
import { CONFORMANCE_WORKFLOWS, createExecutions, type Executions } from './workflows.js';

export type { HostConformanceOptions, HostFactory, HostHarness, HostSetup, HostRequest, HttpAnswer, WakeAnswer } from './harness.js';

const BUDGET_MS = 1_500;
const SAFETY_MARGIN_MS = 300;

/**
 * Registers the host conformance suite. `makeHost` runs before every test with the workflows, env and budget
 * to build the host with; `capabilities` are read from what the harness offers (`request`: REST routes;
 * `forged`: authentication).
 *
 * @example
 * describeHostConformance('lambda', async ({ workflows, env, budgetMs, safetyMarginMs }) => { ... });
 */
export function describeHostConformance(name: string, makeHost: HostFactory, options: HostConformanceOptions & { rest: boolean; auth: boolean }): void {
  let harness: HostHarness | undefined;
  let executions: Executions = createExecutions();
  let setup: HostSetup | undefined;
  const ctx: HostSuiteContext = {
    get harness(): HostHarness {
      if (!harness) throw new Error('describeHostConformance: the host is only available inside a test');
      return harness;
    },
    get executions() {
      return executions;
    },
    get setup(): HostSetup {
      return setup!;
    },
  };
  const timeout = options.timeoutMs ?? 30_000;

  describe(`Host conformance: ${name}`, { timeout }, () => {
    beforeEach(async () => {
      executions = createExecutions();
      setup = { workflows: { ...CONFORMANCE_WORKFLOWS }, env: { executions }, budgetMs: BUDGET_MS, safetyMarginMs: SAFETY_MARGIN_MS };
      harness = await makeHost(setup);
      if (options.rest && !harness.request) throw new Error(`describeHostConformance("${name}"): rest: true needs harness.request`);
      if (options.auth && !harness.forged?.length) throw new Error(`describeHostConformance("${name}"): auth: true needs harness.forged`);
    }, timeout);

    afterEach(async () => {
      const current = harness;
      harness = undefined;
      await current?.close();
    }, timeout);

    deliveryTests(ctx);
    if (options.rest) restTests(ctx);
    if (options.auth) authTests(ctx);
  });
}
