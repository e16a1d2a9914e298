import type { PaymentGatewayConfig } from '../../config';
import type { PaymentGateway } from './payment-gateway';
import { StripePaymentGateway } from './stripe-payment-gateway';
import { TestPaymentGateway } from './test-payment-gateway';

/** The gateway the configuration names. */
export function createPaymentGateway(config: PaymentGatewayConfig): PaymentGateway {
  switch (config.kind) {
    case 'test':
      return new TestPaymentGateway();
    case 'stripe':
      return new StripePaymentGateway({ secretKey: config.secretKey, apiBase: config.apiBase });
  }
}
