// The Node.js versions Cairn runs on, checked where Cairn is loaded, so that a too-old Node gets one clear line
// (what is needed, what is running, how to get it) instead of a cryptic loader error further on.

/** Core's floor: `require()` of ES modules without a flag, `AbortSignal.any`, `Promise.withResolvers`. */
export const MINIMUM_NODE = '22.12.0';

/** Thrown when the running Node.js is older than a Cairn package needs. Nothing was started. */
export class UnsupportedNodeError extends Error {
  declare readonly needed: string;
  declare readonly running: string;

  constructor(needed: string, running: string, what: string) {
    super(
      `${what} needs Node.js >= ${needed}, and this is Node.js ${running}: install Node.js 24 LTS (https://nodejs.org/), ` +
        'or add the npm package "node@24" as a devDependency so that npm scripts run on it',
    );
    // Not enumerable, so that Node prints an uncaught one as its message alone.
    Object.defineProperties(this, { name: { value: 'UnsupportedNodeError' }, needed: { value: needed }, running: { value: running } });
    // One line when uncaught: the message says everything, the frames below it would say nothing more.
    this.stack = `${this.name}: ${this.message}`;
  }
}

/** True when `running` (e.g. '22.13.1') is at least `needed` (e.g. '22.13.0'). */
export function nodeSatisfies(needed: string, running: string = process.versions.node): boolean {
  const want = needed.split('.').map(Number);
  const have = running.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const [a = 0, b = 0] = [have[i], want[i]];
    if (a !== b) return a > b;
  }
  return true;
}

/** Throws UnsupportedNodeError when the running Node.js is older than `needed`. */
export function assertNodeVersion(needed: string, what: string, running: string = process.versions.node): void {
  if (!nodeSatisfies(needed, running)) throw new UnsupportedNodeError(needed, running, what);
}
