import type { IOutboxEvent } from '../entities/outbox-event.entity';
import { newId } from '../entities/ids';
import { statement, type Sql, type Step } from '../sql';

export const ORDER_EVENTS_CHANNEL = 'frookoon_order_events';
const DISPATCHER_LOCK = 4242002;

const DISPATCHER_TURN = statement('dispatcher_turn', `select pg_try_advisory_xact_lock(${DISPATCHER_LOCK}) as locked`);

export type UndispatchedEvent = Pick<IOutboxEvent, 'id' | 'type' | 'aggregateId' | 'payload' | 'createdAt'>;

const UNDISPATCHED = statement(
  'undispatched_events',
  `select id, type, aggregate_id as "aggregateId", payload, created_at as "createdAt"
     from outbox_event where dispatched_at is null order by id limit $1`,
);

/**
 * The events are read by walking the partial index of undispatched ones in id order. That index keeps an entry for
 * each event dispatched since the last vacuum; a plain index scan marks those it meets as dead, so that the next run
 * skips them, where the bitmap scan the planner prefers reads every one of them again on every run.
 */
const ORDERED_INDEX_SCAN = statement('ordered_index_scan', "select set_config('enable_bitmapscan', 'off', true), set_config('enable_seqscan', 'off', true)");

/**
 * Takes the dispatcher's turn and reads the oldest events not yet dispatched, in one round trip: null when another
 * transaction has the turn. One dispatcher at a time keeps the events of an order in the order they were written,
 * across instances.
 */
export async function takeDispatcherTurn(sql: Sql, limit: number): Promise<UndispatchedEvent[] | null> {
  const [turn, , events] = await sql.batch([{ statement: DISPATCHER_TURN, values: [] }, ...undispatchedSteps(limit)]);
  return turn!.rows[0]?.locked === true ? (events!.rows as unknown as UndispatchedEvent[]) : null;
}

/** The read of the oldest `limit` undispatched events, after the settings that make it walk their index in order. */
export const undispatchedSteps = (limit: number): [Step, Step] => [
  { statement: ORDERED_INDEX_SCAN, values: [] },
  { statement: UNDISPATCHED, values: [limit] },
];

export interface InboxEntry {
  vendorId: string;
  eventId: string;
  type: string;
  orderId: string;
  payload: Record<string, unknown>;
}

const DISPATCH = statement(
  'dispatch_events',
  `with inbox as (insert into notification (id, vendor_id, event_id, type, order_id, payload, created_at)
                  select n.id, n.vendor_id, n.event_id, n.type, n.order_id, n.payload, now()
                    from jsonb_to_recordset($1::jsonb) as n(id uuid, vendor_id uuid, event_id uuid, type text, order_id uuid, payload jsonb)
                  on conflict (event_id) do nothing),
        done as (update outbox_event set dispatched_at = now(), attempts = attempts + 1 where id = any($3::uuid[]))
   select count(pg_notify('${ORDER_EVENTS_CHANNEL}', p)) as sent from jsonb_array_elements_text($2::jsonb) with ordinality as t(p, n)`,
);

/**
 * In one statement: the vendors' inbox rows (one per event, however often it is dispatched), NOTIFY of the
 * messages in order (delivered when the transaction commits), and the events marked dispatched.
 */
export async function dispatchEvents(sql: Sql, inbox: readonly InboxEntry[], messages: readonly string[], eventIds: readonly string[]): Promise<void> {
  const rows = inbox.map((n) => ({ id: newId(), vendor_id: n.vendorId, event_id: n.eventId, type: n.type, order_id: n.orderId, payload: n.payload }));
  await sql.query(DISPATCH, [JSON.stringify(rows), JSON.stringify(messages), eventIds]);
}
