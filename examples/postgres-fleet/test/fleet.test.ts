// The example as a user runs it: scripts/local.ts starts PostgreSQL, migrates, starts three runner processes,
// places six orders from a client process and kills one runner while they cool off.

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('../scripts/local.ts', import.meta.url));

describe('examples/postgres-fleet', () => {
  it('six orders complete on the fleet, one runner killed midway and its orders taken over', { timeout: 120_000 }, () => {
    const run = spawnSync(process.execPath, ['--disable-warning=ExperimentalWarning', script], { encoding: 'utf8', timeout: 110_000 });
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    const results = run.stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { orderId: string; paymentAttempts: number; approvedBy: string; shippedBy: string });
    expect(results.map((result) => result.orderId)).toEqual(['A-1001', 'A-1002', 'A-1003', 'A-1004', 'A-1005', 'A-1006']);
    for (const result of results) expect(result).toMatchObject({ paymentAttempts: 3, approvedBy: 'maria' });
    // The killed runner shipped nothing: it died during the cool-off, before any order was approved and shipped;
    // the orders it held were taken over by the others.
    const [, victim, held] = /(runner-\d) killed \(SIGKILL\) while its (\d+) orders/.exec(run.stdout) ?? [];
    expect(Number(held)).toBeGreaterThan(0);
    expect(results.map((result) => result.shippedBy)).not.toContain(victim);
    expect(run.stdout).toMatch(new RegExp(`6/6 orders complete, shipped by .*; ${held} taken over from ${victim}`));
  });
});
