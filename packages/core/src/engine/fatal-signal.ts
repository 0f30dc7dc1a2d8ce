// The signal thrown through user code once the engine has decided that the instance fails.

/** Thrown through user code when the engine has already ended the instance (a fatal error). */
export class FatalSignal extends Error {
  constructor() {
    super('The workflow instance was ended by a fatal error');
    this.name = 'WorkflowFatalError';
  }
}
