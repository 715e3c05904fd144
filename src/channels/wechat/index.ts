/** WeChat channel: the adapter, its choice memory, status, and the lazy Wechaty factory. */
export {
  type ChoiceMemory,
  InMemoryChoiceMemory,
  type InMemoryChoiceMemoryOptions,
} from './choice-memory.js';
export {
  isUp,
  qrcodeUrl,
  WECHAT_STATES,
  type WechatLoginState,
  type WechatScanStatus,
  type WechatStatus,
} from './login-status.js';
export type { PuppetTransport } from './puppet-service.js';
export { WechatAdapter, type WechatAdapterOptions } from './wechat-adapter.js';
export { type CreateWechatyOptions, createWechaty, type WechatyBundle } from './wechaty-factory.js';
