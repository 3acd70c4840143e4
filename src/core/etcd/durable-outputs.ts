import type {StorageError} from '../storage/errors.js'

/** Syncs everything written so far; `done` runs once it is on disk (or with why it is not). */
export type SyncWrites = (done: (error: StorageError | null) => void) => void

interface Held {
  readonly release: () => void
  /** The write this output waits for (outputs of a Ready that needs no sync wait for the writes before it). */
  readonly write: number
}

/**
 * What one member's Readies may let out only once their transactions are on disk (a follower's
 * acknowledgements and votes, the leader's count of its own entries toward the commit): etcd's
 * raft node beside its WAL. A Ready's transaction commits without an fsync; one fsync, run off
 * the event loop, then covers it and every transaction before it, so the members' fsyncs run in
 * parallel with each other and with the event loop, and a member goes on with its next Ready
 * while the last one syncs. Outputs go out in the order of their Readies: nothing leaves before
 * what an earlier Ready let out, and nothing a crash could lose is ever acknowledged.
 */
export class DurableOutputs {
  private readonly held: Held[] = []
  /** Writes that need a sync, counted; `synced` of them are on disk. */
  private written = 0
  private synced = 0
  private syncing = false
  private failure: StorageError | null = null

  constructor(
    private readonly sync: SyncWrites,
    /** Told after each fsync, with its duration, so the driver can let out what it covered. */
    private readonly onSynced: (milliseconds: number) => void,
  ) {}

  /** Lets `release` run once this Ready's transaction (`needsSync`) and every earlier one is on disk. */
  hold(needsSync: boolean, release: () => void): void {
    if (needsSync) this.written++
    if (this.held.length === 0 && this.synced === this.written) {
      release()
      return
    }
    this.held.push({release, write: this.written})
    this.startSync()
  }

  /** Runs the outputs whose writes are on disk, in order; true when any ran. */
  releaseDurable(): boolean {
    if (this.failure) throw this.failure
    let released = false
    while (this.held.length > 0 && this.held[0]!.write <= this.synced) {
      this.held.shift()!.release()
      released = true
    }
    return released
  }

  /** Whether an fsync is running now (a member gathers its next writes meanwhile, see EtcdMember.processReady). */
  get syncInFlight(): boolean {
    return this.syncing
  }

  /** Outputs still waiting for a sync. */
  get holding(): boolean {
    return this.held.length > 0
  }

  /** The count of writes a wait must see synced (see syncedThrough). */
  get writes(): number {
    return this.written
  }

  /** Whether the writes counted by `writes` up to `write` are on disk (or can no longer be). */
  syncedThrough(write: number): boolean {
    return this.synced >= write || this.failure !== null
  }

  /** The member stops: what was held is lost, as it would be in a crash before the fsync. */
  drop(): void {
    this.held.length = 0
  }

  private startSync(): void {
    if (this.syncing || this.synced >= this.written || this.failure) return
    const through = this.written
    const started = performance.now()
    this.syncing = true
    this.sync((error) => {
      this.syncing = false
      if (error) this.failure = error
      else this.synced = through
      this.onSynced(performance.now() - started)
      // Transactions committed while this fsync ran need one more.
      this.startSync()
    })
  }
}
