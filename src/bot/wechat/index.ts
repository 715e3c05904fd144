/** WeChat channel: the adapter, its choice memory, login status, and the lazy Wechaty factory. */
export {
  type ChoiceMemory,
  InMemoryChoiceMemory,
  type InMemoryChoiceMemoryOptions,
} from './choice-memory.js';
export {
  qrcodeUrl,
  type WechatLoginState,
  type WechatScanStatus,
  type WechatStatus,
} from './login-status.js';
export { WechatAdapter, type WechatAdapterOptions } from './wechat-adapter.js';
export { type CreateWechatyOptions, createWechaty } from './wechaty-factory.js';
