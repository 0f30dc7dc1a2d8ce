// Types that read the `workflows` map: `runtime.workflow('ORDER')`, `runtime.env.ORDER` and the `Env` a workflow
// class declares are typed from it, so an unknown binding name is a type error, `create({ params })` is checked
// against the class's `Params` and `status().output` has its `run()`'s return type. Types only.

import type { Workflow } from './binding.js';
import type { WorkflowEntrypoint } from './entrypoint.js';
import type { WorkflowRegistration } from './registrations.js';

/** The `workflows` map given to createRuntime: binding name -> registration. */
export type WorkflowRegistrations = Record<string, WorkflowRegistration>;

type ClassOf<R> = R extends { workflow: infer C } ? C : R extends { versions: infer V; current: infer K } ? (K extends keyof V ? V[K] : V[keyof V]) : R;
type EntrypointOf<R> = ClassOf<R> extends abstract new (...args: any[]) => infer I ? I : never;

/** The `Params` of a registration's class (`WorkflowEntrypoint<Env, Params>`). */
export type WorkflowParamsOf<R> = EntrypointOf<R> extends WorkflowEntrypoint<any, infer P> ? P : unknown;

/** What a registration's `run()` resolves to: `status().output`. */
export type WorkflowOutputOf<R> = EntrypointOf<R> extends { run(...args: any[]): infer O } ? Awaited<O> : unknown;

/** The binding of one registration, or of one workflow class: `Workflow<Params, Output>`. */
export type WorkflowBindingOf<R> = Workflow<WorkflowParamsOf<R>, WorkflowOutputOf<R>>;

/**
 * One binding per workflow, as `this.env` holds them: `type Env = WorkflowBindings<typeof workflows> & { ... }`
 * gives a class `this.env.ORDER` typed from the same map (a class may name the map it is part of).
 */
export type WorkflowBindings<W> = { readonly [K in keyof W]: WorkflowBindingOf<W[K]> };

/** True when the map's keys are not known (`any`, a `Record<string, ...>`): any name is allowed, bindings are untyped. */
type Untyped<W> = 0 extends 1 & W ? true : string extends keyof W ? true : false;

/** The names `runtime.workflow()` takes: the map's keys, or any string when the map's type is not known. */
export type WorkflowBindingName<W> = Untyped<W> extends true ? string : Extract<keyof W, string>;

/** What `runtime.workflow(name)` returns. */
export type WorkflowBindingNamed<W, N> = Untyped<W> extends true ? Workflow : N extends keyof W ? WorkflowBindingOf<W[N]> : never;

/** The bindings in `runtime.env`. */
export type RuntimeBindings<W> = Untyped<W> extends true ? Record<string, any> : WorkflowBindings<W>;
