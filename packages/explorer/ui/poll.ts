// Data that stays live: loaded at once, then again every second (new steps and status changes appear without a
// reload), and again at once after an action. Pauses while the tab is hidden.

import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

export const POLL_MS = 1_000;

export function usePolling<T>(
  load: () => Promise<T>,
  key: string,
  /** Keep polling while this holds of the last data (a finished instance changes no more). @default always */
  live: (data: T) => boolean = () => true,
): { data: T | undefined; error: string | undefined; reload: () => void } {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const latest = useRef(load);
  latest.current = load;
  const last = useRef<T | undefined>(undefined);
  const stillLive = useRef(live);
  stillLive.current = live;
  const run = useCallback(async () => {
    try {
      last.current = await latest.current();
      setData(last.current);
      setError(undefined);
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    }
  }, []);
  useEffect(() => {
    setData(undefined);
    last.current = undefined;
    void run();
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible' && (last.current === undefined || stillLive.current(last.current))) void run();
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [key, run]);
  return { data, error, reload: () => void run() };
}
