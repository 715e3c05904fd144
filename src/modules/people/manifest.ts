import type { LinliModule } from '../../app/manifest.js';
import { peopleRoutes } from './http.js';
import { LanguageChat } from './language-chat.js';

/** People, their roles and their chat identities; a person's language (`/language`, `语言 英文`). */
export const peopleModule: LinliModule = {
  name: 'people',
  routes: (s) => [peopleRoutes(s)],
  chat: (_s, db) => [new LanguageChat(db)],
};
