// Form parts: labelled fields that show the API's field errors, and the submit state.
import { useId, useState, type FormEvent, type ReactNode } from 'react';
import { ApiError, toApiError } from '../api/client';

export { Dialog } from './Dialog';

interface FieldProps {
  label: ReactNode;
  error?: string;
  hint?: string;
  children: (props: { id: string; 'aria-invalid': boolean; 'aria-describedby'?: string }) => ReactNode;
}

export function Field({ label, error, hint, children }: FieldProps) {
  const id = useId();
  const describedBy = error ? `${id}-error` : hint ? `${id}-hint` : undefined;
  return (
    <div className={`field${error ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      {children({ id, 'aria-invalid': Boolean(error), 'aria-describedby': describedBy })}
      {error ? (
        <span className="field-error" id={`${id}-error`}>
          {error}
        </span>
      ) : (
        hint && (
          <span className="muted small" id={`${id}-hint`}>
            {hint}
          </span>
        )
      )}
    </div>
  );
}

/**
 * Runs a form's action with the state every form needs: `busy` while it runs (to disable the
 * button) and the API's error after it fails (field errors go next to their fields).
 */
export function useSubmit(action: () => Promise<unknown>) {
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const onSubmit = async (e?: FormEvent) => {
    e?.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (err) {
      setError(toApiError(err));
    } finally {
      setBusy(false);
    }
  };
  return { error, busy, onSubmit };
}
