// The workflows an explorer API serves, named as Cloudflare names them (`name`, `class_name`, `script_name`),
// and the binding each name stands for: a request may name a workflow by its name or by its binding.

import type { RegisteredWorkflow } from '../registrations.js';

export interface ExplorerWorkflow {
  /** The workflow's name (`workflows[].name`, else its binding): what `wrangler workflows … <name>` takes. */
  name: string;
  /** The binding name, under which its instances are stored. */
  binding: string;
  className: string;
  scriptName: string;
}

/** The explorer's workflows: a runtime's (`runtime.registered`), under one script name. */
export function explorerWorkflowsOf(registered: readonly RegisteredWorkflow[], scriptName: string): ExplorerWorkflow[] {
  return registered.map(({ binding, name, className }) => ({ name, binding, className, scriptName }));
}

export function findExplorerWorkflow(workflows: readonly ExplorerWorkflow[], name: string): ExplorerWorkflow | undefined {
  return workflows.find((workflow) => workflow.name === name) ?? workflows.find((workflow) => workflow.binding === name);
}
