import type {Message, NodeId} from '../raft/types.js'
import {SeededRandom} from '../util/random.js'

/** Messages waiting for delivery at once; past it the network drops, as a congested one would. */
export const transportMessagesQueuedMax = 100_000

export interface TransportFaults {
  /** Probability that a message is lost. */
  readonly dropRate: number
  /** Probability that a message is delivered twice. */
  readonly duplicateRate: number
  /** Each message waits 0..delayRoundsMax delivery rounds. */
  readonly delayRoundsMax: number
}

const noFaults: TransportFaults = {dropRate: 0, duplicateRate: 0, delayRoundsMax: 0}

interface Queued {
  readonly message: Message
  roundsLeft: number
}

/**
 * The in-process network between members. It can drop, duplicate and delay messages and cut
 * links (partitions); a stopped member is simply not reachable.
 */
export class InProcessTransport {
  private queue: Queued[] = []
  private faults: TransportFaults = noFaults
  private readonly cutLinks = new Set<string>()
  private readonly random: SeededRandom

  constructor(seed: number) {
    this.random = new SeededRandom(seed)
  }

  setFaults(faults: Partial<TransportFaults>): void {
    this.faults = {...this.faults, ...faults}
  }

  /** Cuts every link between the groups (a partition); members in one group still talk. */
  partition(groups: readonly (readonly NodeId[])[]): void {
    this.cutLinks.clear()
    for (const [index, group] of groups.entries()) {
      for (const other of groups.slice(index + 1)) {
        for (const a of group) for (const b of other) {
          this.cutLinks.add(`${a}>${b}`)
          this.cutLinks.add(`${b}>${a}`)
        }
      }
    }
  }

  heal(): void {
    this.cutLinks.clear()
    this.faults = noFaults
  }

  /** Returns false when the message is lost on the way (so snapshot senders can report it). */
  send(message: Message): boolean {
    if (this.queue.length >= transportMessagesQueuedMax) return false
    if (this.cutLinks.has(`${message.from}>${message.to}`)) return false
    if (this.faults.dropRate > 0 && this.random.chance(this.faults.dropRate)) return false
    const copies = this.faults.duplicateRate > 0 && this.random.chance(this.faults.duplicateRate) ? 2 : 1
    for (let copy = 0; copy < copies; copy++) {
      const roundsLeft = this.faults.delayRoundsMax > 0 ? this.random.nextInt(this.faults.delayRoundsMax + 1) : 0
      this.queue.push({message, roundsLeft})
    }
    return true
  }

  /** The messages due this round, in the order they were sent (reordered only by delays). */
  takeDue(): Message[] {
    const due: Message[] = []
    const later: Queued[] = []
    for (const item of this.queue) {
      if (item.roundsLeft <= 0) due.push(item.message)
      else {
        item.roundsLeft--
        later.push(item)
      }
    }
    this.queue = later
    return due
  }

  pending(): number {
    return this.queue.length
  }
}
