import type { OrderStatus } from '@frookoon/sdk';
import { STATUS_LABEL } from '../format';

export function StatusPill({ status }: { status: OrderStatus }) {
  return (
    <span className={`pill pill-${status.toLowerCase()}`} data-status={status}>
      {STATUS_LABEL[status]}
    </span>
  );
}
