import { isUniqueViolation } from '../../kernel/access/errors.js';
import type { Chat } from '../../kernel/chat/binding.js';
import type { Speakers } from '../../kernel/chat/dispatcher.js';
import type { ChannelName, InboundMessage } from '../../kernel/chat/port.js';
import type { Db } from '../../kernel/db/db.js';
import { findPersonByIdentity, insertIdentity, insertPerson, insertRole } from './repository.js';
import type { Person } from './schema.js';

/** The kernel dispatcher's `Speakers`: who wrote a chat message, as a person of the register. */
export class ChatSpeakers implements Speakers {
  constructor(private readonly db: Db) {}

  find(channel: ChannelName, externalId: string): Promise<Person | null> {
    return findPersonByIdentity(this.db, channel, externalId);
  }

  /** The writer of a residents' group message as a person, created the first time. */
  async ensureResident(m: InboundMessage, chat: Chat): Promise<Person> {
    return this.create(m, chat.orgId);
  }

  /**
   * A writer who came in by an org's door (an Official Account's QR code for a compound): the
   * compound's resident, created the first time; a building's door is its compound's. null when
   * the org is gone or is no compound or building.
   */
  async ensureResidentOf(m: InboundMessage, orgId: number): Promise<Person | null> {
    const { rows } = await this.db.query<{ id: number }>(
      `SELECT CASE WHEN o.kind = 'compound' THEN o.id ELSE o.parent_id END AS id
         FROM linli.orgs o WHERE o.id = $1 AND o.kind IN ('compound', 'building')`,
      [orgId],
    );
    return rows[0] ? this.create(m, Number(rows[0].id)) : null;
  }

  private async create(m: InboundMessage, orgId: number): Promise<Person> {
    const found = await this.find(m.channel, m.sender.externalId);
    if (found) return found;
    try {
      return await this.db.transaction(async (tx) => {
        const person = await insertPerson(tx, {
          name: m.sender.displayName.slice(0, 100) || m.sender.externalId,
          orgId,
        });
        await insertIdentity(tx, {
          personId: person.id,
          channel: m.channel,
          externalId: m.sender.externalId,
          displayName: m.sender.displayName,
        });
        await insertRole(tx, person.id, orgId, 'resident');
        return person;
      });
    } catch (err) {
      // two messages of a new resident racing: the other one created them
      if (isUniqueViolation(err, 'identities_channel_external_unique')) {
        const again = await this.find(m.channel, m.sender.externalId);
        if (again) return again;
      }
      throw err;
    }
  }
}
