import { useCallback, useEffect, useRef, useState } from 'react';
import { describeFailure, type Failure } from './api';

export interface Loaded<T> {
  data: T | undefined;
  failure: Failure | null;
  loading: boolean;
  reload: () => Promise<void>;
}

/** Data from the API, loaded when `deps` change; a reload keeps showing the last data while it runs. */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]): Loaded<T> {
  const [data, setData] = useState<T>();
  const [failure, setFailure] = useState<Failure | null>(null);
  const [loading, setLoading] = useState(true);
  const latest = useRef(0);
  const loadRef = useRef(load);
  useEffect(() => {
    loadRef.current = load;
  });

  const reload = useCallback(async () => {
    const call = ++latest.current;
    setLoading(true);
    try {
      const value = await loadRef.current();
      if (call !== latest.current) return;
      setData(value);
      setFailure(null);
    } catch (err) {
      if (call === latest.current) setFailure(describeFailure(err));
    } finally {
      if (call === latest.current) setLoading(false);
    }
  }, []);

  useEffect(() => {
    void reload();
  }, [reload, ...deps]);

  return { data, failure, loading, reload };
}

export interface Action {
  busy: boolean;
  failure: Failure | null;
  /** Runs `fn`, keeping its failure for display; answers whether it succeeded. */
  run: (fn: () => Promise<unknown>) => Promise<boolean>;
  clear: () => void;
}

/** One user action at a time (a button), with its failure shown next to it. */
export function useAction(): Action {
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<Failure | null>(null);
  const run = useCallback(async (fn: () => Promise<unknown>) => {
    setBusy(true);
    setFailure(null);
    try {
      await fn();
      return true;
    } catch (err) {
      setFailure(describeFailure(err));
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, failure, run, clear: useCallback(() => setFailure(null), []) };
}
