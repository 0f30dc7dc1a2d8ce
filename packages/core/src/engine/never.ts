/** What a branch of `run()` awaits once it may never go on (the session ends without it): never settles. */
export const NEVER = new Promise<never>(() => {});
