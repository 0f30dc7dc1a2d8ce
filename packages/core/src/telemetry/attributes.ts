// Attribute names on Cairn's spans and metrics, under the `cairn.` prefix.

export const ATTR = {
  workflow: 'cairn.workflow.name',
  instance: 'cairn.instance.id',
  runner: 'cairn.runner',
  host: 'cairn.host',
  replayOutcome: 'cairn.replay.outcome',
  stepName: 'cairn.step.name',
  stepKind: 'cairn.step.kind',
  stepAttempt: 'cairn.step.attempt',
  stepOutcome: 'cairn.step.outcome',
} as const;
