/** A consumer of one queue group that may take a message another member has no room for. */
export interface GroupMember<T> {
  /** Takes `item` if it has credit to spare and nothing waiting; false leaves it with the offerer. */
  offer(item: T): boolean;
}

/**
 * The members of each (queue group, subject) inside one gateway. The server picks a member of a
 * queue group at random for every message, without regard to who has room; a member whose
 * pipeline is full first offers the message to a sibling in this process that has room, and
 * only buffers it when none has. Across processes the server's choice stands.
 */
export class QueueGroupMembers<T> {
  readonly #members = new Map<string, Set<GroupMember<T>>>();

  /** Adds `member`; returns the call that removes it again. */
  join(group: string, subject: string, member: GroupMember<T>): () => void {
    const key = JSON.stringify([group, subject]);
    let members = this.#members.get(key);
    if (!members) this.#members.set(key, (members = new Set()));
    members.add(member);
    return () => {
      members.delete(member);
      if (members.size === 0 && this.#members.get(key) === members) this.#members.delete(key);
    };
  }

  /** Offers `item` to the other members of the group on `subject`; true once one took it. */
  handOff(group: string, subject: string, from: GroupMember<T>, item: T): boolean {
    for (const member of this.#members.get(JSON.stringify([group, subject])) ?? []) {
      if (member !== from && member.offer(item)) return true;
    }
    return false;
  }
}
