export * from './ids';
export * from './vendor.entity';
export * from './user.entity';
export * from './api-token.entity';
export * from './address.entity';
export * from './product.entity';
export * from './stock.entity';
export * from './order.entity';
export * from './order-item.entity';
export * from './order-status-history.entity';
export * from './stock-movement.entity';
export * from './idempotency-key.entity';
export * from './outbox-event.entity';
export * from './notification.entity';
export * from './payment-attempt.entity';
export * from './checkout.entity';
export * from './refund.entity';
export * from './vendor-ledger.entity';
export * from './subscription-ticket.entity';
export * from './rate-limit.entity';

import { Vendor } from './vendor.entity';
import { User } from './user.entity';
import { ApiToken } from './api-token.entity';
import { Address } from './address.entity';
import { Product } from './product.entity';
import { Stock } from './stock.entity';
import { Order } from './order.entity';
import { OrderItem } from './order-item.entity';
import { OrderStatusHistory } from './order-status-history.entity';
import { StockMovement } from './stock-movement.entity';
import { IdempotencyKey } from './idempotency-key.entity';
import { OutboxEvent } from './outbox-event.entity';
import { Notification } from './notification.entity';
import { PaymentAttempt } from './payment-attempt.entity';
import { Checkout } from './checkout.entity';
import { Refund } from './refund.entity';
import { VendorLedgerEntry } from './vendor-ledger.entity';
import { SubscriptionTicket } from './subscription-ticket.entity';
import { RateLimit } from './rate-limit.entity';

export const entities = [
  Vendor, User, ApiToken, Address, Product, Stock, Order, OrderItem,
  OrderStatusHistory, StockMovement, IdempotencyKey, OutboxEvent, Notification, PaymentAttempt, Checkout, Refund,
  VendorLedgerEntry, SubscriptionTicket, RateLimit,
];
