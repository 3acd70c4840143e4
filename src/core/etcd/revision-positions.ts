import type {RaftPosition} from './api.js'

/** The newest revisions whose raft entry a member remembers (in memory, for this process's trace records). */
export const revisionPositionsRememberedMax = 50_000

/** Revision → the raft entry that made it, newest last, bounded by revisionPositionsRememberedMax. */
export class RevisionPositions {
  private readonly positionsByRevision = new Map<number, RaftPosition>()

  remember(revision: number, position: RaftPosition): void {
    this.positionsByRevision.set(revision, position)
    if (this.positionsByRevision.size > revisionPositionsRememberedMax) this.positionsByRevision.delete(this.positionsByRevision.keys().next().value!)
  }

  positionOf(revision: number): RaftPosition | null {
    return this.positionsByRevision.get(revision) ?? null
  }
}
