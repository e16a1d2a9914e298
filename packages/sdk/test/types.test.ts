import { describe, expectTypeOf, it } from 'vitest';
import {
  canTransition, createFrookoonClient, getProblem, isErrorCode, userMessage,
  type ErrorCode, type OrderStatus, type ProblemDetails, type RouterInputs, type RouterOutputs,
} from '@frookoon/sdk';

// These assertions are checked by the compiler (`pnpm typecheck`); the runtime part only proves they are reached.
describe('SDK types', () => {
  const client = createFrookoonClient({ url: 'http://127.0.0.1:1' });

  it('infers every input and output from the server', () => {
    expectTypeOf<RouterInputs['orders']['create']['items']>().toEqualTypeOf<{ productId: string; quantity: number }[]>();
    expectTypeOf<RouterInputs['orders']['create']['idempotencyKey']>().toEqualTypeOf<string | undefined>();
    expectTypeOf(client.orders.create.mutate).returns.resolves.toEqualTypeOf<RouterOutputs['orders']['create']>();
    expectTypeOf<RouterOutputs['orders']['byId']['status']>().toEqualTypeOf<OrderStatus>();
    expectTypeOf<RouterOutputs['orders']['byId']['totalCents']>().toBeNumber();
    expectTypeOf<RouterOutputs['auth']['me']['createdAt']>().toEqualTypeOf<Date>();
    expectTypeOf<NonNullable<RouterInputs['products']['list']>['vendorId']>().toEqualTypeOf<string | undefined>();
  });

  it('refuses a wrong input at compile time', () => {
    const wrongCalls = () => {
      // @ts-expect-error quantity is a number
      void client.orders.create.mutate({ addressId: 'a', items: [{ productId: 'p', quantity: '2' }] });
      // @ts-expect-error items are required
      void client.orders.create.mutate({ addressId: 'a' });
      // @ts-expect-error there is no such procedure
      void client.orders.remove.mutate({ id: 'x' });
    };
    expectTypeOf(wrongCalls).toBeFunction();
  });

  it('narrows problems to their code', () => {
    const err: unknown = new Error('x');
    expectTypeOf(getProblem(err, 'INSUFFICIENT_STOCK')).toEqualTypeOf<ProblemDetails<'INSUFFICIENT_STOCK'> | undefined>();
    if (isErrorCode(err, 'PAYMENT_FAILED')) {
      expectTypeOf(err.data.problem.error_code).toEqualTypeOf<'PAYMENT_FAILED'>();
    }
    expectTypeOf<ErrorCode>().toEqualTypeOf<ProblemDetails['error_code']>();
    // @ts-expect-error not an error code
    void getProblem(err, 'NOT_A_CODE');
    expectTypeOf(userMessage).toBeCallableWith('NOT_FOUND');
    expectTypeOf(userMessage).toBeCallableWith({} as ProblemDetails);
    expectTypeOf(canTransition).parameters.toEqualTypeOf<[OrderStatus, 'pay' | 'paymentFailed' | 'cancel' | 'expire' | 'startPacking' | 'ship' | 'deliver', 'customer' | 'vendor' | 'admin' | 'system']>();
  });
});
