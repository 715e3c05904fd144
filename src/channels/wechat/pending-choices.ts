import type { ChannelName, Choice } from '../../kernel/chat/port.js';
import type { Db } from '../../kernel/db/db.js';
import type { ChoiceMemory } from './choice-memory.js';

/**
 * The numbered choices each person was last offered in a chat, in the database, so a restart
 * or another process does not lose them (the WeChat adapter turns a bare number into a choice).
 */
export class DbChoiceMemory implements ChoiceMemory {
  constructor(
    private readonly db: Db,
    private readonly channel: ChannelName = 'wechat',
    private readonly ttlMs = 24 * 60 * 60 * 1000,
  ) {}

  async remember(chatId: string, personId: string, choices: Choice[]): Promise<void> {
    if (choices.length === 0) return this.forget(chatId, personId);
    await this.db.query(
      `INSERT INTO linli.pending_choices (channel, chat_external_id, person_external_id, choices, expires_at)
       VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))
       ON CONFLICT (channel, chat_external_id, person_external_id)
       DO UPDATE SET choices = EXCLUDED.choices, expires_at = EXCLUDED.expires_at`,
      [this.channel, chatId, personId, JSON.stringify(choices), this.ttlMs / 1000],
    );
  }

  async resolve(chatId: string, personId: string, n: number): Promise<Choice | null> {
    const { rows } = await this.db.query<{ choices: Choice[] }>(
      `SELECT choices FROM linli.pending_choices
       WHERE channel = $1 AND chat_external_id = $2 AND person_external_id = $3 AND expires_at > now()`,
      [this.channel, chatId, personId],
    );
    return rows[0]?.choices[n - 1] ?? null;
  }

  async forget(chatId: string, personId: string): Promise<void> {
    await this.db.query(
      'DELETE FROM linli.pending_choices WHERE channel = $1 AND chat_external_id = $2 AND person_external_id = $3',
      [this.channel, chatId, personId],
    );
  }
}
