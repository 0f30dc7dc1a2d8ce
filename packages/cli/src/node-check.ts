// The CLI's Node.js floor, checked with nothing else loaded (importing @cairn/core on a too-old Node would fail
// first with its own error; this says it in the CLI's words).

/** node:sqlite (the default store) without a flag. A TypeScript config needs 22.18 (see config.ts). */
export const CLI_MINIMUM_NODE = '22.13.0';

/** One line saying what is needed, what runs and how to get it; null when `running` is recent enough. */
export function nodeTooOldLine(needed: string, running: string): string | null {
  const want = needed.split('.').map(Number);
  const have = running.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const [a = 0, b = 0] = [have[i], want[i]];
    if (a > b) return null;
    if (a < b) {
      return `cairn: needs Node.js >= ${needed}, and this is Node.js ${running}. Install Node.js 24 LTS (https://nodejs.org/), or run it through npm with the "node@24" package: npx -p node@24 -p @cairn/cli cairn ...`;
    }
  }
  return null;
}
