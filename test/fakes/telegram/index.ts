// Fake Telegram Bot API for integration tests. Usage:
//
//   const fake = await startFakeTelegram({ token: '123:abc' });
//   const bot = new Bot(fake.token, { botInfo: fake.botInfo, client: { apiRoot: fake.url } });
//   fake.pushUpdate(fake.makeTextMessageUpdate({ chatId: 42, from: { id: 42, first_name: 'Ann' }, text: '/start' }));
//   await fake.waitForCall('sendMessage');
//   fake.pushUpdate(fake.makePhotoMessageUpdate({ chatId: 42, from: { id: 42, first_name: 'Ann' } }));
//   // the bot may getFile + download it from `${fake.url}/file/bot<token>/<file_path>`
//   ...
//   await fake.close(); // ends a pending long poll with [] so bot.stop() never hangs
export type { Fault, RateLimits, SendStats } from './faults.js';
export { DOWNLOAD_LIMIT, FileRegistry, type StoredFile } from './files.js';
export type { MethodContext, MethodHandler, WebhookState } from './methods.js';
export { TINY_JPEG } from './photos.js';
export {
  type CallbackQueryUpdateOptions,
  FakeTelegram,
  type FakeTelegramOptions,
  type PhotoMessageUpdateOptions,
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
