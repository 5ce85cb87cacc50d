import { recordedPushes, registerDevice, setPushPreferences, unregisterDevice } from '../../shared/app/devices.js';
import { AppError } from '../../shared/domain/errors.js';
import {
  DeviceParamsSchema,
  PreferencesSchema,
  PushOutboxQuerySchema,
  PushPreferencesBodySchema,
  RegisterDeviceBodySchema,
} from '../../shared/domain/push.js';
import { route } from '../../shared/runtime/routes.js';

route(
  {
    name: 'devices-register',
    method: 'POST',
    path: 'v1/messaging/devices',
    summary: 'Register a device for push notifications (apns, fcm, wns, web)',
    body: RegisterDeviceBodySchema,
    success: 201,
  },
  async ({ runtime, userId, body }) => ({ status: 201, body: await registerDevice(runtime.deps, { userId }, body) }),
);

route(
  {
    name: 'devices-unregister',
    method: 'DELETE',
    path: 'v1/messaging/devices/{deviceId}',
    summary: 'Stop push notifications to a device',
    params: DeviceParamsSchema,
    success: 204,
  },
  async ({ runtime, userId, params }) => {
    await unregisterDevice(runtime.deps, { userId }, params.deviceId);
    return { status: 204 };
  },
);

route(
  {
    name: 'push-preferences',
    method: 'PUT',
    path: 'v1/messaging/preferences',
    summary:
      'Preferences: privatePreviews hides message text in pushes, pushEnabled turns pushes off, language is the target of auto-translation',
    body: PushPreferencesBodySchema,
    response: PreferencesSchema,
  },
  async ({ runtime, userId, body }) => ({
    status: 200,
    body: { preferences: await setPushPreferences(runtime.deps, { userId }, body) },
  }),
);

route(
  {
    name: 'dev-push-outbox',
    method: 'GET',
    path: 'dev/push-outbox',
    auth: false,
    summary: 'Dev auth only: the pushes the local push adapter recorded for a user',
    query: PushOutboxQuerySchema,
  },
  ({ runtime, query }) => {
    if (!runtime.auth.issueDevToken)
      throw new AppError('not_found', 'DEV_AUTH.OFF', 'the push outbox is only shown when AUTH_MODE=dev');
    return Promise.resolve({ status: 200, body: recordedPushes(runtime.deps, query.userId) });
  },
);
