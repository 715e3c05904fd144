// Fake Telegram Bot API for integration tests. Usage:
//
//   const fake = await startFakeTelegram({ token: '123:abc' });
//   const bot = new Bot(fake.token, { botInfo: fake.botInfo, client: { apiRoot: fake.url } });
//   fake.pushUpdate(fake.makeTextMessageUpdate({ chatId: 42, from: { id: 42, first_name: 'Ann' }, text: '/start' }));
//   await fake.waitForCall('sendMessage');
//   ...
//   await fake.close(); // ends a pending long poll with [] so bot.stop() never hangs
export type { Fault, RateLimits, SendStats } from './faults.js';
export type { MethodContext, MethodHandler, WebhookState } from './methods.js';
export {
  type CallbackQueryUpdateOptions,
  FakeTelegram,
  type FakeTelegramOptions,
  type SentMessage,
  startFakeTelegram,
  type TextMessageUpdateOptions,
  type WaitOptions,
  type WebhookDelivery,
} from './server.js';
export {
  type ApiFailure,
  type ApiResponse,
  type ApiSuccess,
  BotApiError,
  badRequest,
  type CallRecord,
  type ChatType,
  type FakeUser,
  type FileUpload,
  isFileUpload,
  type NewUpdate,
  type Params,
} from './types.js';
