// Bindings typed from the `workflows` map. The type assertions are checked by `npm run typecheck` (tsc over the
// tests, in CI): a `@ts-expect-error` line that stops being an error fails it. The run-time part checks the
// same program runs.
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import {
  createMemoryStore,
  createRuntime,
  WorkflowEntrypoint,
  type InstanceStatus,
  type Runtime,
  type Workflow,
  type WorkflowBindings,
  type WorkflowEvent,
  type WorkflowInstance,
  type WorkflowStep,
} from '@cairn/core';

type OrderParams = { orderId: string; amount: number };
type Receipt = { orderId: string; shipped: boolean };

// A class may type `this.env` from the map it is registered in.
type Env = WorkflowBindings<typeof workflows> & { currency: string };

class OrderWorkflow extends WorkflowEntrypoint<Env, OrderParams> {
  async run(event: WorkflowEvent<OrderParams>, step: WorkflowStep): Promise<Receipt> {
    const shipment = await step.do('ship', async () => {
      const instance = await this.env.SHIP.create({ params: { address: `${event.payload.orderId} street` } });
      // @ts-expect-error SHIP takes ShipParams
      void this.env.SHIP.create({ params: { orderId: 'x' } });
      return instance.id;
    });
    return { orderId: event.payload.orderId, shipped: shipment.length > 0 };
  }
}

class ShipWorkflow extends WorkflowEntrypoint<Env, { address: string }> {
  async run(event: WorkflowEvent<{ address: string }>) {
    return { label: event.payload.address.toUpperCase(), currency: this.env.currency };
  }
}

const workflows = {
  ORDER: { workflow: OrderWorkflow, params: z.object({ orderId: z.string(), amount: z.number() }) },
  SHIP: ShipWorkflow,
};

describe('typed bindings', () => {
  it('types runtime.workflow(name), create({ params }) and status().output from the workflows map', async () => {
    const runtime = createRuntime({ store: createMemoryStore(), workflows, env: { currency: 'EUR' } });
    const orders = runtime.workflow('ORDER');
    expectTypeOf(orders).toEqualTypeOf<Workflow<OrderParams, Receipt>>();
    expectTypeOf(runtime.workflow('SHIP')).toEqualTypeOf<Workflow<{ address: string }, { label: string; currency: string }>>();
    expectTypeOf(runtime.env.ORDER).toEqualTypeOf<Workflow<OrderParams, Receipt>>();
    expectTypeOf(runtime.env.currency).toEqualTypeOf<string>();

    // @ts-expect-error an unknown binding name
    expect(() => runtime.workflow('ORDR')).toThrow(/ORDR/);
    // @ts-expect-error params of the wrong shape
    await expect(orders.create({ params: { orderId: 1, amount: 2 } })).rejects.toMatchObject({ code: 'invalid_input' });

    const instance = await orders.create({ id: 'typed-1', params: { orderId: 'o-1', amount: 3 } });
    expectTypeOf(instance).toEqualTypeOf<WorkflowInstance<Receipt>>();
    let status: InstanceStatus<Receipt>;
    do {
      await new Promise((resolve) => setTimeout(resolve, 5));
      status = await instance.status();
    } while (status.status !== 'complete' && status.status !== 'errored');
    expectTypeOf(status.output).toEqualTypeOf<Receipt | undefined>();
    expect(status.output).toEqual({ orderId: 'o-1', shipped: true });
    const got = await orders.get('typed-1');
    expectTypeOf(got).toEqualTypeOf<WorkflowInstance<Receipt>>();
    await runtime.close();
  });

  it('a typed runtime is assignable to Runtime, where any name goes (hosts, the CLI)', async () => {
    const typed = createRuntime({ store: createMemoryStore(), workflows: { SHIP: ShipWorkflow }, env: { currency: 'EUR' } });
    const untyped: Runtime = typed;
    expectTypeOf(untyped.workflow).parameter(0).toEqualTypeOf<string>();
    expectTypeOf(untyped.workflow('SHIP')).toEqualTypeOf<Workflow>();
    expect(untyped.workflow('SHIP')).toBe(typed.workflow('SHIP'));
    expect(() => untyped.workflow('ANY')).toThrow(/No workflow is bound as "ANY"/);
    await typed.close();
  });

  it("Cloudflare's hand-written Env still works", () => {
    type HandEnv = { ORDER: Workflow<OrderParams> };
    class Caller extends WorkflowEntrypoint<HandEnv> {
      async run() {
        // @ts-expect-error amount is missing
        await this.env.ORDER.create({ params: { orderId: 'x' } });
        return (await this.env.ORDER.create({ params: { orderId: 'x', amount: 1 } })).id;
      }
    }
    expectTypeOf<InstanceType<typeof Caller>['run']>().returns.resolves.toEqualTypeOf<string>();
  });
});
