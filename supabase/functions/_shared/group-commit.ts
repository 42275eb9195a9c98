// Group commit for the hot public endpoints (decision 0012, "Grouped writes"). An isolate serves its
// requests concurrently; when several of them want the same kind of write at the same moment, they
// are sent to Postgres as ONE statement (one transaction, one commit, one round trip) instead of one
// each. Each caller still gets its own answer only after the statement that carries its item has
// committed, so nothing is answered before it is written.
//
// How groups form: at most `maxInFlight` statements run at once. An item that arrives while fewer are
// running goes at once (alone, so a quiet endpoint waits for nothing); items that arrive while all are
// running wait and leave together, up to `maxItems`, when one finishes. Under a burst, a group is what
// arrived during one round trip.
//
// A group that fails is not failed as a whole: each of its items runs again alone, so one item that the
// database refuses gets its own error and the others their answers. The writes grouped here must
// therefore be safe to run again (idempotent, or harmless when repeated).

export type GroupRunner<Item, Answer> = (items: Item[]) => Promise<Answer[]>;

export type GroupCommitOptions = {
  /** Statements at once; keep below the isolate's pool size so other queries still get a connection. */
  maxInFlight?: number;
  /** Items in one statement. */
  maxItems?: number;
};

type Waiting<Item, Answer> = { item: Item; resolve: (answer: Answer) => void; reject: (error: unknown) => void };

export function groupCommit<Item, Answer>(
  run: GroupRunner<Item, Answer>,
  { maxInFlight = 2, maxItems = 100 }: GroupCommitOptions = {},
): (item: Item) => Promise<Answer> {
  if (!(maxInFlight >= 1) || !(maxItems >= 1)) throw new RangeError('maxInFlight and maxItems must be at least 1');
  const waiting: Waiting<Item, Answer>[] = [];
  let inFlight = 0;

  async function runAlone(entry: Waiting<Item, Answer>): Promise<void> {
    try {
      const answers = await run([entry.item]);
      if (answers.length !== 1) throw new Error(`group runner answered ${answers.length} items for 1`);
      entry.resolve(answers[0]);
    } catch (error) {
      entry.reject(error);
    }
  }

  async function runGroup(group: Waiting<Item, Answer>[]): Promise<void> {
    if (group.length === 1) return runAlone(group[0]);
    let answers: Answer[];
    try {
      answers = await run(group.map((entry) => entry.item));
      if (answers.length !== group.length) {
        throw new Error(`group runner answered ${answers.length} items for ${group.length}`);
      }
    } catch (error) {
      // Which item the database refused is unknown: each goes again alone and gets its own outcome.
      console.warn(`a group of ${group.length} failed, each runs again alone: ${(error as Error)?.message ?? error}`);
      await Promise.all(group.map(runAlone));
      return;
    }
    group.forEach((entry, i) => entry.resolve(answers[i]));
  }

  function pump(): void {
    while (inFlight < maxInFlight && waiting.length > 0) {
      const group = waiting.splice(0, maxItems);
      inFlight++;
      runGroup(group).finally(() => {
        inFlight--;
        pump();
      });
    }
  }

  return (item: Item) =>
    new Promise<Answer>((resolve, reject) => {
      waiting.push({ item, resolve, reject });
      pump();
    });
}
