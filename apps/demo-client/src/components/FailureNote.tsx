import type { Failure } from '../api';

/** A failed call as a person should see it: the friendly message, what to fix, and the id to quote to support. */
export function FailureNote({ failure, testId = 'problem' }: { failure: Failure | null; testId?: string }) {
  if (!failure) return null;
  return (
    <div className="failure" role="alert" data-testid={testId}>
      <p className="failure-message">{failure.message}</p>
      {failure.fields.length > 0 ? (
        <ul className="failure-fields">
          {failure.fields.map((f) => (
            <li key={f.field + f.message}>
              <code>{f.field}</code> {f.message}
            </li>
          ))}
        </ul>
      ) : null}
      {failure.requestId ? (
        <p className="failure-request">
          Support reference <code data-testid="request-id">{failure.requestId}</code>
        </p>
      ) : null}
    </div>
  );
}
