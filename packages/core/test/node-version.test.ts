// The Node.js floor: version comparison and the error a too-old Node.js gets (one line: needed, running, how).
import { describe, expect, it } from 'vitest';
import { assertNodeVersion, MINIMUM_NODE, nodeSatisfies, UnsupportedNodeError } from '@cairn/core';

describe('the Node.js floor', () => {
  it('compares versions part by part', () => {
    expect(nodeSatisfies('22.12.0', '22.12.0')).toBe(true);
    expect(nodeSatisfies('22.12.0', '22.13.1')).toBe(true);
    expect(nodeSatisfies('22.12.0', '24.0.0')).toBe(true);
    expect(nodeSatisfies('22.12.0', '22.11.9')).toBe(false);
    expect(nodeSatisfies('22.12.0', '20.20.2')).toBe(false);
    expect(nodeSatisfies('22.13.0', '22.9.0')).toBe(false); // not a string comparison
    expect(nodeSatisfies(MINIMUM_NODE)).toBe(true); // the Node.js running this test
  });

  it('a too-old Node.js gets one line saying what is needed, what runs and how to get it', () => {
    let caught: unknown;
    try {
      assertNodeVersion('22.13.0', '@cairn/store-sqlite', '22.12.0');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(UnsupportedNodeError);
    const error = caught as UnsupportedNodeError;
    expect(error.message).toBe(
      '@cairn/store-sqlite needs Node.js >= 22.13.0, and this is Node.js 22.12.0: install Node.js 24 LTS (https://nodejs.org/), or add the npm package "node@24" as a devDependency so that npm scripts run on it',
    );
    expect([error.needed, error.running]).toEqual(['22.13.0', '22.12.0']);
    expect(error.stack).toBe(`UnsupportedNodeError: ${error.message}`);
    expect(Object.keys(error)).toEqual([]);
    expect(() => assertNodeVersion('22.13.0', 'x', '22.13.0')).not.toThrow();
  });
});
