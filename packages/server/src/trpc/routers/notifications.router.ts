import { listNotifications } from '../../domain/notifications/notifications.service';
import { ZNotificationListInput, ZNotificationPage } from '../../domain/notifications/notifications.schemas';
import { roleProcedure } from '../procedures';
import { router } from '../init';

export const notificationsRouter = router({
  list: roleProcedure('vendor')
    .meta({ openapi: { method: 'GET', path: '/notifications', tags: ['notifications'], summary: "Your vendor's inbox, newest first" } })
    .input(ZNotificationListInput)
    .output(ZNotificationPage)
    .query(({ ctx, input }) => listNotifications(ctx, input)),
});
